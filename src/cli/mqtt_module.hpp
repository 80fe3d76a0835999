// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loads the MQTT module (defender-mqtt.so: the own MQTT client on mbed TLS) on first use, from
// $DEFENDER_MQTT_MODULE, next to the executable (build tree), or in the installed module
// directory.

#include "defender/result.hpp"
#include "transport/mqtt/module/mqtt_module_api.hpp"

namespace defender::cli {

/// The module, loaded once and kept for the life of the process. The error names every path
/// tried and why it failed.
Result<const MqttModule*> mqtt_module();

}  // namespace defender::cli
