// SPDX-License-Identifier: Apache-2.0
#pragma once
// Everything from nothing to an accepted MQTT session: TCP (through a proxy, if any), TLS,
// the WebSocket upgrade (WebSocket mode), CONNECT, CONNACK; bounded by one deadline.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "defender/aws_credentials.hpp"
#include "defender/mqtt_transport.hpp"
#include "transport/mqtt/mqtt_packets.hpp"
#include "transport/mqtt/tls_connection.hpp"
#include "transport/mqtt/websocket_stream.hpp"

namespace defender::mqtt {

struct HandshakeOutcome {
    struct Connected {
        std::unique_ptr<ByteStream> connection;
        PacketReader reader;  ///< holds whatever arrived after the CONNACK
        bool session_present = false;
    };
    struct Failure {
        bool timed_out = false;
        int connack_code = 0;  ///< 1..5: the broker refused (reason is then empty)
        std::string reason;    ///< which step failed and why
        /// The broker closed the TLS connection after CONNECT, without a CONNACK; `reason`
        /// then says how it closed.
        bool closed_before_connack = false;
    };
    std::variant<Connected, Failure> result;
};

/// The TLS options for `settings` (host, files, ALPN; no client certificate for WebSocket).
TlsOptions tls_options_for(const MqttSettings& settings);

/// The upgrade request of one WebSocket attempt: a URL presigned now with `credentials`. The
/// settings' debug_log gets the URL without signature and token, and the credentials' source.
Result<WebSocketRequest> sign_websocket_request(const MqttSettings& settings,
                                                AwsCredentialProvider& credentials);

/// The last step alone: CONNECT on `connection` (TLS and WebSocket already set up), then
/// the CONNACK. `defender doctor` runs the steps one by one; mqtt_handshake ends with it.
HandshakeOutcome mqtt_connect(std::unique_ptr<ByteStream> connection, const MqttSettings& settings,
                              std::chrono::steady_clock::time_point deadline);

/// One attempt. The credentials are loaded again each time (renewed files take effect).
/// `websocket`: the upgrade request of this attempt (WebSocket mode: a fresh presigned URL).
HandshakeOutcome mqtt_handshake(const MqttSettings& settings,
                                const std::optional<ProxySettings>& proxy,
                                const std::optional<WebSocketRequest>& websocket,
                                std::chrono::steady_clock::time_point deadline);

}  // namespace defender::mqtt
