// SPDX-License-Identifier: Apache-2.0
#pragma once
// What TlsCredentials holds: shared, read-only after load(), by every connection made from it.

#include <array>

#include "transport/mqtt/mbedtls_object.hpp"
#include "transport/mqtt/tls_connection.hpp"

namespace defender::mqtt {

struct TlsCredentials::State {
    X509Certificates root_ca;
    X509Certificates own_certificate;  ///< empty when the options named no certificate
    PrivateKey own_key;
    EntropySource entropy;
    RandomGenerator random;
    /// mbedtls_ssl_conf_alpn_protocols keeps the pointer: the list lives as long as `config`.
    std::array<const char*, 2> alpn_protocols{};
    SslConfig config;  ///< last: freed first, while what it points to still exists
};

}  // namespace defender::mqtt
