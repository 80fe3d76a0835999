// SPDX-License-Identifier: Apache-2.0
#include "fake_nucleus.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "defender/service_emulator.hpp"
#include "transport/greengrass/eventstream.hpp"
#include "transport/greengrass/rpc.hpp"
#include "util/base64.hpp"

namespace defender::test {
namespace {

using eventstream::Header;
using eventstream::Message;
using ipc::MessageType;
using nlohmann::json;

struct Client {
    int fd = -1;
    eventstream::StreamDecoder decoder;
    bool connected = false;  ///< handshake done
    std::int32_t last_stream_id = 0;
    std::map<std::int32_t, std::string> subscriptions;  ///< stream id -> topic
    bool closed = false;
};

Message json_message(const std::string& model, MessageType type, std::int32_t flags,
                     std::int32_t stream_id, std::string payload) {
    std::vector<Header> headers{{":content-type", std::string("application/json")}};
    if (!model.empty()) headers.push_back({"service-model-type", model});
    return ipc::rpc_message(std::move(headers), type, flags, stream_id, std::move(payload));
}

}  // namespace

class FakeNucleus::Server {
public:
    explicit Server(FakeNucleusOptions options)
        : options_(std::move(options)),
          emulator_(ServiceEmulatorOptions{std::chrono::milliseconds(0), {}}) {
        std::filesystem::remove(options_.socket_path);
        listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = options_.socket_path.string();
        if (path.size() >= sizeof(address.sun_path))
            throw std::runtime_error("socket path too long");
        std::memcpy(address.sun_path, path.data(), path.size());
        if (listen_fd_ < 0 ||
            ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(listen_fd_, 8) != 0)
            throw std::runtime_error("fake nucleus cannot listen on " + path + ": " +
                                     std::strerror(errno));
        if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        thread_ = std::thread([this] { serve(); });
    }

    ~Server() {
        stop_ = true;
        (void)!::write(wake_[1], "s", 1);
        thread_.join();
        for (auto& client : clients_)
            if (client.fd >= 0) ::close(client.fd);
        ::close(listen_fd_);
        ::close(wake_[0]);
        ::close(wake_[1]);
        std::error_code ignored;
        std::filesystem::remove(options_.socket_path, ignored);
    }

    NucleusState state() const {
        std::lock_guard lock(mutex_);
        return state_;
    }

    bool wait_for(const std::function<bool(const NucleusState&)>& condition,
                  std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return condition(state_); });
    }

    void drop_connections() {
        drop_ = true;
        (void)!::write(wake_[1], "d", 1);
    }

private:
    template <class F>
    void update(F&& change) {
        std::lock_guard lock(mutex_);
        change(state_);
        changed_.notify_all();
    }

    void serve() {
        while (!stop_) {
            std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            for (const auto& client : clients_)
                fds.push_back({client.fd, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), -1) < 0) continue;
            if (fds[1].revents) {
                char buffer[16];
                (void)!::read(wake_[0], buffer, sizeof(buffer));
                if (drop_.exchange(false))
                    for (auto& client : clients_)
                        close_client(client, "");
            }
            if (fds[0].revents & POLLIN) {
                const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd >= 0) {
                    Client client;
                    client.fd = fd;
                    client.decoder = eventstream::StreamDecoder(
                        options_.strict ? options_.strict_max_message_bytes
                                        : eventstream::kMaxMessageBytes);
                    clients_.push_back(std::move(client));
                    update([](NucleusState& s) { ++s.open_connections; });
                }
            }
            auto client = clients_.begin();
            for (std::size_t i = 2; i < fds.size() && client != clients_.end(); ++i, ++client)
                if (fds[i].revents && !client->closed) receive(*client);
            clients_.remove_if([](const Client& c) { return c.closed; });
        }
    }

    void receive(Client& client) {
        char buffer[65536];
        const ssize_t got = ::recv(client.fd, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            close_client(client, "");
            return;
        }
        std::vector<Message> messages;
        const auto error = client.decoder.feed(std::string_view(buffer, got), messages);
        for (auto& message : messages) {
            if (client.closed) return;
            handle(client, message);
        }
        if (error && !client.closed) {
            if (error->kind == eventstream::FrameErrorKind::message_too_long && options_.strict) {
                close_client(
                    client,
                    "message over " + std::to_string(options_.strict_max_message_bytes) + " bytes");
                return;
            }
            protocol_error(client, "malformed frame: " + error->message);
        }
    }

    void handle(Client& client, const Message& message) {
        auto fields = ipc::rpc_fields(message);
        if (auto* problem = std::get_if<std::string>(&fields)) {
            protocol_error(client, *problem);
            return;
        }
        const auto rpc = std::get<ipc::RpcFields>(fields);
        if (!client.connected) {
            handshake(client, message, rpc);
            return;
        }
        if (rpc.stream_id == 0) {
            if (rpc.type == MessageType::ping) update([](NucleusState& s) { ++s.pings; });
            if (options_.strict) {
                close_client(client, std::string(ipc::name_of(rpc.type)) +
                                         " on stream 0 after the handshake");
                return;
            }
            if (rpc.type == MessageType::ping) {
                std::vector<Header> echoed;
                for (const auto& header : message.headers)
                    if (!header.name.starts_with(':')) echoed.push_back(header);
                send(client, ipc::rpc_message(std::move(echoed), MessageType::ping_response, 0, 0,
                                              message.payload));
                return;
            }
            protocol_error(client, std::string(ipc::name_of(rpc.type)) + " after the handshake");
            return;
        }
        if (rpc.stream_id <= client.last_stream_id) {
            on_existing_stream(client, rpc);
            return;
        }
        if (rpc.stream_id != client.last_stream_id + 1) {
            protocol_error(client, "new stream id " + std::to_string(rpc.stream_id) +
                                       " is not the last one plus 1 (" +
                                       std::to_string(client.last_stream_id + 1) + ")");
            return;
        }
        client.last_stream_id = rpc.stream_id;
        const auto operation = message.string_header("operation");
        if (!operation || rpc.type != MessageType::application_message || rpc.flags != 0) {
            protocol_error(client, "the first message of stream " + std::to_string(rpc.stream_id) +
                                       " needs an operation, type 0 and no flags");
            return;
        }
        const auto request = json::parse(message.payload, nullptr, false);
        if (!request.is_object()) {
            invalid(client, rpc.stream_id, "the payload is not a JSON object");
            return;
        }
        if (*operation == ipc::kPublishOperation)
            publish(client, rpc.stream_id, request);
        else if (*operation == ipc::kSubscribeOperation)
            subscribe(client, rpc.stream_id, request);
        else
            send(client,
                 json_message("", MessageType::application_error, ipc::kTerminateStream,
                              rpc.stream_id,
                              json{{"error", "Unsupported Operation"},
                                   {"message", *operation + " is an unsupported operation."}}
                                  .dump()));
    }

    void handshake(Client& client, const Message& message, const ipc::RpcFields& rpc) {
        if (rpc.type != MessageType::connect || rpc.flags != 0 ||
            message.string_header(":version") != ipc::kProtocolVersion) {
            protocol_error(client, "the first message is not a Connect with :version 0.1.0");
            return;
        }
        const auto payload = json::parse(message.payload, nullptr, false);
        const bool good = payload.is_object() && payload.contains("authToken") &&
                          payload["authToken"].is_string() &&
                          payload["authToken"].get<std::string>() == options_.token;
        if (!good) {
            update([](NucleusState& s) { ++s.connections_refused; });
            if (!options_.strict)
                send(client, ipc::rpc_message({}, MessageType::connect_ack, 0, 0));
            close_client(client, "bad token");
            return;
        }
        client.connected = true;
        update([](NucleusState& s) { ++s.connections_accepted; });
        send(client, ipc::rpc_message({}, MessageType::connect_ack, ipc::kConnectionAccepted, 0));
    }

    void on_existing_stream(Client& client, const ipc::RpcFields& rpc) {
        // The only thing a client sends on a stream it opened: TerminateStream to end it.
        if (rpc.flags & ipc::kTerminateStream) {
            client.subscriptions.erase(rpc.stream_id);
            return;
        }
        violation("message on stream " + std::to_string(rpc.stream_id) +
                  " that is already open, without TerminateStream");
    }

    void publish(Client& client, std::int32_t stream_id, const json& request) {
        const auto topic = text(request, "topicName");
        if (topic.empty()) return invalid(client, stream_id, "Topic is required");
        if (!options_.authorize_publish) return unauthorized(client, stream_id);
        const auto payload_text = text(request, "payload");
        if (!request.contains("payload")) return invalid(client, stream_id, "Payload is required");
        const auto qos = text(request, "qos");
        if (qos != "0" && qos != "1")
            return invalid(client, stream_id, "Invalid QoS value: " + qos);
        auto payload = util::base64_decode(payload_text);
        if (!payload) return invalid(client, stream_id, "payload is not base64");
        update([&](NucleusState& s) { s.published.push_back({topic, qos, *payload}); });
        send(client, json_message("aws.greengrass#PublishToIoTCoreResponse",
                                  MessageType::application_message, ipc::kTerminateStream,
                                  stream_id, "{}"));
        if (options_.echo_publishes) deliver(topic, *payload);
        if (options_.answer_reports) answer_report({topic, *payload});
    }

    void deliver(const std::string& topic, const std::string& payload) {
        const auto event =
            json{{"message", {{"topicName", topic}, {"payload", util::base64_encode(payload)}}}}
                .dump();
        for (auto& client : clients_)
            for (const auto& [stream_id, subscribed] : client.subscriptions)
                if (subscribed == topic && !client.closed)
                    send(client,
                         json_message("aws.greengrass#IoTCoreMessage",
                                      MessageType::application_message, 0, stream_id, event));
    }

    void subscribe(Client& client, std::int32_t stream_id, const json& request) {
        const auto topic = text(request, "topicName");
        if (topic.empty()) return invalid(client, stream_id, "Topic is required");
        if (!options_.authorize_subscribe) return unauthorized(client, stream_id);
        const auto qos = text(request, "qos");
        if (qos != "0" && qos != "1")
            return invalid(client, stream_id, "Invalid QoS value: " + qos);
        client.subscriptions[stream_id] = topic;
        update([&](NucleusState& s) { s.subscriptions.push_back(topic); });
        send(client, json_message("aws.greengrass#SubscribeToIoTCoreResponse",
                                  MessageType::application_message, 0, stream_id, "{}"));
    }

    void answer_report(const IncomingMessage& report) {
        const auto answer = emulator_.handle(report, std::chrono::steady_clock::now());
        if (!answer) return;
        const auto event = json{{"message",
                                 {{"topicName", answer->reply_topic},
                                  {"payload", util::base64_encode(answer->reply_payload)}}}}
                               .dump();
        for (auto& client : clients_)
            for (const auto& [stream_id, topic] : client.subscriptions)
                if (topic == answer->reply_topic && !client.closed) {
                    send(client,
                         json_message("aws.greengrass#IoTCoreMessage",
                                      MessageType::application_message, 0, stream_id, event));
                    update([&, &t = topic](NucleusState& s) { s.replies.push_back(t); });
                }
    }

    static std::string text(const json& object, const char* key) {
        return object.contains(key) && object[key].is_string() ? object[key].get<std::string>()
                                                               : std::string();
    }

    void modeled_error(Client& client, std::int32_t stream_id, const std::string& name,
                       const std::string& message) {
        send(client,
             json_message("aws.greengrass#" + name, MessageType::application_error,
                          ipc::kTerminateStream, stream_id,
                          // The Java nucleus's field order (Gson, subclass fields first).
                          nlohmann::ordered_json{{"message", message},
                                                 {"_service", "aws.greengrass#GreengrassCoreIPC"},
                                                 {"_message", message},
                                                 {"_errorCode", name}}
                              .dump()));
    }

    void unauthorized(Client& client, std::int32_t stream_id) {
        modeled_error(client, stream_id, "UnauthorizedError", "Not Authorized");
    }

    void invalid(Client& client, std::int32_t stream_id, const std::string& why) {
        violation("invalid request on stream " + std::to_string(stream_id) + ": " + why);
        modeled_error(client, stream_id, "InvalidArgumentsError", why);
    }

    void violation(const std::string& what) {
        update([&](NucleusState& s) { s.violations.push_back(what); });
    }

    void protocol_error(Client& client, const std::string& what) {
        violation(what);
        send(client,
             json_message("", MessageType::protocol_error, 0, 0, json{{"message", what}}.dump()));
        close_client(client, "ProtocolError: " + what);
    }

    void send(Client& client, const Message& message) {
        const auto bytes = eventstream::encode_message(message);
        if (!bytes || ::send(client.fd, bytes->data(), bytes->size(), MSG_NOSIGNAL) !=
                          static_cast<ssize_t>(bytes->size()))
            close_client(client, "");
    }

    void close_client(Client& client, const std::string& reason) {
        if (client.closed) return;
        client.closed = true;
        // State first, so a test that sees the end of the stream also sees why.
        update([&](NucleusState& s) {
            --s.open_connections;
            if (!reason.empty()) s.closes.push_back(reason);
        });
        ::close(client.fd);
        client.fd = -1;
    }

    FakeNucleusOptions options_;
    ServiceEmulator emulator_;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stop_{false};
    std::atomic<bool> drop_{false};
    std::list<Client> clients_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    NucleusState state_;
    std::thread thread_;
};

FakeNucleus::FakeNucleus(FakeNucleusOptions options)
    : server_(std::make_unique<Server>(std::move(options))) {}
FakeNucleus::~FakeNucleus() = default;

NucleusState FakeNucleus::state() const {
    return server_->state();
}

bool FakeNucleus::wait_for(const std::function<bool(const NucleusState&)>& condition,
                           std::chrono::milliseconds timeout) const {
    return server_->wait_for(condition, timeout);
}

void FakeNucleus::drop_connections() {
    server_->drop_connections();
}

}  // namespace defender::test
