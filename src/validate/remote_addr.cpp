// SPDX-License-Identifier: Apache-2.0
#include "validate/remote_addr.hpp"

#include <charconv>
#include <cstdint>

#include "defender/ip_address.hpp"
#include "report/data_rules.hpp"

namespace defender {
namespace {

constexpr std::string_view kExpectedForm = " (expected \"a.b.c.d:port\" or \"[ipv6]:port\")";

std::optional<std::string> check_remote_port(std::string_view text, std::string_view whole) {
    if (text.empty()) return in_quotes(whole) + " has no port" + std::string(kExpectedForm);
    const bool digits_only = text.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits_only || (text.size() > 1 && text.front() == '0') || text.size() > 5) {
        return in_quotes(whole) + " has an invalid port " + in_quotes(text);
    }
    std::uint32_t port = 0;
    std::from_chars(text.data(), text.data() + text.size(), port);
    if (port < 1 || port > 65535) {
        return in_quotes(whole) + " has port " + std::string(text) + ", outside 1..65535";
    }
    return std::nullopt;
}

std::optional<std::string> check_bracketed(std::string_view text) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return in_quotes(text) + " has no closing ']'";
    const auto host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    const auto address = IpAddress::parse(host);
    if (!address || address->family != IpAddress::Family::v6) {
        return in_quotes(text) + ": " + in_quotes(host) + " is not an IPv6 address";
    }
    if (address->is_v4_mapped()) {
        return in_quotes(text) + " is an IPv4-mapped IPv6 address; write it as plain IPv4 (\"" +
               address->normalized().to_string() + ":port\")";
    }
    if (!rest.starts_with(':')) return in_quotes(text) + " has no ':port' after ']'";
    return check_remote_port(rest.substr(1), text);
}

}  // namespace

std::optional<std::string> check_remote_addr(std::string_view text) {
    if (text.empty()) return "remote address is empty" + std::string(kExpectedForm);
    if (text.front() == '[') return check_bracketed(text);
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return in_quotes(text) + " has no port" + std::string(kExpectedForm);
    }
    const auto host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
        return in_quotes(text) + ": an IPv6 address must be in brackets (\"[ipv6]:port\")";
    }
    const auto address = IpAddress::parse(host);
    if (!address || address->family != IpAddress::Family::v4) {
        return in_quotes(text) + ": " + in_quotes(host) + " is not a dotted-quad IPv4 address";
    }
    return check_remote_port(text.substr(colon + 1), text);
}

}  // namespace defender
