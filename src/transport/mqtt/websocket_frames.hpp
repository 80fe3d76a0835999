// SPDX-License-Identifier: Apache-2.0
#pragma once
// RFC 6455 framing for a WebSocket client carrying MQTT, pure (no I/O): the client's masked
// frames, and a streaming decoder of the server's frames. The decoder holds at most one frame
// header and one control payload (125 bytes) whatever length a frame declares: data payload
// bytes are handed on as they arrive, never gathered into a frame.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "defender/result.hpp"

namespace defender::mqtt::websocket {

enum class Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xa,
};

/// Largest payload of a control frame (close, ping, pong), RFC 6455 5.5.
inline constexpr std::size_t kMaxControlPayload = 125;

/// Close status codes (RFC 6455 7.4.1) the client sends.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;

using MaskKey = std::array<std::uint8_t, 4>;

/// One client frame with FIN set, its payload masked with `mask` (RFC 6455 5.3). A control
/// frame's payload is cut to kMaxControlPayload bytes.
std::string encode_client_frame(Opcode opcode, std::string_view payload, const MaskKey& mask);

/// The payload of a Close frame: the status code (big-endian), then `reason`.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

/// A Close frame's payload in words: "code 1000", "code 1008: reason", "no status code".
std::string describe_close(std::string_view payload);

/// A complete control frame from the server.
struct ControlFrame {
    Opcode opcode = Opcode::Close;
    std::string payload;  ///< at most kMaxControlPayload bytes
};

/// Decodes the server's frames from the byte stream, split anywhere.
class FrameDecoder {
public:
    /// Consumes `bytes`: the payload of binary data frames (and of their continuation frames)
    /// is appended to `data`, complete control frames to `controls`. Bytes after a Close
    /// frame are ignored. Error (one line starting "malformed WebSocket frame: ") for what
    /// RFC 6455 or MQTT over WebSocket forbids a server: a masked frame, reserved bits set
    /// (no extension was negotiated), an unknown opcode, a text frame, a control frame that
    /// is fragmented or longer than 125 bytes, a continuation outside a fragmented message,
    /// a new data frame inside one, a 64-bit length with its top bit set. After an error
    /// every call returns it again.
    Status feed(std::string_view bytes, std::string& data, std::vector<ControlFrame>& controls);
    /// A Close frame came.
    bool closed() const { return closed_; }
    /// Bytes held: a partial header and a partial control payload.
    std::size_t held_bytes() const { return header_size_ + control_payload_.size(); }

private:
    Status fail(std::string why);
    Status check_start();
    std::size_t header_length() const;
    void start_payload();
    void finish_frame(std::vector<ControlFrame>& controls);

    std::array<std::uint8_t, 14> header_{};
    std::size_t header_size_ = 0;
    bool in_payload_ = false;
    Opcode opcode_ = Opcode::Binary;
    bool fin_ = true;
    std::uint64_t remaining_ = 0;
    bool in_message_ = false;  // a fragmented data message waits for its continuation
    std::string control_payload_;
    bool closed_ = false;
    std::string error_;
};

}  // namespace defender::mqtt::websocket
