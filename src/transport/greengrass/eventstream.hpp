// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file eventstream.hpp
/// AWS event-stream framing (the wire format of Greengrass IPC), written from the
/// specification without the AWS CRT: a 12-byte prelude (total length, headers length,
/// prelude CRC), typed headers, an opaque payload and a trailing CRC-32 (zlib polynomial)
/// over everything before it. All integers are big-endian.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/crc32.hpp"

namespace defender::eventstream {

inline constexpr std::size_t kPreludeBytes = 12;  ///< Total length, headers length, prelude CRC.
inline constexpr std::size_t kTrailerBytes = 4;   ///< The message CRC.
/// A message with no headers and no payload.
inline constexpr std::size_t kMinMessageBytes = kPreludeBytes + kTrailerBytes;
/// The service-side maximum of aws-c-event-stream; the wire would allow up to INT32_MAX.
inline constexpr std::size_t kMaxMessageBytes = 24 * 1024 * 1024;
/// Header names: their length is one byte.
inline constexpr std::size_t kMaxHeaderNameBytes = 255;
/// String and byte-buffer values: INT16_MAX, as the Java implementation (the field is uint16).
inline constexpr std::size_t kMaxHeaderValueBytes = 32767;

/// The frames' CRC-32 (zlib polynomial).
using util::crc32;

/// The ten header value types, with their wire numbers.
enum class HeaderType : std::uint8_t {
    bool_true = 0,
    bool_false = 1,
    byte = 2,
    int16 = 3,
    int32 = 4,
    int64 = 5,
    byte_buf = 6,
    string = 7,
    timestamp = 8,
    uuid = 9,
};

/// Raw bytes (type 6), distinct from a UTF-8 string (type 7).
struct ByteBuf {
    std::string bytes;  ///< the raw bytes
    friend bool operator==(const ByteBuf&, const ByteBuf&) = default;
};
/// Milliseconds since the epoch (type 8), distinct from a plain int64.
struct Timestamp {
    std::int64_t millis = 0;  ///< milliseconds since 1970-01-01T00:00:00Z
    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};
/// A UUID (type 9): 16 raw bytes.
using Uuid = std::array<std::uint8_t, 16>;

/// One value per wire type; booleans carry their value in the type byte.
using HeaderValue = std::variant<bool, std::int8_t, std::int16_t, std::int32_t, std::int64_t,
                                 ByteBuf, std::string, Timestamp, Uuid>;

/// The wire type of `value` (a bool gives bool_true or bool_false).
HeaderType type_of(const HeaderValue& value);

/// One typed header.
struct Header {
    std::string name;   ///< UTF-8, at most 255 bytes
    HeaderValue value;  ///< the typed value
    friend bool operator==(const Header&, const Header&) = default;
};

/// One event-stream message: headers and payload.
struct Message {
    std::vector<Header> headers;  ///< in wire order; names may repeat
    std::string payload;          ///< opaque bytes

    /// The first header named `name` (exact match), or null.
    const HeaderValue* find(std::string_view name) const;
    /// The value of an int32 / string header, or nullopt when absent or of another type.
    std::optional<std::int32_t> int32_header(std::string_view name) const;
    /// The value of a string header, or nullopt when absent or of another type.
    std::optional<std::string> string_header(std::string_view name) const;
    friend bool operator==(const Message&, const Message&) = default;
};

/// Why bytes are not a valid message. The names of the first four are those of the
/// conformance vectors (aws-c-event-stream's checks, in its order).
enum class FrameErrorKind {
    prelude_crc_mismatch,
    message_crc_mismatch,
    invalid_headers_len,
    message_too_short,
    message_too_long,     ///< total length above the decoder's limit
    header_overrun,       ///< a header runs past the headers block, or leaves bytes unused
    unknown_header_type,  ///< a type byte above 9
    trailing_bytes,       ///< decode_message() was given more than one message
    truncated,            ///< decode_message() was given less than one message
};

/// "prelude_crc_mismatch", ... (the vector file's names).
std::string_view to_string(FrameErrorKind kind);

/// A framing error: its kind and a description.
struct FrameError {
    FrameErrorKind kind;  ///< what is wrong
    std::string message;  ///< one line for a human
};

/// A decoded message or why not.
class DecodeResult {
public:
    /// A success.
    DecodeResult(Message message) : state_(std::move(message)) {}
    /// A failure.
    DecodeResult(FrameError error) : state_(std::move(error)) {}
    /// Whether a message was decoded.
    bool ok() const { return std::holds_alternative<Message>(state_); }
    /// The message; only when ok().
    const Message& message() const { return std::get<Message>(state_); }
    /// The message; only when ok().
    Message& message() { return std::get<Message>(state_); }
    /// The error; only when !ok().
    const FrameError& error() const { return std::get<FrameError>(state_); }

private:
    std::variant<Message, FrameError> state_;
};

/// Exactly one whole message in `bytes`.
DecodeResult decode_message(std::string_view bytes,
                            std::size_t max_message_bytes = kMaxMessageBytes);

/// The wire bytes, or nullopt with `why` set when a limit is broken (header name over 255
/// bytes, a value over 32767 bytes, the whole over `max_message_bytes`).
std::optional<std::string> encode_message(const Message& message, std::string* why = nullptr,
                                          std::size_t max_message_bytes = kMaxMessageBytes);

/// Reassembles messages from a byte stream that arrives in arbitrary pieces: split messages,
/// several in one read. After the first error the stream cannot be trusted (there is no way
/// to find the next message boundary), so the decoder stays failed.
class StreamDecoder {
public:
    /// A decoder rejecting messages longer than `max_message_bytes`.
    explicit StreamDecoder(std::size_t max_message_bytes = kMaxMessageBytes)
        : max_message_bytes_(max_message_bytes) {}

    /// Appends `bytes` and moves every message now complete into `out`; the error on bad
    /// framing (messages completed before it are still in `out`).
    std::optional<FrameError> feed(std::string_view bytes, std::vector<Message>& out);

    /// Bytes held for a message not yet complete.
    std::size_t buffered() const { return buffer_.size(); }
    /// Whether feed() has reported an error (every later feed() reports it again).
    bool failed() const { return failed_.has_value(); }

private:
    std::size_t max_message_bytes_;
    std::string buffer_;
    std::optional<FrameError> failed_;
};

}  // namespace defender::eventstream
