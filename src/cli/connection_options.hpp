// SPDX-License-Identifier: Apache-2.0
#pragma once
// The broker connection options shared by `defender agent` and `defender emulate`.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/mqtt_module.hpp"
#include "defender/mqtt_transport.hpp"

namespace defender::cli {

struct ConnectionArgs {
    std::string endpoint;
    std::uint16_t port = 0;  ///< 0: 8883, or 443 with --use-websocket
    std::string alpn = "auto";
    bool use_websocket = false;
    std::string signing_region = "us-east-1";
    std::string proxy_host;
    std::uint16_t proxy_port = 0;
    std::string root_ca;
    std::string cert;
    std::string key;
    std::string client_id;
    unsigned keep_alive = 60;
    /// Short enough that SIGTERM during an attempt still ends the process within 5 s.
    unsigned connect_timeout = 4;

    bool operator==(const ConnectionArgs&) const = default;
};

/// `client_id_default` completes the --client-id help: "(default: ...)".
void add_connection_options(CLI::App& command, ConnectionArgs& args,
                            const std::string& client_id_default);

/// Settings for the transport; the error names what is missing or wrong (before any network).
Result<MqttSettings> mqtt_settings(const ConnectionArgs& args);

/// How these options connect, for the start line: "MQTT with mutual TLS", "MQTT over
/// WebSocket, SigV4 for eu-west-1".
std::string describe_transport(const ConnectionArgs& args);

/// This machine's host name, the default client id.
std::string host_name();

}  // namespace defender::cli
