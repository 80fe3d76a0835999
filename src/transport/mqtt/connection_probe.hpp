// SPDX-License-Identifier: Apache-2.0
#pragma once
// `defender doctor`: the connection path one step at a time (resolve, TCP or the proxy tunnel,
// TLS, the WebSocket upgrade, CONNECT, SUBSCRIBE), each with what it showed, on the same
// pieces mqtt_handshake() uses. It stops at the first step that fails.

#include <string>
#include <vector>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt {

/// One step that was run.
struct ProbeStep {
    std::string name;                ///< "resolve", "TCP connect", "TLS handshake", ...
    bool ok = false;                 ///< false: the last step of the probe
    std::string detail;              ///< one line: what it showed, or why it failed
    std::vector<std::string> notes;  ///< more lines (the server's certificate chain)
    /// What failed, a key of the doctor's meaning table: resolve, tcp_refused, tcp_timeout,
    /// tcp, proxy, tls_files, tls_untrusted, tls_hostname, tls_expired, tls_verify,
    /// tls_client_rejected, tls_timeout, tls, websocket_credentials, websocket_forbidden,
    /// websocket, connect_refused, connect_closed, connect_timeout, connect, subscribe_refused,
    /// subscribe; "" when ok.
    std::string failure;
};

/// Runs the steps with `settings` up to a SUBSCRIBE (QoS 1) to `filters`, then disconnects.
/// Each step is bounded by settings.connect_timeout. Nothing secret is in the result (no key,
/// no signature, no proxy credentials).
std::vector<ProbeStep> probe_connection(const MqttSettings& settings,
                                        const std::vector<std::string>& filters);

}  // namespace defender::mqtt
