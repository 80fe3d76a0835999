// SPDX-License-Identifier: Apache-2.0
#pragma once
// IP literals as server names: mbed TLS 2.28 checks only DNS names, so the iPAddress
// subjectAltName check is ours.

#include <mbedtls/x509_crt.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace defender::mqtt {

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
struct IpAddress {
    std::array<unsigned char, 16> bytes{};
    std::size_t size = 0;
};

/// The address when `host` is an IPv4 or IPv6 literal, else nullopt (a DNS name).
std::optional<IpAddress> parse_ip_literal(const std::string& host);

/// Whether `certificate` has an iPAddress subjectAltName equal to `address`.
bool certificate_names_ip(const mbedtls_x509_crt& certificate, const IpAddress& address);

}  // namespace defender::mqtt
