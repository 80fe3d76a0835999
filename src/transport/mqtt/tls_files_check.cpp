// SPDX-License-Identifier: Apache-2.0
// check_tls_files: the TLS files checked before any network traffic, loaded as the transport
// loads them (mbed TLS).

#include "transport/mqtt/mbedtls_object.hpp"
#include "transport/mqtt/tls_connection.hpp"
#include "transport/mqtt/tls_pem_files.hpp"

namespace defender {

using mqtt::check_key_matches;
using mqtt::parse_certificates;
using mqtt::parse_private_key;
using mqtt::PrivateKey;
using mqtt::X509Certificates;

Status check_tls_files(const MqttSettings& settings) {
    if (settings.use_websocket && !settings.websocket_tls) {
        return Done{};  // plain ws:// to a local test broker: no TLS files at all
    }
    X509Certificates root_ca;
    if (Status loaded = parse_certificates(settings.root_ca, "root CA", root_ca.get()); !loaded) {
        return loaded;
    }
    if (settings.use_websocket) {
        return Done{};  // SigV4 instead of a client certificate
    }
    X509Certificates certificate;
    if (Status loaded = parse_certificates(settings.cert, "certificate", certificate.get());
        !loaded) {
        return loaded;
    }
    PrivateKey key;
    if (Status loaded = parse_private_key(settings.key, key.get()); !loaded) {
        return loaded;
    }
    return check_key_matches(settings.cert, *certificate.get(), settings.key, *key.get());
}

}  // namespace defender
