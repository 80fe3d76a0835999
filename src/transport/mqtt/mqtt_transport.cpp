#include "defender/mqtt_transport.hpp"

#include <mqtt/async_client.h>

#include <cstdlib>
#include <mutex>
#include <utility>

#include "defender/sigv4.hpp"
#include "transport/mqtt/paho_options.hpp"
#include "transport/mqtt/proxy_probe.hpp"
#include "transport/mqtt/tls_diagnosis.hpp"
#include "transport/mqtt_common/connect_failure.hpp"
#include "transport/mqtt_common/suback.hpp"

namespace defender {
namespace {

constexpr int kQos = 1;

constexpr std::chrono::milliseconds kDiagnosisTimeout{3000};

std::string target_of(const MqttSettings& settings) {
    return settings.endpoint + ":" + std::to_string(settings.port);
}

/// Paho C reads http_proxy and https_proxy by itself whenever no proxy is given in the
/// options, and knows nothing of no_proxy. The transport decides the proxy (honouring
/// NO_PROXY) before this runs, so Paho must not see them: they move to their upper-case
/// names (kept for child processes) unless those are set already.
void hide_proxy_variables_from_paho() {
    static std::once_flag once;
    std::call_once(once, [] {
        for (const auto& [lower, upper] :
             {std::pair{"http_proxy", "HTTP_PROXY"}, std::pair{"https_proxy", "HTTPS_PROXY"}}) {
            if (const char* value = std::getenv(lower)) {
                ::setenv(upper, value, 0);
                ::unsetenv(lower);
            }
        }
    });
}

}  // namespace

class MqttTransport::Impl {
public:
    explicit Impl(MqttSettings settings) : settings_(std::move(settings)) {
        auto proxy = effective_proxy(settings_, process_environment());
        if (proxy) {
            proxy_ = *proxy;
        } else {
            proxy_error_ = proxy.error().message;
        }
        hide_proxy_variables_from_paho();
        if (settings_.use_websocket) {
            credentials_ = std::make_unique<AwsCredentialProvider>();
        }
    }

    ~Impl() {
        if (client_ && client_->is_connected()) {
            disconnect(std::chrono::seconds(1));
        }
    }

    void set_event_sink(EventSink sink) {
        std::lock_guard lock(sink_mutex_);
        sink_ = std::move(sink);
    }

    Status connect();
    bool is_connected() const { return client_ && client_->is_connected(); }
    Status subscribe(const std::vector<std::string>& topic_filters);
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout);
    void disconnect(std::chrono::milliseconds timeout);

    const MqttSettings& settings() const { return settings_; }

private:
    Status create_client();
    void abandon_client();
    void deliver(TransportEvent event);
    void debug(const std::string& line) const {
        if (settings_.debug_log) settings_.debug_log(line);
    }
    std::string target() const {
        return target_of(settings_) + (proxy_ ? " via proxy " + describe_proxy(*proxy_) : "");
    }

    MqttSettings settings_;
    std::optional<ProxySettings> proxy_;
    std::string proxy_error_;
    std::unique_ptr<AwsCredentialProvider> credentials_;
    std::mutex sink_mutex_;
    EventSink sink_;
    // Declared last so it is destroyed first: its callbacks use the members above.
    std::unique_ptr<mqtt::async_client> client_;
};

void MqttTransport::Impl::deliver(TransportEvent event) {
    std::lock_guard lock(sink_mutex_);
    if (sink_) {
        sink_(std::move(event));
    }
}

Status MqttTransport::Impl::create_client() {
    if (client_) {
        return Done{};
    }
    try {
        // No persistence object: Paho keeps the session state in memory only.
        client_ = std::make_unique<mqtt::async_client>(mqtt_transport::server_uri(settings_),
                                                       settings_.client_id);
    } catch (const mqtt::exception& error) {
        return Error{"cannot create MQTT client for " + target() + ": " + error.get_message()};
    }
    client_->set_message_callback([this](mqtt::const_message_ptr message) {
        // Paho has read the whole packet already (it allocates what the packet declares, up to
        // 256 MiB); an oversize payload is at least not copied nor queued.
        const auto& topic = message->get_topic();
        const auto& payload = message->get_payload_str();
        if (topic.size() + payload.size() > kMaxIncomingMessageBytes) {
            deliver(IncomingMessage{topic, {}, payload.size()});
            return;
        }
        deliver(IncomingMessage{topic, payload});
    });
    client_->set_connection_lost_handler([this](const std::string& cause) {
        deliver(ConnectionLost{cause.empty() ? "connection lost" : cause});
    });
    return Done{};
}

void MqttTransport::Impl::abandon_client() {
    try {
        client_->disconnect(0);
    } catch (const mqtt::exception&) {
        // Nothing to abort.
    }
    client_.reset();
}

Status MqttTransport::Impl::connect() {
    if (is_connected()) {
        return Done{};
    }
    if (auto created = create_client(); !created) {
        return created;
    }
    if (!proxy_error_.empty()) {
        return Error{proxy_error_};
    }
    std::string signed_url;
    if (settings_.use_websocket) {
        // A new presigned URL for every attempt: it carries the time and the credentials.
        auto credentials = credentials_->get();
        if (!credentials) {
            return Error{"cannot sign the WebSocket URL: " + credentials.error().message};
        }
        const auto url = sigv4::presign_iot_url(
            settings_.websocket_tls ? "wss" : "ws", mqtt_transport::host_header(settings_),
            settings_.signing_region, *credentials, std::chrono::system_clock::now());
        signed_url = url.url;
        debug("WebSocket URL " + url.redacted + " (credentials from " + credentials->source + ")");
    }
    if (proxy_) {
        debug("connecting to " + target_of(settings_) + " through proxy " +
              describe_proxy(*proxy_));
    }
    auto options = mqtt_transport::connect_options(settings_, proxy_, signed_url);
    const auto started = std::chrono::steady_clock::now();
    mqtt_transport::ConnectFailure failure;
    failure.target = target();
    failure.timeout = settings_.connect_timeout;
    failure.client_id = settings_.client_id;
    try {
        mqtt::token_ptr token = client_->connect(options);
        if (token->wait_for(settings_.connect_timeout)) {
            return Done{};
        }
        failure.timed_out = true;
    } catch (const mqtt::exception& error) {
        failure.return_code = error.get_return_code();
        failure.paho_message = error.get_message();
        failure.timed_out = std::chrono::steady_clock::now() - started >= settings_.connect_timeout;
    }
    if (failure.timed_out) {
        // Paho checks its own connect timeout only about once a second; rather than wait
        // for it, drop this client (a new one is made on the next attempt).
        abandon_client();
    } else if (failure.return_code < 0 && proxy_) {
        failure.diagnosis = mqtt_transport::diagnose_proxy(
            *proxy_, mqtt_transport::host_header(settings_), kDiagnosisTimeout);
    } else if (failure.return_code < 0 && (!settings_.use_websocket || settings_.websocket_tls)) {
        // Paho's own text rarely says which step failed; one diagnostic handshake does.
        failure.diagnosis = mqtt_transport::diagnose_tls(settings_, kDiagnosisTimeout);
        // TLS works, so the broker closed the connection at the MQTT step.
        failure.closed_before_connack = !failure.diagnosis && !settings_.use_websocket;
    }
    return Error{mqtt_transport::describe_connect_failure(failure)};
}

Status MqttTransport::Impl::subscribe(const std::vector<std::string>& topic_filters) {
    if (topic_filters.empty()) {
        return Done{};
    }
    if (!is_connected()) {
        return Error{"cannot subscribe: not connected"};
    }
    try {
        auto filters = mqtt::string_collection::create(topic_filters);
        mqtt::iasync_client::qos_collection qos(topic_filters.size(), kQos);
        mqtt::token_ptr token = client_->subscribe(filters, qos);
        if (!token->wait_for(settings_.connect_timeout)) {
            return Error{"no SUBACK from " + target_of(settings_) + " within " +
                         std::to_string(settings_.connect_timeout.count()) + " s"};
        }
        const auto reason_codes = token->get_subscribe_response().get_reason_codes();
        return mqtt_transport::check_suback(
            topic_filters, std::vector<int>(reason_codes.begin(), reason_codes.end()));
    } catch (const mqtt::exception& error) {
        if (error.get_return_code() == mqtt_transport::kSubscriptionRefused) {
            return Error{"broker refused subscription to " + topic_filters.front()};
        }
        return Error{"subscribe failed: " + error.get_message()};
    }
    return Done{};
}

Status MqttTransport::Impl::publish(const std::string& topic, const std::string& payload,
                                    std::chrono::milliseconds timeout) {
    if (!is_connected()) {
        return Error{"cannot publish to " + topic + ": not connected"};
    }
    try {
        mqtt::delivery_token_ptr token =
            client_->publish(topic, payload.data(), payload.size(), kQos, false);
        if (!token->wait_for(timeout)) {
            return Error{"no PUBACK for " + topic + " within " + std::to_string(timeout.count()) +
                         " ms"};
        }
    } catch (const mqtt::exception& error) {
        return Error{"publish to " + topic + " failed: " + error.get_message()};
    }
    return Done{};
}

void MqttTransport::Impl::disconnect(std::chrono::milliseconds timeout) {
    if (!client_) {
        return;
    }
    try {
        client_->disconnect(timeout)->wait_for(timeout + std::chrono::milliseconds(500));
    } catch (const mqtt::exception&) {
        // Not connected, or the broker vanished meanwhile: either way we are disconnected.
    }
}

MqttTransport::MqttTransport(MqttSettings settings)
    : impl_(std::make_unique<Impl>(std::move(settings))) {}
MqttTransport::~MqttTransport() = default;

void MqttTransport::set_event_sink(EventSink sink) {
    impl_->set_event_sink(std::move(sink));
}
Status MqttTransport::connect() {
    return impl_->connect();
}
bool MqttTransport::is_connected() const {
    return impl_->is_connected();
}
Status MqttTransport::subscribe(const std::vector<std::string>& topic_filters) {
    return impl_->subscribe(topic_filters);
}
Status MqttTransport::publish(const std::string& topic, const std::string& payload,
                              std::chrono::milliseconds timeout) {
    return impl_->publish(topic, payload, timeout);
}
void MqttTransport::disconnect(std::chrono::milliseconds timeout) {
    impl_->disconnect(timeout);
}
const MqttSettings& MqttTransport::settings() const {
    return impl_->settings();
}

}  // namespace defender
