// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file ip_address.hpp
/// IPv4/IPv6 addresses as plain values, with RFC 5952 text form.
/// Target: Defender::defender (stage util).

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace defender {

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (\::ffff:a.b.c.d) are stored as IPv4
/// by `normalized()`, so a socket bound through an IPv6 socket to an IPv4 address compares and
/// prints as the IPv4 address.
struct IpAddress {
    /// IP version.
    enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

    Family family = Family::v4;  ///< IPv4 or IPv6.
    /// Network byte order; IPv4 uses the first 4 bytes, the rest are zero.
    std::array<std::uint8_t, 16> bytes{};

    /// An IPv4 address from a host-order integer.
    static IpAddress v4(std::uint32_t host_order);
    /// An IPv6 address from its 16 bytes in network order.
    static IpAddress v6(const std::array<std::uint8_t, 16>& network_order);
    /// Parses a textual IPv4 or IPv6 literal (no brackets, no zone).
    static std::optional<IpAddress> parse(std::string_view text);

    bool is_wildcard() const;      ///< 0.0.0.0 or ::
    bool is_v4_mapped() const;     ///< \::ffff:a.b.c.d
    IpAddress normalized() const;  ///< v4-mapped becomes v4; anything else unchanged

    /// RFC 5952 text (lower case, longest zero run compressed).
    std::string to_string() const;
    /// `a.b.c.d:port` or `[v6]:port`.
    std::string with_port(std::uint16_t port) const;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

/// Hash of an IpAddress, for unordered containers.
struct IpAddressHash {
    /// Hashes family and bytes.
    std::size_t operator()(const IpAddress& address) const noexcept;
};

}  // namespace defender
