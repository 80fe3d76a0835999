// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file greengrass_transport.hpp
/// Publishes through an AWS IoT Greengrass V2 nucleus over its IPC socket (event-stream RPC,
/// operations PublishToIoTCore and SubscribeToIoTCore), for an agent run as a Greengrass
/// component. No TLS and no AWS CRT: the nucleus holds the cloud connection.
/// Target: Defender::defender (stage greengrass).

#include <chrono>
#include <memory>
#include <string>

#include "defender/transport.hpp"

namespace defender {

/// Where the nucleus IPC socket is and how to authenticate to it.
struct GreengrassSettings {
    /// AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, used as given (it may be relative).
    std::string socket_path;
    /// SVCUID: the component's IPC token (never logged).
    std::string token;
    /// Connect and handshake; also the wait for a SubscribeToIoTCore answer. Short, like the
    /// MQTT connect timeout, so that SIGTERM during an attempt still ends the agent within 5 s.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(4);
    /// Largest IPC message sent: Greengrass nucleus lite closes the connection above 10 000.
    std::size_t max_message_bytes = 10'000;
};

/// The transport; connect() makes one attempt (the agent owns reconnecting). Publishes and
/// subscribes with QoS 1. An UnauthorizedError names the accessControl policy it needs.
std::unique_ptr<Transport> make_greengrass_transport(GreengrassSettings settings);

/// The largest report (raw bytes) whose PublishToIoTCore message to `topic` stays within
/// `max_message_bytes` once base64-encoded and framed.
std::size_t greengrass_report_budget(const std::string& topic, std::size_t max_message_bytes);

}  // namespace defender
