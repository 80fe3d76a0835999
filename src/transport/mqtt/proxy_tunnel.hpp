// SPDX-License-Identifier: Apache-2.0
#pragma once
// An HTTP CONNECT tunnel through a proxy, on an already connected non-blocking socket.

#include <chrono>
#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"
#include "transport/mqtt/step_failure.hpp"

namespace defender::mqtt {

/// Asks the proxy on `fd` for a tunnel to `target` ("host:port"), with basic authentication
/// when the proxy has a user name. nullopt: the tunnel is open and `fd` now carries the
/// target's bytes. Reasons name the proxy without credentials, e.g. "proxy 127.0.0.1:3128
/// refused CONNECT to host:8883: HTTP 407 (wrong proxy user name or password)".
std::optional<StepFailure> open_proxy_tunnel(int fd, const ProxySettings& proxy,
                                             const std::string& target,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace defender::mqtt
