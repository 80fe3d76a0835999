// SPDX-License-Identifier: Apache-2.0
#pragma once
// MQTT over WebSocket (RFC 6455) as a ByteStream over another one (TLS for wss, the socket for
// ws): the HTTP/1.1 Upgrade with the `mqtt` subprotocol, then masked binary frames out, the
// server's frames decoded in (ping answered with pong, close answered and reported), so that
// MqttSession sees a plain byte stream.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "transport/mqtt/byte_stream.hpp"
#include "transport/mqtt/step_failure.hpp"
#include "transport/mqtt/websocket_frames.hpp"

namespace defender::mqtt {

struct WebSocketRequest {
    std::string host_header;     ///< "endpoint", or "endpoint:port" for a non-default port
    std::string path_and_query;  ///< e.g. "/mqtt?X-Amz-Algorithm=..."
};

/// The Host header for `host` and `port`: the port only when it is not the scheme's default
/// (443 for wss, 80 for ws), as browsers and the AWS SDKs send it; IPv6 literals bracketed.
std::string websocket_host_header(const std::string& host, std::uint16_t port, bool tls);

/// The upgrade request (RFC 6455 4.1) with `key` (base64 of 16 random bytes) and
/// Sec-WebSocket-Protocol: mqtt.
std::string websocket_upgrade_request(const WebSocketRequest& request, std::string_view key);

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 4.2.2.
std::string websocket_accept_for(std::string_view key);

/// Checks the server's answer (its head, up to and with the blank line) to an upgrade with
/// `key`: status 101, Upgrade: websocket, Connection: upgrade, the right Sec-WebSocket-Accept,
/// no subprotocol but mqtt. nullopt when accepted, else why not, e.g. "the server refused the
/// WebSocket upgrade: HTTP 403 Forbidden".
std::optional<std::string> check_websocket_upgrade(std::string_view head, std::string_view key);

/// Performs the upgrade on `inner` (connected; TLS already up for wss) within `deadline`.
/// Reasons are one line without the "connect to host:port failed: " prefix.
std::variant<std::unique_ptr<ByteStream>, StepFailure> websocket_connect(
    std::unique_ptr<ByteStream> inner, const WebSocketRequest& request,
    std::chrono::steady_clock::time_point deadline);

/// The framed stream after a successful upgrade. Not thread-safe, as every ByteStream.
class WebSocketStream final : public ByteStream {
public:
    /// `received`: bytes that came after the upgrade answer (the start of the frames).
    WebSocketStream(std::unique_ptr<ByteStream> inner, std::string received);

    /// Payload of the server's binary frames. Pings are answered, a Close frame is answered
    /// and reported as Closed ("the broker closed the WebSocket (code 1000)").
    IoOutcome read_some(char* buffer, std::size_t capacity) override;
    /// One masked binary frame of up to 16 KiB of `data`; after WouldBlock the same bytes
    /// must be offered again (the frame is finished first).
    IoOutcome write_some(const char* data, std::size_t size) override;
    std::size_t pending() const override;
    /// A Close frame (best effort), then the inner stream's close.
    void close() override;
    int fd() const override { return inner_->fd(); }

private:
    IoOutcome flush();
    void queue_control(websocket::Opcode opcode, std::string_view payload);

    std::unique_ptr<ByteStream> inner_;
    websocket::FrameDecoder decoder_;
    std::string data_;  // decoded payload not yet read
    std::size_t data_offset_ = 0;
    std::string raw_;  // undecoded bytes from the upgrade
    std::string out_;  // the frame being written: unchanged until wholly written
    std::size_t out_offset_ = 0;
    std::size_t out_data_bytes_ = 0;         // caller bytes the frame in out_ carries (0: control)
    std::vector<std::string> controls_out_;  // pong and close frames waiting for out_
    bool close_sent_ = false;
    std::optional<std::string> closed_reason_;  // the server's Close frame, or a bad frame
    bool failed_ = false;
};

}  // namespace defender::mqtt
