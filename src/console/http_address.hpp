// SPDX-License-Identifier: Apache-2.0
#pragma once
// The address of --http: PORT or :PORT (127.0.0.1), ADDR:PORT, [IPV6]:PORT. Header-only: the
// CLI checks the option before it loads the console module.

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "defender/result.hpp"

namespace defender::console {

/// Where the console listens.
struct HttpAddress {
    std::string host;        ///< numeric IPv4 or IPv6 address (no brackets)
    std::uint16_t port = 0;  ///< 1-65535
    bool ipv6 = false;       ///< host is an IPv6 address
    /// True for 127.0.0.0/8 and ::1: only this machine reaches it.
    bool loopback() const { return ipv6 ? host == "::1" : host.starts_with("127."); }
    /// host:port, with brackets around an IPv6 host.
    std::string text() const {
        return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
};

/// Parses the value of --http.
inline Result<HttpAddress> parse_http_address(std::string_view text) {
    const std::string shown(text);
    const auto bad = [&](const std::string& why) {
        return Error{"--http " + shown + ": " + why +
                     " (give PORT, ADDR:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080)"};
    };
    HttpAddress address;
    std::string_view port_text = text;
    if (text.starts_with("[")) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return bad("no ]:PORT after the IPv6 address");
        }
        address.host = std::string(text.substr(1, close - 1));
        address.ipv6 = true;
        port_text = text.substr(close + 2);
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (text.find(':') != colon) return bad("an IPv6 address needs brackets");
        address.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    if (address.host.empty()) address.host = "127.0.0.1";
    if (address.host == "localhost") address.host = "127.0.0.1";
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [rest, error] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || error != std::errc() || rest != end || value == 0 || value > 65535) {
        return bad("the port is not a number from 1 to 65535");
    }
    address.port = static_cast<std::uint16_t>(value);
    unsigned char buffer[16];
    if (::inet_pton(address.ipv6 ? AF_INET6 : AF_INET, address.host.c_str(), buffer) != 1) {
        return bad(address.host + " is not a numeric IP address");
    }
    return address;
}

}  // namespace defender::console
