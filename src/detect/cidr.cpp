// SPDX-License-Identifier: Apache-2.0
#include "detect/cidr.hpp"

#include <charconv>

namespace defender::detect {
namespace {

void clear_host_bits(IpAddress& address, unsigned prefix) {
    const unsigned bits = address.family == IpAddress::Family::v4 ? 32 : 128;
    for (unsigned bit = prefix; bit < bits; ++bit) {
        address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
}

}  // namespace

std::optional<Cidr> parse_cidr(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    const unsigned bits = address->family == IpAddress::Family::v4 ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 ||
            digits.find_first_not_of("0123456789") != std::string_view::npos) {
            return std::nullopt;
        }
        std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (prefix > bits) return std::nullopt;
    }
    Cidr block{*address, prefix};
    if (block.network.is_v4_mapped() && prefix >= 96) {
        block.network = block.network.normalized();
        block.prefix = prefix - 96;
    }
    clear_host_bits(block.network, block.prefix);
    return block;
}

bool contains(const Cidr& block, const IpAddress& address) {
    IpAddress masked = address.normalized();
    if (masked.family != block.network.family) return false;
    clear_host_bits(masked, block.prefix);
    return masked == block.network;
}

std::optional<IpAddress> remote_address(std::string_view remote_addr) {
    if (remote_addr.starts_with('[')) {
        const auto close = remote_addr.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        return IpAddress::parse(remote_addr.substr(1, close - 1));
    }
    const auto colon = remote_addr.rfind(':');
    return IpAddress::parse(remote_addr.substr(0, colon));
}

}  // namespace defender::detect
