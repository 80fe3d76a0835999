#include "defender/lean_mqtt_transport.hpp"
#include "module/mqtt_module_api.hpp"

// The lean MQTT module (defender-mqtt-lean.so): mutual TLS or WebSocket with SigV4, on mbed TLS.
namespace defender {
namespace {

std::unique_ptr<Transport> create_transport(const MqttSettings& settings) {
    return std::make_unique<LeanMqttTransport>(settings);
}

Result<std::string> aws_credentials_source() {
    auto credentials = resolve_aws_credentials(CredentialChainOptions{});
    if (!credentials) return credentials.error();
    return credentials->source;
}

constexpr MqttModule kModule{
    kMqttModuleVersion,      &create_transport,       &check_tls_files_for_lean_transport,
    &key_permission_warning, &aws_credentials_source, &describe_effective_proxy};

}  // namespace
}  // namespace defender

extern "C" __attribute__((visibility("default"))) const defender::MqttModule*
defender_mqtt_module() {
    return &defender::kModule;
}
