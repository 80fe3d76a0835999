// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tls_ip_address.hpp"

#include <mbedtls/asn1.h>

#include <cstring>

namespace defender::mqtt {

bool certificate_names_ip(const mbedtls_x509_crt& certificate, const IpAddress& address) {
    // mbed TLS 2.28 keeps every GeneralName of the extension here, iPAddress ([7]) as its
    // raw octets.
    constexpr int kIpAddressTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
    const std::size_t size = address.family == IpAddress::Family::v4 ? 4 : 16;
    for (const mbedtls_x509_sequence* name = &certificate.subject_alt_names; name != nullptr;
         name = name->next) {
        if (name->buf.tag == kIpAddressTag && name->buf.len == size &&
            std::memcmp(name->buf.p, address.bytes.data(), size) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace defender::mqtt
