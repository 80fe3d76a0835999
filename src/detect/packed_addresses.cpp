// SPDX-License-Identifier: Apache-2.0
// An alarm's last addresses in one buffer: 5 or 17 bytes each instead of a std::string (32 bytes
// and, for IPv6, a heap block), which keeps a thing whose CIDR-set alarm is on under 2 KiB.

#include "defender/detect.hpp"
#include "defender/ip_address.hpp"

namespace defender::detect {

namespace {

constexpr std::uint8_t kV4 = 4;
constexpr std::uint8_t kV6 = 6;

}  // namespace

std::optional<PackedAddresses> pack_addresses(const std::vector<std::string>& addresses) {
    PackedAddresses packed;
    for (const auto& text : addresses) {
        const auto address = IpAddress::parse(text);
        // Only what unpacks to the same text: anything else stays a list of strings.
        if (!address || address->to_string() != text) return std::nullopt;
        const bool v4 = address->family == IpAddress::Family::v4;
        packed.bytes.push_back(v4 ? kV4 : kV6);
        packed.bytes.insert(packed.bytes.end(), address->bytes.begin(),
                            address->bytes.begin() + (v4 ? 4 : 16));
    }
    packed.bytes.shrink_to_fit();
    return packed;
}

std::vector<std::string> unpack_addresses(const PackedAddresses& packed) {
    std::vector<std::string> out;
    const auto& bytes = packed.bytes;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const bool v4 = bytes[at] == kV4;
        const std::size_t size = v4 ? 4 : 16;
        if (at + 1 + size > bytes.size()) break;
        IpAddress address;
        address.family = v4 ? IpAddress::Family::v4 : IpAddress::Family::v6;
        for (std::size_t i = 0; i < size; ++i) {
            address.bytes[i] = bytes[at + 1 + i];
        }
        out.push_back(address.to_string());
        at += 1 + size;
    }
    return out;
}

}  // namespace defender::detect
