// SPDX-License-Identifier: Apache-2.0
#pragma once
// The entry point of the MQTT module (defender-mqtt.so) that the `defender` executable loads
// when it publishes. Both sides are built together, so C++ types may cross the boundary; the
// version guards against a module left over from another build (version 2 was Paho's, 4 added
// probe_connection).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"
#include "transport/mqtt/connection_probe.hpp"

namespace defender {

inline constexpr int kMqttModuleVersion = 4;

struct MqttModule {
    int version;
    std::unique_ptr<Transport> (*create_transport)(const MqttSettings& settings);
    Status (*check_tls_files)(const MqttSettings& settings);
    std::optional<std::string> (*key_permission_warning)(const std::filesystem::path& key);
    /// One pass through the AWS credential chain (WebSocket mode); the error lists where it
    /// looked. Never returns secrets: only their source.
    Result<std::string> (*aws_credentials_source)();
    /// The proxy the settings lead to, described without credentials ("" for none).
    Result<std::string> (*proxy_description)(const MqttSettings& settings);
    /// `defender doctor`: the connection steps one by one up to a SUBSCRIBE to `filters`.
    std::vector<mqtt::ProbeStep> (*probe_connection)(const MqttSettings& settings,
                                                     const std::vector<std::string>& filters);
};

/// What the module answers for proxy_description: the effective proxy without credentials.
inline Result<std::string> describe_effective_proxy(const MqttSettings& settings) {
    auto proxy = effective_proxy(settings, process_environment());
    if (!proxy) return proxy.error();
    return *proxy ? describe_proxy(**proxy) : std::string();
}

}  // namespace defender

/// The symbol the executable looks up.
inline constexpr const char* kMqttModuleSymbol = "defender_mqtt_module";
