// SPDX-License-Identifier: Apache-2.0
#pragma once
// CIDR blocks of `cidrs` (IPv4 and IPv6) and membership of an address.

#include <optional>
#include <string_view>

#include "defender/ip_address.hpp"

namespace defender::detect {

struct Cidr {
    IpAddress network;    ///< host bits cleared
    unsigned prefix = 0;  ///< 0..32 (IPv4) or 0..128 (IPv6)
};

/// `a.b.c.d/n` or `v6/n`; a bare address is a host (/32, /128). IPv4-mapped IPv6 blocks of
/// /96 or longer become IPv4 blocks. nullopt when malformed.
std::optional<Cidr> parse_cidr(std::string_view text);

/// True when `address` (IPv4-mapped IPv6 counts as IPv4) is inside `block`.
bool contains(const Cidr& block, const IpAddress& address);

/// The address of a report's `remote_addr` (`a.b.c.d:port` or `[v6]:port`); nullopt when
/// it has neither form.
std::optional<IpAddress> remote_address(std::string_view remote_addr);

}  // namespace defender::detect
