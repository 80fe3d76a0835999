// SPDX-License-Identifier: Apache-2.0
// MQTT over WebSocket without a broker: the RFC 6455 frame codec (pure), the upgrade's request
// and answer checks, and WebSocketStream over a socketpair whose other end plays the server.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "transport/mqtt/mqtt_packets.hpp"
#include "transport/mqtt/mqtt_session.hpp"
#include "transport/mqtt/socket_stream.hpp"
#include "transport/mqtt/websocket_frames.hpp"
#include "transport/mqtt/websocket_stream.hpp"

namespace defender::mqtt {
namespace {

using namespace std::chrono_literals;
using websocket::ControlFrame;
using websocket::FrameDecoder;
using websocket::Opcode;

constexpr auto kPatience = 5s;  // bounds a broken test's hang only

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values)
        out += static_cast<char>(value);
    return out;
}

// ---- Frames ----

TEST(WebSocketFrames, MasksAsTheRfcExample) {
    // RFC 6455 5.7: a single-frame masked text message "Hello".
    EXPECT_EQ(websocket::encode_client_frame(Opcode::Text, "Hello", {0x37, 0xfa, 0x21, 0x3d}),
              bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(WebSocketFrames, LengthsOf126AndMoreTakeTheLongForms) {
    const std::string medium =
        websocket::encode_client_frame(Opcode::Binary, std::string(126, 'x'), {0, 0, 0, 0});
    EXPECT_EQ(medium.substr(0, 4), bytes({0x82, 0xfe, 0x00, 0x7e}));
    EXPECT_EQ(medium.size(), 4u + 4u + 126u);
    const std::string large =
        websocket::encode_client_frame(Opcode::Binary, std::string(65536, 'x'), {0, 0, 0, 0});
    EXPECT_EQ(large.substr(0, 10), bytes({0x82, 0xff, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    EXPECT_EQ(large.size(), 10u + 4u + 65536u);
}

TEST(WebSocketFrames, ControlPayloadsAreCutTo125Bytes) {
    const std::string pong =
        websocket::encode_client_frame(Opcode::Pong, std::string(300, 'p'), {1, 2, 3, 4});
    EXPECT_EQ(pong.substr(0, 2), bytes({0x8a, 0x80 | 125}));
    EXPECT_EQ(pong.size(), 2u + 4u + 125u);
}

TEST(WebSocketFrames, ClosePayloadAndItsDescription) {
    EXPECT_EQ(websocket::close_payload(1000), bytes({0x03, 0xe8}));
    EXPECT_EQ(websocket::describe_close(websocket::close_payload(1000)), "code 1000");
    EXPECT_EQ(websocket::describe_close(websocket::close_payload(1008, "policy\n")),
              "code 1008: policy?");
    EXPECT_EQ(websocket::describe_close(""), "no status code");
}

struct Decoded {
    Status status = Done{};
    std::string data;
    std::vector<ControlFrame> controls;
};

Decoded decode(FrameDecoder& decoder, const std::string& stream, std::size_t piece = 1 << 20) {
    Decoded out;
    for (std::size_t at = 0; at < stream.size() && out.status; at += piece)
        out.status =
            decoder.feed(std::string_view(stream).substr(at, piece), out.data, out.controls);
    return out;
}

Decoded decode(const std::string& stream, std::size_t piece = 1 << 20) {
    FrameDecoder decoder;
    return decode(decoder, stream, piece);
}

TEST(WebSocketFrameDecoder, BinaryFramesInAnySplit) {
    const std::string stream = bytes({0x82, 0x05}) + "Hello" + bytes({0x82, 0x7e, 0x01, 0x00}) +
                               std::string(256, 'z') + bytes({0x82, 0x00});
    for (const std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
        const auto out = decode(stream, piece);
        ASSERT_TRUE(out.status) << out.status.error().message;
        EXPECT_EQ(out.data, "Hello" + std::string(256, 'z')) << piece;
        EXPECT_TRUE(out.controls.empty());
    }
}

TEST(WebSocketFrameDecoder, FragmentedMessageWithAPingInBetween) {
    const std::string stream = bytes({0x02, 0x03}) + "Hel" + bytes({0x89, 0x04}) + "ping" +
                               bytes({0x00, 0x01}) + "l" + bytes({0x80, 0x01}) + "o";
    for (const std::size_t piece : {1u, 5u, 100u}) {
        const auto out = decode(stream, piece);
        ASSERT_TRUE(out.status) << out.status.error().message;
        EXPECT_EQ(out.data, "Hello");
        ASSERT_EQ(out.controls.size(), 1u);
        EXPECT_EQ(out.controls[0].opcode, Opcode::Ping);
        EXPECT_EQ(out.controls[0].payload, "ping");
    }
}

TEST(WebSocketFrameDecoder, AHugeDeclaredLengthIsStreamedNotAllocated) {
    // 2^40 bytes declared; what arrives is handed on, and the decoder keeps nothing.
    FrameDecoder decoder;
    const auto out =
        decode(decoder, bytes({0x82, 0x7f, 0, 0, 0x01, 0, 0, 0, 0, 0}) + "0123456789", 3);
    ASSERT_TRUE(out.status) << out.status.error().message;
    EXPECT_EQ(out.data, "0123456789");
    EXPECT_EQ(decoder.held_bytes(), 0u);
}

TEST(WebSocketFrameDecoder, CloseEndsTheStream) {
    FrameDecoder decoder;
    const auto out = decode(decoder, bytes({0x88, 0x02, 0x03, 0xe8, 0x82, 0x01}) + "x");
    ASSERT_TRUE(out.status);
    EXPECT_TRUE(decoder.closed());
    ASSERT_EQ(out.controls.size(), 1u);
    EXPECT_EQ(out.controls[0].opcode, Opcode::Close);
    EXPECT_EQ(out.controls[0].payload, bytes({0x03, 0xe8}));
    EXPECT_EQ(out.data, "");  // nothing after the Close frame counts
}

TEST(WebSocketFrameDecoder, WhatAServerMustNotSendIsAnErrorThatSticks) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {bytes({0x82, 0x81, 1, 2, 3, 4, 0}), "masked frame from the server"},
        {bytes({0xc2, 0x00}), "reserved bits set"},
        {bytes({0x83, 0x00}), "unknown opcode 0x3"},
        {bytes({0x81, 0x01}) + "a", "text frame (MQTT travels in binary frames)"},
        {bytes({0x89, 0x7e, 0x00, 0x7e}), "control frame over 125 bytes"},
        {bytes({0x09, 0x00}), "fragmented control frame"},
        {bytes({0x80, 0x00}), "continuation frame outside a fragmented message"},
        {bytes({0x02, 0x00, 0x82, 0x00}), "new data frame inside a fragmented message"},
        {bytes({0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}), "64-bit length with its top bit set"},
    };
    for (const auto& [stream, problem] : cases) {
        FrameDecoder decoder;
        const auto out = decode(decoder, stream);
        ASSERT_FALSE(out.status) << problem;
        EXPECT_EQ(out.status.error().message, "malformed WebSocket frame: " + problem);
        std::string data;
        std::vector<ControlFrame> controls;
        const auto again = decoder.feed(bytes({0x82, 0x01}) + "x", data, controls);
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error().message, out.status.error().message);
        EXPECT_EQ(data, "");
    }
}

// ---- The upgrade ----

TEST(WebSocketUpgrade, AcceptKeyAsTheRfcExample) {
    EXPECT_EQ(websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketUpgrade, TheHostHeaderCarriesOnlyAPortThatIsNotTheDefault) {
    EXPECT_EQ(websocket_host_header("abc-ats.iot.eu-west-1.amazonaws.com", 443, true),
              "abc-ats.iot.eu-west-1.amazonaws.com");
    EXPECT_EQ(websocket_host_header("example.com", 8443, true), "example.com:8443");
    EXPECT_EQ(websocket_host_header("example.com", 80, false), "example.com");
    EXPECT_EQ(websocket_host_header("example.com", 443, false), "example.com:443");
    EXPECT_EQ(websocket_host_header("::1", 443, true), "[::1]");
    EXPECT_EQ(websocket_host_header("::1", 9001, false), "[::1]:9001");
}

TEST(WebSocketUpgrade, RequestAsksForTheMqttSubprotocol) {
    EXPECT_EQ(websocket_upgrade_request({"example.com", "/mqtt?a=b"}, "S2V5"),
              "GET /mqtt?a=b HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Key: S2V5\r\nSec-WebSocket-Version: 13\r\n"
              "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
}

std::string answer(const std::string& status, const std::string& headers) {
    return "HTTP/1.1 " + status + "\r\n" + headers + "\r\n";
}

TEST(WebSocketUpgrade, AcceptsTheRightAnswerInAnyHeaderCase) {
    const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
    EXPECT_EQ(
        check_websocket_upgrade(answer("101 Switching Protocols",
                                       "upgrade: WebSocket\r\nCONNECTION: keep-alive, Upgrade\r\n"
                                       "Sec-WebSocket-Accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n"
                                       "Sec-WebSocket-Protocol: mqtt\r\n"),
                                key),
        std::nullopt);
    // No subprotocol named at all is allowed (RFC 6455 4.1).
    EXPECT_EQ(
        check_websocket_upgrade(answer("101 Switching Protocols",
                                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
                                key),
        std::nullopt);
}

TEST(WebSocketUpgrade, RefusalsSayWhatWasWrong) {
    const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
    const std::string good_accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    EXPECT_EQ(check_websocket_upgrade(answer("403 Forbidden", ""), key),
              "the server refused the WebSocket upgrade: HTTP 403 Forbidden (AWS IoT: the "
              "signature was not accepted: check --signing-region, the system clock and the "
              "credentials)");
    EXPECT_EQ(check_websocket_upgrade(answer("200 OK", ""), key),
              "the server refused the WebSocket upgrade: HTTP 200 OK");
    EXPECT_EQ(check_websocket_upgrade("SSH-2.0-OpenSSH\r\n\r\n", key),
              "the server did not answer the WebSocket upgrade with HTTP");
    EXPECT_EQ(check_websocket_upgrade(
                  answer("101 Switching Protocols", "Connection: Upgrade\r\n" + good_accept), key),
              "the server's answer to the WebSocket upgrade lacks Upgrade: websocket or "
              "Connection: Upgrade");
    EXPECT_EQ(check_websocket_upgrade(answer("101 Switching Protocols",
                                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                             "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
                                      key),
              "the server's answer to the WebSocket upgrade has a wrong Sec-WebSocket-Accept");
    EXPECT_EQ(check_websocket_upgrade(answer("101 Switching Protocols",
                                             "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
                                                 good_accept + "Sec-WebSocket-Protocol: chat\r\n"),
                                      key),
              "the server chose the WebSocket subprotocol \"chat\", not mqtt");
}

// ---- WebSocketStream over a socketpair ----

// The server's end: blocking reads and writes, and a decoder for the client's masked frames.
class Server {
public:
    explicit Server(int fd) : fd_(fd) {}
    ~Server() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    void send(const std::string& data) {
        ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(data.size()));
    }
    // Exactly `size` bytes, fewer at the end of the stream or after kPatience.
    std::string receive(std::size_t size) {
        std::string data;
        while (data.size() < size) {
            pollfd entry{fd_, POLLIN, 0};
            if (::poll(&entry, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) <=
                0)
                break;
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, size - data.size()), 0);
            if (n <= 0) break;
            data.append(buffer, static_cast<std::size_t>(n));
        }
        return data;
    }
    // Until the blank line of an HTTP head.
    std::string receive_head() {
        std::string head;
        while (!head.ends_with("\r\n\r\n")) {
            const std::string byte = receive(1);
            if (byte.empty()) break;
            head += byte;
        }
        return head;
    }
    struct ClientFrame {
        std::uint8_t first = 0;
        bool masked = false;
        std::string payload;
    };
    // One client frame, unmasked.
    ClientFrame receive_frame() {
        ClientFrame frame;
        const std::string start = receive(2);
        if (start.size() < 2) return frame;
        frame.first = static_cast<std::uint8_t>(start[0]);
        frame.masked = (start[1] & 0x80) != 0;
        std::uint64_t size = start[1] & 0x7f;
        if (size >= 126) {
            const std::string extended = receive(size == 126 ? 2 : 8);
            size = 0;
            for (const char c : extended)
                size = (size << 8) | static_cast<std::uint8_t>(c);
        }
        const std::string mask = frame.masked ? receive(4) : std::string(4, '\0');
        frame.payload = receive(size);
        for (std::size_t i = 0; i < frame.payload.size(); ++i)
            frame.payload[i] = static_cast<char>(frame.payload[i] ^ mask[i % 4]);
        return frame;
    }
    bool at_end() {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) <= 0)
            return false;
        char byte = 0;
        return ::recv(fd_, &byte, 1, 0) == 0;
    }

private:
    int fd_;
};

std::string server_frame(std::uint8_t first, const std::string& payload) {
    std::string frame(1, static_cast<char>(first));
    frame += static_cast<char>(payload.size());  // under 126 bytes here
    return frame + payload;
}

struct StreamPair {
    std::unique_ptr<ByteStream> client;  // the socketpair's end, as a ByteStream
    std::unique_ptr<Server> server;
};

StreamPair socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return {};
    return {std::make_unique<SocketStream>(util::UniqueFd(fds[0])),
            std::make_unique<Server>(fds[1])};
}

// Reads until `size` bytes or anything but data; waits on the socket in between.
IoOutcome read_until(ByteStream& stream, std::string& into, std::size_t size) {
    char buffer[512];
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (into.size() < size && std::chrono::steady_clock::now() < deadline) {
        const IoOutcome outcome = stream.read_some(buffer, sizeof buffer);
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            into.append(buffer, outcome.bytes);
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            pollfd entry{stream.fd(), POLLIN, 0};
            ::poll(&entry, 1, 100);
        } else {
            return outcome;
        }
    }
    return IoOutcome::transferred(into.size());
}

TEST(WebSocketStreamTest, DataFramesInPingsAnsweredMaskedFramesOut) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), server_frame(0x82, "ab"));
    pair.server->send(server_frame(0x02, "cd") + server_frame(0x89, "are you there") +
                      server_frame(0x80, "ef"));
    std::string data;
    read_until(stream, data, 6);
    EXPECT_EQ(data, "abcdef");
    const auto pong = pair.server->receive_frame();
    EXPECT_EQ(pong.first, 0x8a);
    EXPECT_TRUE(pong.masked);
    EXPECT_EQ(pong.payload, "are you there");

    const IoOutcome written = stream.write_some("hello", 5);
    ASSERT_EQ(written.kind, IoOutcome::Kind::Transferred);
    EXPECT_EQ(written.bytes, 5u);
    const auto frame = pair.server->receive_frame();
    EXPECT_EQ(frame.first, 0x82);
    EXPECT_TRUE(frame.masked);
    EXPECT_EQ(frame.payload, "hello");
}

TEST(WebSocketStreamTest, AFrameCarriesAtMost16KiB) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), "");
    const std::string big(20000, 'b');
    const IoOutcome written = stream.write_some(big.data(), big.size());
    ASSERT_EQ(written.kind, IoOutcome::Kind::Transferred);
    EXPECT_EQ(written.bytes, 16384u);
    EXPECT_EQ(pair.server->receive_frame().payload, std::string(16384, 'b'));
}

TEST(WebSocketStreamTest, TheServersCloseIsAnsweredAndReportedAfterTheDataBeforeIt) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), "");
    pair.server->send(server_frame(0x82, "last") +
                      server_frame(0x88, websocket::close_payload(1001, "going away")));
    std::string data;
    const IoOutcome outcome = read_until(stream, data, 100);
    EXPECT_EQ(data, "last");
    EXPECT_EQ(outcome.kind, IoOutcome::Kind::Closed);
    EXPECT_EQ(outcome.reason, "the broker closed the WebSocket (code 1001: going away)");
    const auto answer = pair.server->receive_frame();
    EXPECT_EQ(answer.first, 0x88);
    EXPECT_EQ(answer.payload, bytes({0x03, 0xe9}));
    EXPECT_EQ(stream.write_some("x", 1).kind, IoOutcome::Kind::Closed);
}

TEST(WebSocketStreamTest, AMalformedFrameFailsTheStreamWithAProtocolErrorClose) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), "");
    pair.server->send(bytes({0x82, 0x81, 1, 2, 3, 4, 5}));
    std::string data;
    const IoOutcome outcome = read_until(stream, data, 1);
    EXPECT_EQ(outcome.kind, IoOutcome::Kind::Failed);
    EXPECT_EQ(outcome.reason, "malformed WebSocket frame: masked frame from the server");
    const auto close = pair.server->receive_frame();
    EXPECT_EQ(close.first, 0x88);
    EXPECT_EQ(close.payload, websocket::close_payload(websocket::kCloseProtocolError));
}

TEST(WebSocketStreamTest, TheEndOfTheStreamWithoutCloseIsClosed) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), "");
    pair.server->close();
    std::string data;
    const IoOutcome outcome = read_until(stream, data, 1);
    EXPECT_EQ(outcome.kind, IoOutcome::Kind::Closed);
    EXPECT_EQ(outcome.reason, "the broker closed the connection");
}

TEST(WebSocketStreamTest, CloseSendsANormalCloseThenEndsTheStream) {
    auto pair = socket_pair();
    WebSocketStream stream(std::move(pair.client), "");
    stream.close();
    const auto close = pair.server->receive_frame();
    EXPECT_EQ(close.first, 0x88);
    EXPECT_TRUE(close.masked);
    EXPECT_EQ(close.payload, websocket::close_payload(websocket::kCloseNormal));
    EXPECT_TRUE(pair.server->at_end());
}

TEST(WebSocketStreamTest, AnMqttSessionRunsOverIt) {
    auto pair = socket_pair();
    auto* server = pair.server.get();
    MqttSession session(std::make_unique<WebSocketStream>(std::move(pair.client), ""),
                        PacketReader(), SessionTiming{.keep_alive = 0ms, .ping_timeout = 1s}, {});
    session.expect_puback(0x0a0b);
    auto publish = encode_publish("t", "payload", 0x0a0b, false);
    ASSERT_TRUE(publish);
    ASSERT_TRUE(session.send(*publish, std::chrono::steady_clock::now() + kPatience));
    const auto frame = server->receive_frame();
    EXPECT_EQ(frame.first, 0x82);
    EXPECT_EQ(frame.payload, *publish);
    // The PUBACK in two fragments.
    server->send(server_frame(0x02, bytes({0x40, 0x02})) + server_frame(0x80, bytes({0x0a, 0x0b})));
    EXPECT_TRUE(session.wait_for_puback(0x0a0b, std::chrono::steady_clock::now() + kPatience));
    session.close(std::chrono::steady_clock::now() + kPatience);
    EXPECT_EQ(server->receive_frame().payload, bytes({0xe0, 0x00}));  // DISCONNECT
    EXPECT_EQ(server->receive_frame().first, 0x88);                   // then Close
}

// ---- websocket_connect ----

std::string accept_line(const std::string& request) {
    const auto at = request.find("Sec-WebSocket-Key: ");
    const auto end = request.find("\r\n", at);
    return "Sec-WebSocket-Accept: " + websocket_accept_for(request.substr(at + 19, end - at - 19)) +
           "\r\n";
}

TEST(WebSocketConnect, UpgradesAndKeepsTheBytesThatCameWithTheAnswer) {
    auto pair = socket_pair();
    auto* server = pair.server.get();
    std::string request;
    std::thread answering([&] {
        request = server->receive_head();
        server->send(answer("101 Switching Protocols",
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n" +
                                accept_line(request) + "Sec-WebSocket-Protocol: mqtt\r\n") +
                     server_frame(0x82, bytes({0x20, 0x02, 0x00, 0x00})));
    });
    auto upgraded = websocket_connect(std::move(pair.client), {"broker", "/mqtt?x=1"},
                                      std::chrono::steady_clock::now() + kPatience);
    answering.join();
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ByteStream>>(upgraded))
        << std::get<StepFailure>(upgraded).reason;
    EXPECT_TRUE(request.starts_with("GET /mqtt?x=1 HTTP/1.1\r\nHost: broker\r\n")) << request;
    auto& stream = *std::get<std::unique_ptr<ByteStream>>(upgraded);
    std::string data;
    read_until(stream, data, 4);
    EXPECT_EQ(data, bytes({0x20, 0x02, 0x00, 0x00}));  // a CONNACK
}

TEST(WebSocketConnect, ARefusalIsTheStepsFailure) {
    auto pair = socket_pair();
    auto* server = pair.server.get();
    std::thread answering([&] {
        server->receive_head();
        server->send(answer("403 Forbidden", "Content-Length: 0\r\n"));
    });
    auto upgraded = websocket_connect(std::move(pair.client), {"broker", "/mqtt"},
                                      std::chrono::steady_clock::now() + kPatience);
    answering.join();
    ASSERT_TRUE(std::holds_alternative<StepFailure>(upgraded));
    EXPECT_FALSE(std::get<StepFailure>(upgraded).timed_out);
    EXPECT_TRUE(std::get<StepFailure>(upgraded).reason.starts_with(
        "the server refused the WebSocket upgrade: HTTP 403 Forbidden"));
}

TEST(WebSocketConnect, AnEndlessAnswerIsCutAt16KiB) {
    auto pair = socket_pair();
    auto* server = pair.server.get();
    std::thread answering([&] {
        server->receive_head();
        server->send("HTTP/1.1 101 Switching Protocols\r\n" + std::string(20000, 'h'));
    });
    auto upgraded = websocket_connect(std::move(pair.client), {"broker", "/mqtt"},
                                      std::chrono::steady_clock::now() + kPatience);
    answering.join();
    ASSERT_TRUE(std::holds_alternative<StepFailure>(upgraded));
    EXPECT_EQ(std::get<StepFailure>(upgraded).reason,
              "the server's answer to the WebSocket upgrade is over 16 KiB");
}

}  // namespace
}  // namespace defender::mqtt
