// SPDX-License-Identifier: Apache-2.0
#pragma once
// MQTT 3.1.1 packets, as far as a device client needs them: encoders for what it sends and an
// incremental reader for what a broker sends it. Pure functions over bytes, no I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "defender/result.hpp"
#include "defender/transport.hpp"

namespace defender::mqtt {

/// Largest remaining length MQTT can express (4 length bytes).
inline constexpr std::size_t kMaxRemainingLength = 268'435'455;

struct ConnectPacket {
    std::string client_id;
    std::uint16_t keep_alive_seconds = 60;
    bool clean_session = false;
};

/// CONNECT (protocol level 4, no will, no user name or password). Error: client id longer
/// than 65 535 bytes, not UTF-8 or containing a NUL, or empty without a clean session.
Result<std::string> encode_connect(const ConnectPacket& packet);
/// PUBLISH with QoS 1 and `packet_id` (non-zero), or QoS 0 when `packet_id` is 0 (then `dup`
/// must be false). Error: empty topic, topic longer than 65 535 bytes, not UTF-8 or
/// containing '+', '#' or a NUL, dup with QoS 0, packet larger than kMaxRemainingLength.
Result<std::string> encode_publish(std::string_view topic, std::string_view payload,
                                   std::uint16_t packet_id, bool dup);
/// PUBACK for an incoming QoS 1 PUBLISH.
std::string encode_puback(std::uint16_t packet_id);
/// SUBSCRIBE, every filter with QoS 1. Error: no filters, an empty filter, one longer than
/// 65 535 bytes, not UTF-8 or containing a NUL, or packet_id 0.
Result<std::string> encode_subscribe(std::uint16_t packet_id,
                                     const std::vector<std::string>& topic_filters);
std::string encode_pingreq();
std::string encode_disconnect();

struct Connack {
    bool session_present = false;
    std::uint8_t return_code = 0;  ///< 0 accepted, 1..5 refusals (MQTT 3.1.1 §3.2.2.3)
};
struct IncomingPublish {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool dup = false;
    bool retain = false;
    std::uint16_t packet_id = 0;  ///< 0 for QoS 0
    /// A PUBLISH over the reader's limit: its payload (this many bytes) was skipped, not
    /// kept, and `payload` is empty; topic, QoS and packet id are real (it can be acked).
    std::size_t skipped_payload_bytes = 0;
};
struct Puback {
    std::uint16_t packet_id = 0;
};
struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> return_codes;  ///< 0x00..0x02 granted QoS, 0x80 failure
};
struct Pingresp {};
using IncomingPacket = std::variant<Connack, IncomingPublish, Puback, Suback, Pingresp>;

/// Splits the byte stream from a broker into packets. Feed bytes as they arrive, then call
/// next() until it returns nullopt (more bytes needed). After an error the stream is
/// unusable (the connection must be closed).
///
/// Memory: fed in pieces of at most N bytes with next() drained after each, the reader holds
/// at most max_packet_bytes + 5 + N bytes (one packet, its fixed header and one piece) however
/// long the stream; an oversize PUBLISH costs only its topic. Feeding a whole stream before
/// parsing buffers all of it: never do that with a socket that keeps delivering.
class PacketReader {
public:
    /// Packets whose remaining length exceeds `max_packet_bytes` are an error, detected from
    /// the fixed header before the body is buffered; except a PUBLISH, whose payload is then
    /// skipped as it streams in (see IncomingPublish::skipped_payload_bytes), so that a
    /// broker redelivering an oversize message cannot wedge the session.
    explicit PacketReader(std::size_t max_packet_bytes = kMaxIncomingMessageBytes);

    void feed(std::string_view bytes);
    /// The next complete packet; nullopt when more bytes are needed. Error (one line naming
    /// the problem, e.g. "malformed MQTT packet: SUBACK of 1 bytes"): a packet type a broker
    /// must not send, reserved flag bits set, a length that does not fit its type, a
    /// remaining length over 4 bytes or over the limit, QoS 3, a PUBLISH topic with
    /// wildcards, a QoS 1/2 PUBLISH with packet id 0. After an error every next() returns it
    /// again until reset().
    Result<std::optional<IncomingPacket>> next();
    /// Bytes fed but not yet returned as packets.
    std::size_t buffered() const;
    /// Bytes held in memory: buffered() plus returned ones not yet discarded.
    std::size_t held_bytes() const;
    /// Forgets the bytes and the error: ready for a new connection.
    void reset();

private:
    Result<std::optional<IncomingPacket>> parse_next();
    Result<std::optional<IncomingPacket>> skip_oversize_publish(std::uint8_t first_byte,
                                                                std::size_t remaining,
                                                                std::size_t header_bytes);
    void discard_consumed();

    std::size_t max_packet_bytes_;
    std::string buffer_;
    std::size_t consumed_ = 0;
    bool failed_ = false;
    std::string error_;
    std::size_t skip_ = 0;  // payload bytes of an oversize PUBLISH still to drop
};

}  // namespace defender::mqtt
