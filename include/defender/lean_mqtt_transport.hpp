#pragma once
/// @file lean_mqtt_transport.hpp
/// MQTT 3.1.1 over mutual TLS on mbed TLS, with one I/O thread that sleeps until a packet
/// arrives or the keep-alive is due: the small, quiet transport `defender agent` uses.
///
/// It takes the same MqttSettings as MqttTransport and keeps the same rules: TLS 1.2, the
/// server certificate verified against `root_ca` and `endpoint` (DNS name or IP address),
/// single connect attempts (the agent owns reconnecting), ALPN x-amzn-mqtt-ca on port 443,
/// HTTP CONNECT proxies. WebSocket (`use_websocket`) is not supported: use MqttTransport.
/// With `clean_session` false, QoS 1 publishes not acknowledged when the connection dropped
/// are sent again (DUP) after a reconnect that finds the session present.
/// Target: Defender::mqtt_lean (stage mqtt).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "defender/mqtt_transport.hpp"
#include "defender/transport.hpp"

namespace defender {

/// check_tls_files() as the lean transport loads the files (mbed TLS): same checks, same
/// messages.
Status check_tls_files_for_lean_transport(const MqttSettings& settings);

/// MQTT over mutual TLS on mbed TLS (library Defender::mqtt_lean).
class LeanMqttTransport final : public Transport {
public:
    /// Checks nothing and connects nowhere yet; connect() does.
    explicit LeanMqttTransport(MqttSettings settings);
    ~LeanMqttTransport() override;
    LeanMqttTransport(const LeanMqttTransport&) = delete;
    LeanMqttTransport& operator=(const LeanMqttTransport&) = delete;

    void set_event_sink(EventSink sink) override;
    /// One attempt bounded by settings.connect_timeout: TCP (through the proxy, if any), TLS
    /// handshake, CONNECT and CONNACK. The files are read again at every attempt, so renewed
    /// certificates are picked up on the next reconnect. The error says which step failed.
    Status connect() override;
    /// True while the MQTT session is up.
    bool is_connected() const override;
    /// QoS 1; waits up to settings.connect_timeout for the SUBACK.
    Status subscribe(const std::vector<std::string>& topic_filters) override;
    /// QoS 1; waits up to `timeout` for the PUBACK. A message written but not acknowledged
    /// (the timeout passed, or the connection dropped meanwhile) fails only at the timeout,
    /// stays in flight and is sent again after a reconnect that finds the session; one that
    /// could not be written fails at once and is dropped.
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout) override;
    /// Sends DISCONNECT (best effort, within `timeout`) and closes the connection.
    void disconnect(std::chrono::milliseconds timeout) override;

    /// The settings this transport was made with.
    const MqttSettings& settings() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace defender
