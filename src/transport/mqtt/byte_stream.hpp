// SPDX-License-Identifier: Apache-2.0
#pragma once
// The byte stream under an MQTT session, after coreMQTT's transport interface: non-blocking
// reads and writes, an orderly close, and a file descriptor to poll. TLS over TCP, plain TCP,
// WebSocket over either, and a test's socketpair all look the same to MqttSession.

#include <cstddef>
#include <string>

namespace defender::mqtt {

/// What a non-blocking read or write did.
struct IoOutcome {
    enum class Kind { Transferred, WouldBlock, Closed, Failed };
    Kind kind = Kind::Failed;
    std::size_t bytes = 0;  ///< for Transferred
    std::string reason;     ///< for Closed and Failed: one line, e.g. "connection reset by peer"
    /// For WouldBlock: the socket must become writable (not readable) before retrying.
    bool wants_write = false;

    static IoOutcome transferred(std::size_t bytes) {
        return IoOutcome{
            .kind = Kind::Transferred, .bytes = bytes, .reason = {}, .wants_write = false};
    }
    static IoOutcome would_block(bool wants_write) {
        return IoOutcome{
            .kind = Kind::WouldBlock, .bytes = 0, .reason = {}, .wants_write = wants_write};
    }
    static IoOutcome closed(std::string reason) {
        return IoOutcome{
            .kind = Kind::Closed, .bytes = 0, .reason = std::move(reason), .wants_write = false};
    }
    static IoOutcome failed(std::string reason) {
        return IoOutcome{
            .kind = Kind::Failed, .bytes = 0, .reason = std::move(reason), .wants_write = false};
    }
};

/// A connected, non-blocking byte stream. Not thread-safe: callers serialize all calls.
class ByteStream {
public:
    virtual ~ByteStream() = default;
    /// Bytes into `buffer`, without blocking. WouldBlock: poll fd() for what wants_write says.
    virtual IoOutcome read_some(char* buffer, std::size_t capacity) = 0;
    /// Sends up to `size` bytes, without blocking. After WouldBlock the same bytes must be
    /// offered again (a TLS record or WebSocket frame may be half written).
    virtual IoOutcome write_some(const char* data, std::size_t size) = 0;
    /// Bytes already received and decoded, which poll() on fd() would not announce.
    virtual std::size_t pending() const = 0;
    /// Best-effort orderly close (TLS close_notify, WebSocket close frame); does not wait.
    virtual void close() = 0;
    /// The socket to poll.
    virtual int fd() const = 0;
};

}  // namespace defender::mqtt
