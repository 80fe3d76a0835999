// SPDX-License-Identifier: Apache-2.0
// Addresses in one buffer: 5 or 17 bytes each instead of a std::string (32 bytes and, for IPv6,
// a heap block). Keeps a thing whose CIDR-set alarm is on under 2 KiB, and the evaluator never
// prints an address it only matches.

#include <algorithm>

#include "detect/address_list.hpp"

namespace defender::detect {

namespace {

constexpr std::uint8_t kV4 = 4;
constexpr std::uint8_t kV6 = 6;

void append(PackedAddresses& packed, const IpAddress& address) {
    const bool v4 = address.family == IpAddress::Family::v4;
    packed.bytes.push_back(v4 ? kV4 : kV6);
    packed.bytes.insert(packed.bytes.end(), address.bytes.begin(),
                        address.bytes.begin() + (v4 ? 4 : 16));
}

}  // namespace

PackedAddresses pack(const std::vector<IpAddress>& addresses) {
    PackedAddresses packed;
    std::size_t size = 0;
    for (const auto& address : addresses)
        size += address.family == IpAddress::Family::v4 ? 5 : 17;
    packed.bytes.reserve(size);
    for (const auto& address : addresses)
        append(packed, address);
    return packed;
}

std::vector<IpAddress> addresses_of(const PackedAddresses& packed) {
    std::vector<IpAddress> out;
    const auto& bytes = packed.bytes;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const bool v4 = bytes[at] == kV4;
        const std::size_t size = v4 ? 4 : 16;
        if (at + 1 + size > bytes.size()) break;
        IpAddress address;
        address.family = v4 ? IpAddress::Family::v4 : IpAddress::Family::v6;
        std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at + 1), size,
                    address.bytes.begin());
        out.push_back(address);
        at += 1 + size;
    }
    return out;
}

std::optional<PackedAddresses> pack_addresses(const std::vector<std::string>& addresses) {
    std::vector<IpAddress> parsed;
    parsed.reserve(addresses.size());
    for (const auto& text : addresses) {
        const auto address = IpAddress::parse(text);
        // Only what unpacks to the same text: anything else stays a list of strings.
        if (!address || address->to_string() != text) return std::nullopt;
        parsed.push_back(*address);
    }
    return pack(parsed);
}

std::vector<std::string> unpack_addresses(const PackedAddresses& packed) {
    std::vector<std::string> out;
    for (const auto& address : addresses_of(packed))
        out.push_back(address.to_string());
    return out;
}

}  // namespace defender::detect
