// SPDX-License-Identifier: Apache-2.0
#pragma once
// MqttSettings for a test broker on 127.0.0.1 ("localhost") with the test PKI's CA and client
// certificate: what every MQTT transport test starts from.

#include <chrono>
#include <cstdint>
#include <string>

#include "defender/mqtt_transport.hpp"
#include "test_pki.hpp"

namespace defender::test {

inline MqttSettings local_mutual_tls_settings(const TestPki& pki, std::uint16_t port,
                                              const std::string& client_id = "T") {
    MqttSettings settings;
    settings.endpoint = "localhost";
    settings.port = port;
    settings.client_id = client_id;
    settings.root_ca = pki.ca_cert();
    settings.cert = pki.client().cert;
    settings.key = pki.client().key;
    settings.connect_timeout = std::chrono::seconds(3);
    return settings;
}

}  // namespace defender::test
