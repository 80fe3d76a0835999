// SPDX-License-Identifier: Apache-2.0
#include "defender/mqtt_transport.hpp"
#include "transport/mqtt/module/mqtt_module_api.hpp"

// The MQTT module (defender-mqtt.so): mutual TLS or WebSocket with SigV4, on the project's own
// MQTT client and mbed TLS.
namespace defender {
namespace {

std::unique_ptr<Transport> create_transport(const MqttSettings& settings) {
    return make_mqtt_transport(settings);
}

Result<std::string> aws_credentials_source() {
    auto credentials = resolve_aws_credentials(CredentialChainOptions{});
    if (!credentials) return credentials.error();
    return credentials->source;
}

constexpr MqttModule kModule{kMqttModuleVersion,      &create_transport,
                             &check_tls_files,        &key_permission_warning,
                             &aws_credentials_source, &describe_effective_proxy,
                             &mqtt::probe_connection};

}  // namespace
}  // namespace defender

extern "C" __attribute__((visibility("default"))) const defender::MqttModule*
defender_mqtt_module() {
    return &defender::kModule;
}
