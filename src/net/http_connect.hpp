// SPDX-License-Identifier: Apache-2.0
#pragma once
// HTTP CONNECT (RFC 9110, 9.3.6): a tunnel through an HTTP proxy, on an already connected
// non-blocking socket. The one CONNECT client; what a refusal means is its caller's wording.

#include <chrono>
#include <string>
#include <variant>

#include "net/step_failure.hpp"

namespace defender::net {

/// Asks the proxy on `fd` for a tunnel to `target` ("host:port"), with the header
/// "Proxy-Authorization: <proxy_authorization>" when that is not empty. Returns the status
/// code of the proxy's answer (2xx: the tunnel is open and `fd` now carries the target's
/// bytes; nothing after the answer's header has been read), or why there was no answer;
/// reasons start with `proxy_name` (e.g. "proxy 127.0.0.1:3128 closed the connection before
/// answering CONNECT").
std::variant<int, StepFailure> http_connect(int fd, const std::string& proxy_name,
                                            const std::string& target,
                                            const std::string& proxy_authorization,
                                            std::chrono::steady_clock::time_point deadline);

}  // namespace defender::net
