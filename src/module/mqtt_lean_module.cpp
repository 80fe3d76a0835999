#include "defender/lean_mqtt_transport.hpp"
#include "module/mqtt_module_api.hpp"

// The lean MQTT module (defender-mqtt-lean.so): mutual TLS on mbed TLS, no WebSocket.
namespace defender {
namespace {

std::unique_ptr<Transport> create_transport(const MqttSettings& settings) {
    return std::make_unique<LeanMqttTransport>(settings);
}

Result<std::string> aws_credentials_source() {
    return Error{"the lean MQTT client does not do WebSocket"};
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
