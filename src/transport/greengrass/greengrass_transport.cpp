// SPDX-License-Identifier: Apache-2.0
// The Greengrass IPC transport: one connection to the nucleus, one stream per operation,
// a reader thread that answers waiting operations and turns subscription events into
// IncomingMessage. Never sends Ping (nucleus lite closes the connection on it).

#include "defender/greengrass_transport.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "transport/greengrass/iot_core_json.hpp"
#include "transport/greengrass/rpc.hpp"
#include "transport/greengrass/unix_socket.hpp"

namespace defender {
namespace {

using eventstream::Message;
using ipc::MessageType;
using Clock = std::chrono::steady_clock;

constexpr const char* kQos = "1";
/// Replies and IoTCoreMessage events are small (MQTT payloads through the Java nucleus are at
/// most 128 KiB, 171 KiB in base64): a larger frame is an error, not a reason to buffer 24 MiB.
constexpr std::size_t kMaxIncomingBytes = 1024 * 1024;

std::string unauthorized_hint(const std::string& operation, const std::string& topic) {
    return "the component's recipe needs an accessControl policy for "
           "aws.greengrass.ipc.mqttproxy allowing " +
           operation + " on " + topic + " (see docs/greengrass.md)";
}

class GreengrassTransport final : public Transport {
public:
    explicit GreengrassTransport(GreengrassSettings settings) : settings_(std::move(settings)) {}
    ~GreengrassTransport() override { disconnect(std::chrono::seconds(0)); }

    void set_event_sink(EventSink sink) override { sink_ = std::move(sink); }

    Status connect() override {
        if (is_connected()) return Done{};
        close_connection();
        auto socket = ipc::UnixSocket::connect(settings_.socket_path);
        if (!socket)
            return Error{"cannot reach the Greengrass nucleus at " + settings_.socket_path + ": " +
                         socket.error().message};
        eventstream::StreamDecoder decoder(kMaxIncomingBytes);
        std::vector<Message> after_ack;
        std::optional<eventstream::FrameError> error_after_ack;
        auto accepted = handshake(*socket, decoder, after_ack, error_after_ack);
        if (!accepted) return accepted.error();

        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error{"pipe2 failed"};
        {
            std::lock_guard lock(mutex_);
            socket_ = std::move(*socket);
            wake_read_ = util::UniqueFd(pipe_fds[0]);
            wake_write_ = util::UniqueFd(pipe_fds[1]);
            connected_ = true;
            closing_ = false;
            next_stream_id_ = 1;
            waiting_.clear();
            subscriptions_.clear();
        }
        reader_ = std::thread([this, decoder = std::move(decoder), after_ack = std::move(after_ack),
                               error_after_ack]() mutable {
            read_loop(std::move(decoder), std::move(after_ack), error_after_ack);
        });
        return Done{};
    }

    bool is_connected() const override {
        std::lock_guard lock(mutex_);
        return connected_;
    }

    Status subscribe(const std::vector<std::string>& topic_filters) override {
        for (const auto& topic : topic_filters) {
            auto reply = call(ipc::kSubscribeOperation, ipc::subscribe_request_json(topic, kQos),
                              topic, settings_.connect_timeout, true);
            if (!reply) return reply.error();
        }
        return Done{};
    }

    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout) override {
        auto reply = call(ipc::kPublishOperation, ipc::publish_request_json(topic, kQos, payload),
                          topic, timeout, false);
        if (!reply) return reply.error();
        return Done{};
    }

    void disconnect(std::chrono::milliseconds) override {
        {
            std::lock_guard lock(mutex_);
            closing_ = true;
        }
        close_connection();
    }

private:
    struct Waiting {
        std::optional<Message> reply;
    };

    /// Sends Connect and waits for the ConnectAck; what arrived after the ack (messages,
    /// or a framing error) is left in `after_ack` / `error_after_ack` for the reader thread.
    Status handshake(const ipc::UnixSocket& socket, eventstream::StreamDecoder& decoder,
                     std::vector<Message>& after_ack,
                     std::optional<eventstream::FrameError>& error_after_ack) {
        std::string why;
        const auto connect =
            eventstream::encode_message(ipc::connect_message(settings_.token), &why);
        if (!connect) return Error{"cannot encode Connect: " + why};
        if (auto sent = socket.send_all(*connect); !sent)
            return Error{"cannot send Connect to the nucleus: " + sent.error().message};
        const auto deadline = Clock::now() + settings_.connect_timeout;
        std::vector<Message> messages;
        while (messages.empty()) {
            auto bytes = socket.receive(deadline);
            if (!bytes) return Error{"reading the nucleus's ConnectAck: " + bytes.error().message};
            if (!bytes->has_value())
                return Error{"no ConnectAck from the nucleus within " +
                             std::to_string(settings_.connect_timeout.count()) + " ms"};
            if ((*bytes)->empty())
                return Error{
                    "the nucleus closed the connection during the handshake: it did not accept "
                    "the SVCUID token (is this running as a Greengrass component?)"};
            if (auto error = decoder.feed(**bytes, messages)) {
                if (messages.empty())
                    return Error{"malformed message from the nucleus during the handshake: " +
                                 error->message};
                error_after_ack = error;
            }
        }
        const Message ack = std::move(messages.front());
        after_ack.assign(std::make_move_iterator(messages.begin() + 1),
                         std::make_move_iterator(messages.end()));
        auto fields = ipc::rpc_fields(ack);
        if (auto* problem = std::get_if<std::string>(&fields))
            return Error{"malformed ConnectAck from the nucleus: " + *problem};
        const auto& rpc = std::get<ipc::RpcFields>(fields);
        if (rpc.type == MessageType::protocol_error || rpc.type == MessageType::internal_error)
            return Error{"the nucleus answered Connect with " + std::string(name_of(rpc.type)) +
                         ": " + ipc::parse_service_error(ack.payload).message};
        if (rpc.type != MessageType::connect_ack)
            return Error{"the nucleus answered Connect with " + std::string(name_of(rpc.type)) +
                         " instead of ConnectAck"};
        if (!(rpc.flags & ipc::kConnectionAccepted))
            return Error{"the nucleus refused the connection: it did not accept the SVCUID token"};
        return Done{};
    }

    /// Opens a stream for `operation`, sends the request and waits for its first answer.
    Result<Message> call(const std::string& operation, std::string json, const std::string& topic,
                         std::chrono::milliseconds timeout, bool keep_stream) {
        std::unique_lock lock(mutex_);
        if (!connected_) return Error{"not connected to the Greengrass nucleus"};
        const std::int32_t stream_id = next_stream_id_;
        std::string why;
        const auto bytes =
            eventstream::encode_message(ipc::request_message(stream_id, operation, std::move(json)),
                                        &why, settings_.max_message_bytes);
        if (!bytes)
            return Error{operation + " to " + topic + " not sent: IPC " + why +
                         " (a smaller --max-report-bytes keeps reports within it)"};
        ++next_stream_id_;
        waiting_[stream_id] = {};
        if (keep_stream) subscriptions_[stream_id] = topic;
        {
            // Sends stay ordered by stream id: the nucleus requires each new id to be last+1.
            auto sent = socket_.send_all(*bytes);
            if (!sent) {
                waiting_.erase(stream_id);
                subscriptions_.erase(stream_id);
                return Error{operation + " to " + topic + " not sent: " + sent.error().message};
            }
        }
        const bool answered = changed_.wait_for(
            lock, timeout, [&] { return !connected_ || waiting_[stream_id].reply.has_value(); });
        auto reply = std::move(waiting_[stream_id].reply);
        waiting_.erase(stream_id);
        if (!reply) {
            subscriptions_.erase(stream_id);
            if (!answered)
                return Error{"no " + operation + " response from the nucleus within " +
                             std::to_string(timeout.count()) + " ms"};
            return Error{"connection to the nucleus lost before the " + operation + " response" +
                         (lost_reason_.empty() ? "" : ": " + lost_reason_)};
        }
        const auto type = *reply->int32_header(":message-type");
        if (type == static_cast<std::int32_t>(MessageType::application_error)) {
            subscriptions_.erase(stream_id);
            const auto error = ipc::parse_service_error(reply->payload);
            const auto model = reply->string_header("service-model-type").value_or("");
            const std::string code = error.code.empty() ? model : error.code;
            std::string text = "the nucleus refused " + operation + " on " + topic + " (" +
                               (code.empty() ? "ApplicationError" : code) +
                               (error.message.empty() ? "" : ": " + error.message) + ")";
            if (code.find("UnauthorizedError") != std::string::npos)
                text += ": " + unauthorized_hint(operation, topic);
            return Error{text};
        }
        return std::move(*reply);
    }

    void read_loop(eventstream::StreamDecoder decoder, std::vector<Message> first,
                   std::optional<eventstream::FrameError> first_error) {
        std::string lost;
        for (auto& message : first) {
            if (!lost.empty()) break;
            lost = dispatch(std::move(message));
        }
        if (lost.empty() && first_error)
            lost = "malformed message from the nucleus: " + first_error->message;
        while (lost.empty()) {
            pollfd fds[2] = {{socket_.fd(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                lost = "poll failed";
                break;
            }
            if (fds[1].revents) return;  // disconnect() asked us to stop
            auto bytes = socket_.receive(Clock::now());
            if (!bytes) {
                lost = bytes.error().message;
                break;
            }
            if (!bytes->has_value()) continue;
            if ((*bytes)->empty()) {
                lost = "the nucleus closed the connection";
                break;
            }
            std::vector<Message> messages;
            const auto error = decoder.feed(**bytes, messages);
            for (auto& message : messages) {
                lost = dispatch(std::move(message));
                if (!lost.empty()) break;
            }
            if (!lost.empty()) break;
            if (error) {
                lost = "malformed message from the nucleus: " + error->message;
                break;
            }
        }
        mark_lost(lost);
    }

    /// Handles one message from the nucleus; a non-empty result ends the connection.
    std::string dispatch(Message message) {
        auto fields = ipc::rpc_fields(message);
        if (auto* problem = std::get_if<std::string>(&fields))
            return "malformed message from the nucleus: " + *problem;
        const auto rpc = std::get<ipc::RpcFields>(fields);
        switch (rpc.type) {
            case MessageType::ping: {
                std::vector<eventstream::Header> echoed;
                for (const auto& header : message.headers)
                    if (!header.name.starts_with(':')) echoed.push_back(header);
                const auto pong = eventstream::encode_message(ipc::rpc_message(
                    std::move(echoed), MessageType::ping_response, 0, 0, message.payload));
                std::lock_guard lock(mutex_);  // sends must not interleave
                if (pong) (void)socket_.send_all(*pong);
                return {};
            }
            case MessageType::protocol_error:
            case MessageType::internal_error:
                return "the nucleus sent " + std::string(name_of(rpc.type)) + ": " +
                       ipc::parse_service_error(message.payload).message;
            case MessageType::application_message:
            case MessageType::application_error:
                return on_stream_message(rpc, std::move(message));
            default:
                return {};  // PingResponse, a repeated ConnectAck: nothing to do
        }
    }

    std::string on_stream_message(const ipc::RpcFields& rpc, Message message) {
        std::optional<IncomingMessage> incoming;
        {
            std::lock_guard lock(mutex_);
            if (auto waiting = waiting_.find(rpc.stream_id);
                waiting != waiting_.end() && !waiting->second.reply) {
                waiting->second.reply = std::move(message);
                changed_.notify_all();
                return {};
            }
            const auto subscription = subscriptions_.find(rpc.stream_id);
            if (subscription == subscriptions_.end()) return {};  // a stream we gave up on
            if (rpc.type == MessageType::application_error || (rpc.flags & ipc::kTerminateStream))
                return "the nucleus ended the subscription to " + subscription->second;
            incoming = ipc::parse_iot_core_message(message.payload);
            if (!incoming)
                return "malformed IoTCoreMessage from the nucleus on the subscription to " +
                       subscription->second;
        }
        if (incoming->topic.size() + incoming->payload.size() > kMaxIncomingMessageBytes) {
            incoming->dropped_payload_bytes = incoming->payload.size();
            std::string().swap(incoming->payload);
        }
        if (sink_) sink_(std::move(*incoming));
        return {};
    }

    void mark_lost(const std::string& reason) {
        bool report = false;
        {
            std::lock_guard lock(mutex_);
            report = connected_ && !closing_;
            connected_ = false;
            lost_reason_ = reason;
            ::shutdown(socket_.fd(), SHUT_RDWR);
            changed_.notify_all();
        }
        if (report && sink_) sink_(ConnectionLost{reason});
    }

    void close_connection() {
        if (reader_.joinable()) {
            if (wake_write_.valid()) (void)!::write(wake_write_.get(), "x", 1);
            reader_.join();
        }
        std::lock_guard lock(mutex_);
        connected_ = false;
        changed_.notify_all();
        socket_.close();
        wake_read_.reset();
        wake_write_.reset();
    }

    GreengrassSettings settings_;
    EventSink sink_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    ipc::UnixSocket socket_;
    util::UniqueFd wake_read_;
    util::UniqueFd wake_write_;
    std::thread reader_;
    bool connected_ = false;
    bool closing_ = false;
    std::int32_t next_stream_id_ = 1;
    std::map<std::int32_t, Waiting> waiting_;
    std::map<std::int32_t, std::string> subscriptions_;
    std::string lost_reason_;
};

}  // namespace

std::unique_ptr<Transport> make_greengrass_transport(GreengrassSettings settings) {
    return std::make_unique<GreengrassTransport>(std::move(settings));
}

std::size_t greengrass_report_budget(const std::string& topic, std::size_t max_message_bytes) {
    const auto empty = eventstream::encode_message(ipc::request_message(
        INT32_MAX, ipc::kPublishOperation, ipc::publish_request_json(topic, kQos, "")));
    const std::size_t overhead = empty ? empty->size() : max_message_bytes;
    if (overhead >= max_message_bytes) return 0;
    // base64: every 3 raw bytes take 4 characters (JSON-safe, so no escaping on top).
    return (max_message_bytes - overhead) / 4 * 3;
}

}  // namespace defender
