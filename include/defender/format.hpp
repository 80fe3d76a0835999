// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file format.hpp
/// Wire formats and key styles of Device Defender reports.
/// Target: Defender::defender (stage report).

#include <optional>
#include <string_view>

namespace defender {

/// Payload encoding; also the last segment of the Device Defender topics.
enum class Format { json, cbor };

/// Long field names (`header`, `report_id`, ...) or short ones (`hed`, `rid`, ...).
/// A report always uses exactly one style.
enum class KeyStyle { long_names, short_names };

/// `json` or `cbor`.
constexpr std::string_view to_string(Format format) {
    return format == Format::json ? "json" : "cbor";
}
/// The format named `json` or `cbor`; nullopt otherwise.
std::optional<Format> parse_format(std::string_view text);

}  // namespace defender
