#pragma once
// After a failed connect through a proxy, one CONNECT of our own finds out whether the proxy
// is reachable and what it answers (e.g. "407 Proxy Authentication Required"), since Paho
// only says "TCP/TLS connect failure".

#include <chrono>
#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt_transport {

/// What went wrong at the proxy, e.g. "proxy 127.0.0.1:3128 refused CONNECT to
/// host:443: HTTP 403"; nullopt when the proxy opens the tunnel (the failure was further on).
std::optional<std::string> diagnose_proxy(const ProxySettings& proxy, const std::string& target,
                                          std::chrono::milliseconds timeout);

}  // namespace defender::mqtt_transport
