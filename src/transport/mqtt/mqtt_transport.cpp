// SPDX-License-Identifier: Apache-2.0
#include "defender/mqtt_transport.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "transport/mqtt/connect_failure.hpp"
#include "transport/mqtt/mqtt_handshake.hpp"
#include "transport/mqtt/mqtt_packets.hpp"
#include "transport/mqtt/mqtt_session.hpp"
#include "transport/mqtt/suback.hpp"

namespace defender {
namespace {

using Clock = std::chrono::steady_clock;

// Enough for every report the agent could still have in doubt; older ones are dropped.
constexpr std::size_t kMaxInFlight = 16;

std::string target_of(const MqttSettings& settings) {
    return settings.endpoint + ":" + std::to_string(settings.port);
}

}  // namespace

class MqttTransport::Impl {
public:
    explicit Impl(MqttSettings settings) : settings_(std::move(settings)) {
        if (auto proxy = effective_proxy(settings_, process_environment())) {
            proxy_ = *proxy;
        } else {
            proxy_error_ = proxy.error().message;
        }
        if (settings_.use_websocket) credentials_ = std::make_unique<AwsCredentialProvider>();
    }
    ~Impl() { disconnect(std::chrono::seconds(1)); }

    void set_event_sink(EventSink sink) {
        std::lock_guard lock(sink_mutex_);
        sink_ = std::move(sink);
    }
    Status connect();
    bool is_connected() const {
        std::lock_guard lock(session_mutex_);
        return session_ && session_->alive();
    }
    Status subscribe(const std::vector<std::string>& topic_filters);
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout);
    void disconnect(std::chrono::milliseconds timeout);
    const MqttSettings& settings() const { return settings_; }

private:
    struct InFlight {
        std::uint16_t packet_id;
        std::string topic;
        std::string payload;
    };

    std::string target() const {
        return target_of(settings_) + (proxy_ ? " via proxy " + describe_proxy(*proxy_) : "");
    }
    std::uint16_t next_packet_id() {
        next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ % 65535 + 1);
        return next_packet_id_;
    }
    std::shared_ptr<mqtt::MqttSession> current_session() const {
        std::lock_guard lock(session_mutex_);
        return session_;
    }
    void deliver(TransportEvent event) {
        std::lock_guard lock(sink_mutex_);
        if (sink_) sink_(std::move(event));
    }
    void debug(const std::string& line) const {
        if (settings_.debug_log) settings_.debug_log(line);
    }
    Result<mqtt::WebSocketRequest> sign_websocket_request();
    Status resend_in_flight(mqtt::MqttSession& session);
    void forget(std::uint16_t packet_id);

    MqttSettings settings_;
    std::optional<ProxySettings> proxy_;
    std::string proxy_error_;
    std::unique_ptr<AwsCredentialProvider> credentials_;  // WebSocket mode

    std::mutex sink_mutex_;
    EventSink sink_;

    mutable std::mutex session_mutex_;
    std::shared_ptr<mqtt::MqttSession> session_;

    std::mutex in_flight_mutex_;
    std::deque<InFlight> in_flight_;  // QoS 1 publishes without PUBACK (persistent sessions)
    std::uint16_t next_packet_id_ = 0;
};

// A new presigned URL for every attempt: it carries the time and the credentials.
Result<mqtt::WebSocketRequest> MqttTransport::Impl::sign_websocket_request() {
    return mqtt::sign_websocket_request(settings_, *credentials_);
}

Status MqttTransport::Impl::connect() {
    if (is_connected()) return Done{};
    if (!proxy_error_.empty()) return Error{proxy_error_};
    disconnect(std::chrono::milliseconds(0));  // a lost session's thread and socket
    std::optional<mqtt::WebSocketRequest> websocket;
    if (settings_.use_websocket) {
        auto request = sign_websocket_request();
        if (!request) return request.error();
        websocket = std::move(*request);
    }

    mqtt::ConnectFailure failure;
    failure.target = target();
    failure.timeout = settings_.connect_timeout;
    failure.client_id = settings_.client_id;
    auto handshake = mqtt::mqtt_handshake(settings_, proxy_, websocket,
                                          Clock::now() + settings_.connect_timeout);
    if (auto* failed = std::get_if<mqtt::HandshakeOutcome::Failure>(&handshake.result)) {
        failure.timed_out = failed->timed_out;
        failure.return_code = failed->connack_code;
        failure.closed_before_connack = failed->closed_before_connack;
        if (!failed->reason.empty()) failure.diagnosis = failed->reason;
        return Error{mqtt::describe_connect_failure(failure)};
    }
    auto& connected = std::get<mqtt::HandshakeOutcome::Connected>(handshake.result);
    if (proxy_) {
        debug("connected to " + target_of(settings_) + " through proxy " + describe_proxy(*proxy_));
    }
    mqtt::SessionTiming timing;
    timing.keep_alive = settings_.keep_alive;
    timing.ping_timeout =
        std::max<std::chrono::milliseconds>(settings_.keep_alive, std::chrono::seconds(1));
    auto session = std::make_shared<mqtt::MqttSession>(
        std::move(connected.connection), std::move(connected.reader), timing,
        [this](TransportEvent event) { deliver(std::move(event)); },
        [this](std::uint16_t packet_id) { forget(packet_id); });
    if (!connected.session_present || settings_.clean_session) {
        std::lock_guard lock(in_flight_mutex_);
        in_flight_.clear();  // the broker has no session: the spec says discard ours too
    } else if (Status resent = resend_in_flight(*session); !resent) {
        return Error{"connect to " + target() + " failed: " + resent.error().message};
    }
    std::lock_guard lock(session_mutex_);
    session_ = std::move(session);
    return Done{};
}

Status MqttTransport::Impl::resend_in_flight(mqtt::MqttSession& session) {
    std::lock_guard lock(in_flight_mutex_);
    for (const auto& message : in_flight_) {
        auto packet = mqtt::encode_publish(message.topic, message.payload, message.packet_id, true);
        if (!packet) continue;
        if (Status sent = session.send(*packet, Clock::now() + settings_.connect_timeout); !sent) {
            return sent;
        }
    }
    return Done{};
}

void MqttTransport::Impl::forget(std::uint16_t packet_id) {
    std::lock_guard lock(in_flight_mutex_);
    std::erase_if(in_flight_,
                  [&](const InFlight& message) { return message.packet_id == packet_id; });
}

Status MqttTransport::Impl::subscribe(const std::vector<std::string>& topic_filters) {
    if (topic_filters.empty()) return Done{};
    auto session = current_session();
    if (!session || !session->alive()) return Error{"cannot subscribe: not connected"};
    const std::uint16_t packet_id = next_packet_id();
    auto packet = mqtt::encode_subscribe(packet_id, topic_filters);
    if (!packet) return Error{"cannot subscribe: " + packet.error().message};
    const auto deadline = Clock::now() + settings_.connect_timeout;
    session->expect_suback(packet_id);
    if (Status sent = session->send(*packet, deadline); !sent) {
        return Error{"subscribe failed: " + sent.error().message};
    }
    auto codes = session->wait_for_suback(packet_id, deadline);
    if (!codes) {
        if (codes.error().message == "timeout") {
            return Error{"no SUBACK from " + target_of(settings_) + " within " +
                         std::to_string(settings_.connect_timeout.count()) + " s"};
        }
        return Error{"subscribe failed: " + codes.error().message};
    }
    return mqtt::check_suback(topic_filters, std::vector<int>(codes->begin(), codes->end()));
}

Status MqttTransport::Impl::publish(const std::string& topic, const std::string& payload,
                                    std::chrono::milliseconds timeout) {
    auto session = current_session();
    if (!session || !session->alive())
        return Error{"cannot publish to " + topic + ": not connected"};
    const std::uint16_t packet_id = next_packet_id();
    auto packet = mqtt::encode_publish(topic, payload, packet_id, false);
    if (!packet) return Error{"cannot publish to " + topic + ": " + packet.error().message};
    if (!settings_.clean_session) {
        std::lock_guard lock(in_flight_mutex_);
        in_flight_.push_back(InFlight{packet_id, topic, payload});
        if (in_flight_.size() > kMaxInFlight) in_flight_.pop_front();
    }
    const auto deadline = Clock::now() + timeout;
    session->expect_puback(packet_id);
    if (Status sent = session->send(*packet, deadline); !sent) {
        // Not (wholly) written: a broker drops a partial packet, so it was not sent and is
        // not sent again either.
        (void)session->wait_for_puback(packet_id, Clock::now());  // forget the announcement
        forget(packet_id);
        return Error{"publish to " + topic + " failed: " + sent.error().message};
    }
    Status acknowledged = session->wait_for_puback(packet_id, deadline);
    if (acknowledged) return Done{};  // on_puback has taken it out of in_flight_
    // Written but not acknowledged: it may have arrived, and with a persistent session it is
    // sent again after the reconnect. That is the whole timeout without a PUBACK, even when the
    // connection drops meanwhile: callers (the agent's "in doubt" rule) tell a report in flight
    // from one never sent by that.
    std::this_thread::sleep_until(deadline);
    return Error{"no PUBACK for " + topic + " within " + std::to_string(timeout.count()) + " ms"};
}

void MqttTransport::Impl::disconnect(std::chrono::milliseconds timeout) {
    std::shared_ptr<mqtt::MqttSession> session;
    {
        std::lock_guard lock(session_mutex_);
        session = std::move(session_);
    }
    if (session) session->close(Clock::now() + timeout);
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

std::unique_ptr<Transport> make_mqtt_transport(MqttSettings settings) {
    return std::make_unique<MqttTransport>(std::move(settings));
}

}  // namespace defender
