// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file fake_nucleus.hpp
/// A stand-in for the Greengrass nucleus's IPC server on a Unix socket, for tests: checks the
/// SVCUID token and every frame a client sends, answers Connect, PublishToIoTCore and
/// SubscribeToIoTCore as the Java nucleus does (ConnectAck, ...Response, UnauthorizedError,
/// ProtocolError), and can answer reports like Device Defender on the subscription streams.
/// Strict mode behaves like Greengrass nucleus lite: it closes the connection on Ping, on any
/// other stream-0 message after the handshake, on messages over 10 000 bytes, and on a bad
/// token without sending a ConnectAck.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace defender::test {

struct FakeNucleusOptions {
    std::filesystem::path socket_path;
    std::string token = "0123456789ABCDEF";
    bool strict = false;
    std::size_t strict_max_message_bytes = 10'000;
    bool authorize_publish = true;
    bool authorize_subscribe = true;
    /// Validate each report like Device Defender and answer on the subscribed /accepted or
    /// /rejected stream.
    bool answer_reports = true;
    /// Deliver each publish to the streams subscribed to its topic, as IoT Core delivers a
    /// message to every subscriber (the client's own subscriptions included).
    bool echo_publishes = false;
};

struct NucleusPublish {
    std::string topic;
    std::string qos;
    std::string payload;  ///< decoded from base64
};

/// What the nucleus has seen so far.
struct NucleusState {
    int connections_accepted = 0;
    int connections_refused = 0;  ///< bad token
    std::vector<NucleusPublish> published;
    std::vector<std::string> subscriptions;  ///< topics, in order of SubscribeToIoTCore
    std::vector<std::string> replies;        ///< topics of answers delivered to streams
    /// Why the nucleus closed a connection (strict-mode rules, protocol errors).
    std::vector<std::string> closes;
    /// Frames that broke the protocol (the test of a correct client expects none).
    std::vector<std::string> violations;
    int pings = 0;
    int open_connections = 0;
};

class FakeNucleus {
public:
    /// Binds the socket (replacing a stale file) and starts serving. Throws on failure.
    explicit FakeNucleus(FakeNucleusOptions options);
    ~FakeNucleus();
    FakeNucleus(const FakeNucleus&) = delete;
    FakeNucleus& operator=(const FakeNucleus&) = delete;

    NucleusState state() const;
    /// Waits until `condition` holds for the state (true) or `timeout` passes (false).
    bool wait_for(const std::function<bool(const NucleusState&)>& condition,
                  std::chrono::milliseconds timeout) const;
    /// Closes every client connection at once, as a nucleus restart does.
    void drop_connections();

private:
    class Server;
    std::unique_ptr<Server> server_;
};

}  // namespace defender::test
