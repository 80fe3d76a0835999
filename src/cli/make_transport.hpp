// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one place the CLI builds a transport: the MQTT transport (from the module
// defender-mqtt.so, loaded on first use), Greengrass IPC or a stream (`agent --dry-run`). The
// commands decide the settings; make_transport makes the transport.

#include <memory>
#include <string>
#include <variant>

#include "defender/greengrass_transport.hpp"
#include "defender/mqtt_transport.hpp"
#include "defender/result.hpp"
#include "defender/stream_transport.hpp"
#include "defender/transport.hpp"

namespace defender::cli {

/// Which transport to build, with its settings.
using TransportConfig = std::variant<MqttSettings, GreengrassSettings, StreamSettings>;

/// The transport `config` names, not connected yet. The error: the MQTT module cannot be
/// loaded ("cannot load the MQTT module (…)").
Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& config);

/// Where the transport of `config` sends reports, for logs and `defender status`:
/// "host:port", "the Greengrass nucleus" or "standard output (dry run)".
std::string transport_destination(const TransportConfig& config);

}  // namespace defender::cli
