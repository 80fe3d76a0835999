#pragma once
// Translates MqttSettings into Paho's connect options; the one place that decides the TLS
// configuration (trust store, verification, host name check, TLS version, ALPN), the
// WebSocket URL and the proxy.

#include <mqtt/connect_options.h>
#include <mqtt/ssl_options.h>

#include <optional>
#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt_transport {

/// "ssl://host:port" (IPv6 literals in brackets); WebSocket mode: "wss://host:port/mqtt"
/// (or ws://), the URL before signing.
std::string server_uri(const MqttSettings& settings);

/// What Paho sends as the WebSocket Host header, and so what SigV4 must sign: "host:port".
std::string host_header(const MqttSettings& settings);

/// The proxy as Paho takes it: "[user:password@]host:port", user and password
/// percent-encoded (Paho decodes them into the Proxy-Authorization header).
std::string paho_proxy(const ProxySettings& proxy);

/// Options for one attempt: MQTT 3.1.1, automatic reconnect off, TLS 1.2 or newer with the
/// server certificate verified and its host name checked. `signed_url`: the presigned
/// WebSocket URL of this attempt (WebSocket mode). No OpenSSL error handler is set: Paho C
/// keeps the handler's context pointer to a temporary copy of the options, which is gone by
/// the time a handshake fails (found by ASan); a failed connect is explained by
/// diagnose_tls() instead.
mqtt::connect_options connect_options(const MqttSettings& settings,
                                      const std::optional<ProxySettings>& proxy,
                                      const std::string& signed_url);

}  // namespace defender::mqtt_transport
