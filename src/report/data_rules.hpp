// SPDX-License-Identifier: Apache-2.0
#pragma once
// Rules for custom-metric names and values (spec §2.4). Device Defender accepts reports that
// break the value rules but silently drops the data, so they are checked on the device.
// Each check returns nullopt when the value is fine, else the reason, as one line for a human.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "defender/report.hpp"

namespace defender {

/// 1-128 characters of `[a-zA-Z0-9:_-]`, not starting with `aws:` (CreateCustomMetric).
std::optional<std::string> check_metric_name(std::string_view name);

/// At most 15 significant digits: integers with |n| < 10^15.
std::optional<std::string> check_number(std::int64_t number);
std::optional<std::string> check_number(std::uint64_t number);
/// At most 15 significant digits in the shortest decimal form that reads back exactly;
/// NaN and infinities are rejected.
std::optional<std::string> check_number(double number);
std::optional<std::string> check_number(const Number& number);

/// Non-empty; only letters, digits and `: _ - / .`.
std::optional<std::string> check_string_list_item(std::string_view item);

/// A plain IPv4 (dotted quad) or IPv6 literal: no brackets, port, zone or prefix length.
std::optional<std::string> check_ip_literal(std::string_view text);

/// A string quoted for messages; control bytes, quotes and backslashes written as `\xNN`.
std::string in_quotes(std::string_view text);

}  // namespace defender
