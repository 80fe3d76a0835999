// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tls_ip_address.hpp"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>

#include <cstring>

namespace defender::mqtt {

std::optional<IpAddress> parse_ip_literal(const std::string& host) {
    IpAddress address;
    if (inet_pton(AF_INET, host.c_str(), address.bytes.data()) == 1) {
        address.size = 4;
        return address;
    }
    if (inet_pton(AF_INET6, host.c_str(), address.bytes.data()) == 1) {
        address.size = 16;
        return address;
    }
    return std::nullopt;
}

bool certificate_names_ip(const mbedtls_x509_crt& certificate, const IpAddress& address) {
    // mbed TLS 2.28 keeps every GeneralName of the extension here, iPAddress ([7]) as its
    // raw octets.
    constexpr int kIpAddressTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
    for (const mbedtls_x509_sequence* name = &certificate.subject_alt_names; name != nullptr;
         name = name->next) {
        if (name->buf.tag == kIpAddressTag && name->buf.len == address.size &&
            std::memcmp(name->buf.p, address.bytes.data(), address.size) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace defender::mqtt
