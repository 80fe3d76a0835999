#pragma once
// After Paho reports a failed connect without saying why (its "TCP/TLS connect failure"
// covers a refused port, a host name mismatch and a rejected client certificate alike),
// one diagnostic TLS handshake with OpenSSL, configured exactly like the real connection,
// finds out which step fails.

#include <chrono>
#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt_transport {

/// The TLS 1.2 cipher suites offered (OpenSSL's list format): forward secret and AEAD only,
/// the ones AWS IoT serves (ECDHE with AES-GCM). TLS 1.3 suites are all of that kind.
inline constexpr const char* kCipherList = "ECDHE+AESGCM";

/// What fails when connecting with `settings` (e.g. "connection refused", "server
/// certificate verification failed: hostname mismatch"), bounded by `timeout`; nullopt
/// when the TLS handshake succeeds (then the failure was above TLS).
std::optional<std::string> diagnose_tls(const MqttSettings& settings,
                                        std::chrono::milliseconds timeout);

}  // namespace defender::mqtt_transport
