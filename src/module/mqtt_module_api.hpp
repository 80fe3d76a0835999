#pragma once
// The entry point of the MQTT module (defender-mqtt.so) that the `defender` executable loads
// when it publishes. Both sides are built together, so C++ types may cross the boundary; the
// version guards against a module left over from another build.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender {

inline constexpr int kMqttModuleVersion = 1;

struct MqttModule {
    int version;
    std::unique_ptr<Transport> (*create_transport)(const MqttSettings& settings);
    Status (*check_tls_files)(const MqttSettings& settings);
    std::optional<std::string> (*key_permission_warning)(const std::filesystem::path& key);
};

}  // namespace defender

/// The symbol the executable looks up.
inline constexpr const char* kMqttModuleSymbol = "defender_mqtt_module";
