// SPDX-License-Identifier: Apache-2.0
#include "cli/mqtt_module.hpp"

#include "cli/module_loader.hpp"

namespace defender::cli {

Result<const MqttModule*> mqtt_module() {
    static const Result<const MqttModule*> module =
        load_module<MqttModule>("defender-mqtt.so", "DEFENDER_MQTT_MODULE", kMqttModuleSymbol,
                                kMqttModuleVersion, "MQTT module");
    return module;
}

}  // namespace defender::cli
