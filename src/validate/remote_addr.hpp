// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `remote_addr` of an established connection: `a.b.c.d:port` or `[ipv6]:port`.

#include <optional>
#include <string>
#include <string_view>

namespace defender {

/// nullopt when `text` is a strict dotted quad or a bracketed IPv6 literal (not IPv4-mapped,
/// which must be written as plain IPv4), followed by `:` and a port 1..65535; else the reason.
std::optional<std::string> check_remote_addr(std::string_view text);

}  // namespace defender
