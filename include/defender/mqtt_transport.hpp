// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file mqtt_transport.hpp
/// MQTT 3.1.1 to AWS IoT Core (or any MQTT 3.1.1 broker): mutual TLS, or WebSocket with a SigV4
/// presigned URL, directly or through an HTTP CONNECT proxy; the project's own client on mbed
/// TLS, with one I/O thread that sleeps until a packet arrives or the keep-alive is due.
///
/// Security is not optional: TLS 1.2, the server certificate is verified against `root_ca` and
/// its host name (or IP address) checked against `endpoint`; there is no switch to turn this
/// off. The transport makes single attempts: the agent owns reconnect and backoff.
/// Target: Defender::mqtt (stage mqtt).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "defender/aws_credentials.hpp"
#include "defender/result.hpp"
#include "defender/transport.hpp"

namespace defender {

/// The ALPN protocol AWS IoT Core expects for MQTT with client certificates on port 443.
inline constexpr const char* kAwsMqttAlpnProtocol = "x-amzn-mqtt-ca";

/// Whether the TLS handshake offers ALPN `x-amzn-mqtt-ca`.
enum class AlpnMode {
    Automatic,  ///< Offer x-amzn-mqtt-ca only when port == 443.
    Always,     ///< Offer x-amzn-mqtt-ca on any port (e.g. a 443 forwarded elsewhere).
    Never,
};

/// An HTTP proxy reached with CONNECT (for mTLS, ALPN/443 and WebSocket alike).
struct ProxySettings {
    std::string host;        ///< Proxy host name or IP address.
    std::uint16_t port = 0;  ///< Proxy port.
    std::string username;    ///< Basic authentication; empty: none. Never logged.
    std::string password;    ///< Never logged.
};

/// Where and how to connect: broker, mutual-TLS files, client id, timeouts.
struct MqttSettings {
    std::string endpoint;           ///< Host name, e.g. "abc123-ats.iot.eu-west-1.amazonaws.com".
    std::uint16_t port = 8883;      ///< Broker port: 8883, or 443 with ALPN.
    std::string client_id;          ///< Usually the thing name.
    std::filesystem::path root_ca;  ///< PEM: the CA(s) the server certificate must chain to.
    std::filesystem::path cert;     ///< PEM: the device certificate.
    std::filesystem::path key;      ///< PEM: the device private key (unencrypted).
    std::chrono::seconds keep_alive{60};  ///< MQTT keep-alive interval.
    /// Bound for connect() and for waiting on a SUBACK.
    std::chrono::seconds connect_timeout{10};
    /// false: a persistent session, so subscriptions and QoS 1 messages survive reconnects.
    bool clean_session = false;
    /// Whether to offer ALPN (Automatic: on port 443 only).
    AlpnMode alpn = AlpnMode::Automatic;

    /// MQTT over WebSocket to wss://endpoint[:port]/mqtt, authenticated by a SigV4 presigned
    /// URL (AWS IoT: port 443, service iotdevicegateway) made from the AWS credential chain
    /// (see aws_credentials.hpp) at every connect. The Host header sent and signed is the
    /// endpoint, with ":port" only for a port other than 443 (80 for ws). `cert` and `key`
    /// are not used.
    bool use_websocket = false;
    std::string signing_region = "us-east-1";  ///< SigV4 region of the presigned URL.
    /// false: plain ws:// (a local test broker only; AWS IoT requires wss).
    bool websocket_tls = true;

    /// An explicit proxy. Without one and with `proxy_from_environment`, https_proxy /
    /// HTTPS_PROXY (http_proxy / HTTP_PROXY for plain ws) is used unless NO_PROXY / no_proxy
    /// names the endpoint; user-info in the proxy URL gives basic authentication.
    std::optional<ProxySettings> proxy;
    bool proxy_from_environment = true;  ///< Whether to read the proxy variables above.

    /// Receives debug lines (the WebSocket URL without signature and token, the proxy used
    /// without its credentials). Never given a secret.
    std::function<void(const std::string&)> debug_log;
};

/// Whether a connection with these settings offers the x-amzn-mqtt-ca ALPN protocol.
bool offers_aws_alpn(const MqttSettings& settings);

/// The proxy a connection with these settings goes through: `settings.proxy`, else (with
/// proxy_from_environment) https_proxy/HTTPS_PROXY (http_proxy/HTTP_PROXY for plain ws)
/// unless no_proxy/NO_PROXY matches the endpoint ("*", host names, ".suffix" or "suffix"
/// domains, IP addresses; a ":port" suffix on an entry is ignored). nullopt: direct. The
/// error names a malformed proxy variable (without its user-info).
Result<std::optional<ProxySettings>> effective_proxy(const MqttSettings& settings,
                                                     const EnvironmentLookup& environment);

/// "host:port" of a proxy, for logs: never the user name or password.
std::string describe_proxy(const ProxySettings& proxy);

/// Checks, before any network traffic, that root CA, certificate and key are readable PEM
/// files (as mbed TLS, which the transport uses, loads them) and that the key belongs to the
/// certificate; an encrypted key is refused without prompting (WebSocket mode: the root CA only;
/// plain ws: nothing). The error is one line naming the file and the problem (never the key
/// material), e.g. "certificate /x/cert.pem does not match private key /x/key.pem".
Status check_tls_files(const MqttSettings& settings);

/// A warning line when the key file can be read by its group or by others (mode & 077), such
/// as "private key /x/key.pem is readable by group and others (mode 0644); chmod 600 it";
/// nullopt when it is private or cannot be inspected.
std::optional<std::string> key_permission_warning(const std::filesystem::path& key);

/// MQTT over mutual TLS or WebSocket (library Defender::mqtt). With `clean_session` false,
/// QoS 1 publishes not acknowledged when the connection dropped are sent again (DUP) after a
/// reconnect that finds the session present.
class MqttTransport final : public Transport {
public:
    /// Checks nothing and connects nowhere yet; connect() does.
    explicit MqttTransport(MqttSettings settings);
    ~MqttTransport() override;
    MqttTransport(const MqttTransport&) = delete;
    MqttTransport& operator=(const MqttTransport&) = delete;

    void set_event_sink(EventSink sink) override;
    /// One attempt bounded by settings.connect_timeout: TCP (through the proxy, if any), TLS
    /// handshake, the WebSocket upgrade (WebSocket mode, with a freshly signed URL), CONNECT
    /// and CONNACK. The files are read again at every attempt, so renewed certificates are
    /// picked up on the next reconnect. The error says which step failed and why: TLS
    /// handshake, certificate verification, host name, connection refused, timeout, the
    /// upgrade's refusal or the broker's CONNACK refusal (e.g. not authorized).
    Status connect() override;
    /// True while the MQTT session is up.
    bool is_connected() const override;
    /// QoS 1; waits up to settings.connect_timeout for the SUBACK. A filter the broker
    /// refuses (return code 0x80) is an error naming it.
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

/// An MqttTransport for `settings`, as the Transport interface.
std::unique_ptr<Transport> make_mqtt_transport(MqttSettings settings);

}  // namespace defender
