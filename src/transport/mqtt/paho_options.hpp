#pragma once
// Translates MqttSettings into Paho's connect options; the one place that decides the TLS
// configuration (trust store, verification, host name check, TLS version, ALPN).

#include <mqtt/connect_options.h>
#include <mqtt/ssl_options.h>

#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt_transport {

/// "ssl://host:port" (IPv6 literals in brackets).
std::string server_uri(const MqttSettings& settings);

/// Options for one attempt: MQTT 3.1.1, automatic reconnect off, TLS with the server
/// certificate verified and its host name checked. `on_tls_error` receives OpenSSL's error
/// lines (no key material) so a failed connect can say what went wrong.
mqtt::connect_options connect_options(const MqttSettings& settings,
                                      mqtt::ssl_options::error_handler on_tls_error);

}  // namespace defender::mqtt_transport
