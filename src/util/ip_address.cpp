// SPDX-License-Identifier: Apache-2.0
#include "defender/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace defender {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

IpAddress IpAddress::v4(std::uint32_t host_order) {
    IpAddress address;
    address.family = Family::v4;
    address.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
    address.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
    address.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
    address.bytes[3] = static_cast<std::uint8_t>(host_order);
    return address;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& network_order) {
    IpAddress address;
    address.family = Family::v6;
    address.bytes = network_order;
    return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; no valid literal is longer than this.
    char buffer[INET6_ADDRSTRLEN + 1] = {};
    if (text.empty() || text.size() >= sizeof buffer || text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::memcpy(buffer, text.data(), text.size());

    IpAddress address;
    if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) {
        address.family = Family::v4;
        return address;
    }
    if (inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) {
        address.family = Family::v6;
        return address;
    }
    return std::nullopt;
}

bool IpAddress::is_wildcard() const {
    const auto used = family == Family::v4 ? 4 : 16;
    return std::all_of(bytes.begin(), bytes.begin() + used, [](std::uint8_t b) { return b == 0; });
}

bool IpAddress::is_v4_mapped() const {
    return family == Family::v6 &&
           std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin());
}

IpAddress IpAddress::normalized() const {
    if (!is_v4_mapped()) {
        return *this;
    }
    IpAddress address;
    address.family = Family::v4;
    std::copy(bytes.begin() + 12, bytes.end(), address.bytes.begin());
    return address;
}

std::string IpAddress::to_string() const {
    // glibc's inet_ntop follows RFC 5952: lower case, the longest run of two or more zero
    // groups compressed (the first on a tie), dotted quad for v4-mapped addresses.
    char buffer[INET6_ADDRSTRLEN] = {};
    const int af = family == Family::v4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes.data(), buffer, sizeof buffer) == nullptr) {
        return {};
    }
    return buffer;
}

std::string IpAddress::with_port(std::uint16_t port) const {
    if (family == Family::v4) {
        return to_string() + ':' + std::to_string(port);
    }
    return '[' + to_string() + "]:" + std::to_string(port);
}

std::size_t IpAddressHash::operator()(const IpAddress& address) const noexcept {
    // FNV-1a over the family and the address bytes.
    std::uint64_t hash = 14695981039346656037ull;
    const auto mix = [&hash](std::uint8_t byte) {
        hash ^= byte;
        hash *= 1099511628211ull;
    };
    mix(static_cast<std::uint8_t>(address.family));
    for (const auto byte : address.bytes) {
        mix(byte);
    }
    return static_cast<std::size_t>(hash);
}

}  // namespace defender
