#pragma once
// Loads an MQTT module on first use: the lean client (defender-mqtt-lean.so, mbed TLS) or Paho
// (defender-mqtt.so, Paho and OpenSSL), from $DEFENDER_MQTT_LEAN_MODULE / $DEFENDER_MQTT_MODULE,
// next to the executable (build tree), or in the installed module directory.

#include "defender/result.hpp"
#include "module/mqtt_module_api.hpp"

namespace defender::cli {

enum class MqttStack { Lean, Paho };

/// The module, loaded once and kept for the life of the process. The error names every path
/// tried and why it failed.
Result<const MqttModule*> mqtt_module(MqttStack stack);

}  // namespace defender::cli
