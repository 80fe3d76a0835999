// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/mqtt_packets.hpp"

#include <array>
#include <utility>

namespace defender::mqtt {
namespace {

constexpr std::size_t kMaxStringBytes = 65'535;
constexpr std::size_t kMaxLengthBytes = 4;

enum PacketType : std::uint8_t {
    kConnect = 1,
    kConnack = 2,
    kPublish = 3,
    kPuback = 4,
    kPubrec = 5,
    kPubrel = 6,
    kPubcomp = 7,
    kSubscribe = 8,
    kSuback = 9,
    kUnsubscribe = 10,
    kUnsuback = 11,
    kPingreq = 12,
    kPingresp = 13,
    kDisconnect = 14,
};

std::string type_name(std::uint8_t type) {
    static constexpr std::array<const char*, 16> kNames = {
        "reserved type 0", "CONNECT",  "CONNACK",    "PUBLISH",         "PUBACK",      "PUBREC",
        "PUBREL",          "PUBCOMP",  "SUBSCRIBE",  "SUBACK",          "UNSUBSCRIBE", "UNSUBACK",
        "PINGREQ",         "PINGRESP", "DISCONNECT", "reserved type 15"};
    return kNames[type & 0x0f];
}

Error malformed(const std::string& what) {
    return Error{"malformed MQTT packet: " + what};
}

std::string hex(unsigned value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text = "0x";
    text += kDigits[(value >> 4) & 0x0f];
    text += kDigits[value & 0x0f];
    return text;
}

// ---- Encoding ----

void append_u16(std::string& out, std::uint16_t value) {
    out += static_cast<char>(value >> 8);
    out += static_cast<char>(value & 0xff);
}

void append_string(std::string& out, std::string_view text) {
    append_u16(out, static_cast<std::uint16_t>(text.size()));
    out += text;
}

void append_remaining_length(std::string& out, std::size_t length) {
    do {
        auto digit = static_cast<std::uint8_t>(length % 128);
        length /= 128;
        if (length > 0) digit |= 0x80;
        out += static_cast<char>(digit);
    } while (length > 0);
}

std::string fixed_header(std::uint8_t first_byte, std::size_t remaining_length) {
    std::string out(1, static_cast<char>(first_byte));
    append_remaining_length(out, remaining_length);
    return out;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not well-formed UTF-8
// (overlong forms, surrogates and code points over U+10FFFF included, MQTT 3.1.1 §1.5.3).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
    const auto lead = byte(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;
        if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;
        if (lead == 0xf4) high = 0x8f;
    } else {
        return 0;
    }
    if (text.size() - i < length) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(k) < 0x80 || byte(k) > 0xbf) return 0;
    }
    return length;
}

/// What is wrong with an MQTT UTF-8 string (§1.5.3), or nullptr.
const char* utf8_string_problem(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '\0') return "contains a NUL";
        const auto length = utf8_sequence_length(text, i);
        if (length == 0) return "is not valid UTF-8";
        i += length;
    }
    return nullptr;
}

/// What is wrong with a PUBLISH topic name (§4.7), or nullptr.
const char* topic_name_problem(std::string_view topic) {
    if (topic.empty()) return "is empty";
    if (topic.find('+') != std::string_view::npos) return "contains the wildcard '+'";
    if (topic.find('#') != std::string_view::npos) return "contains the wildcard '#'";
    return utf8_string_problem(topic);
}

// ---- Decoding ----

/// Bounds-checked reads over one packet's body; the caller checks lengths first.
class BodyReader {
public:
    explicit BodyReader(std::string_view body) : body_(body) {}
    std::size_t left() const { return body_.size() - position_; }
    std::uint8_t u8() { return static_cast<std::uint8_t>(body_[position_++]); }
    std::uint16_t u16() {
        const auto high = u8();
        return static_cast<std::uint16_t>(high << 8 | u8());
    }
    std::string_view bytes(std::size_t count) {
        const auto out = body_.substr(position_, count);
        position_ += count;
        return out;
    }

private:
    std::string_view body_;
    std::size_t position_ = 0;
};

/// Rejects, from the first byte alone, what a broker must not send and flags that must be 0.
Status check_type_and_flags(std::uint8_t first_byte) {
    const std::uint8_t type = first_byte >> 4;
    const std::uint8_t flags = first_byte & 0x0f;
    switch (type) {
        case kPublish: {
            const auto qos = (flags >> 1) & 0x03;
            if (qos == 3) return malformed("PUBLISH with QoS 3");
            if (qos == 0 && (flags & 0x08) != 0) return malformed("QoS 0 PUBLISH with DUP set");
            return Done{};
        }
        case kConnack:
        case kPuback:
        case kSuback:
        case kPingresp:
            if (flags != 0) {
                return malformed(type_name(type) + " with fixed header flags " + hex(flags) +
                                 " (must be 0)");
            }
            return Done{};
        case kPubrec:
        case kPubrel:
        case kPubcomp:
        case kUnsuback:
            return Error{"unexpected MQTT " + type_name(type) + " packet"};
        case kConnect:
        case kSubscribe:
        case kUnsubscribe:
        case kPingreq:
        case kDisconnect:
            return malformed(type_name(type) + " sent by the broker (a client-to-server type)");
        default:
            return malformed(type_name(type));
    }
}

/// Rejects a remaining length that cannot fit the packet's type, before its body arrives.
Status check_remaining_length(std::uint8_t first_byte, std::size_t length) {
    const std::uint8_t type = first_byte >> 4;
    const auto wrong = [&](const char* expected) {
        return malformed(type_name(type) + " of " + std::to_string(length) + " bytes (" + expected +
                         ")");
    };
    switch (type) {
        case kConnack:
            return length == 2 ? Status{Done{}} : wrong("must be 2");
        case kPuback:
            return length == 2 ? Status{Done{}} : wrong("must be 2");
        case kPingresp:
            return length == 0 ? Status{Done{}} : wrong("must be 0");
        case kSuback:
            return length >= 3 ? Status{Done{}} : wrong("must be at least 3");
        case kPublish: {
            const bool has_packet_id = (first_byte & 0x06) != 0;
            // Topic length, a topic of at least one byte, and the packet id for QoS 1 and 2.
            const std::size_t minimum = has_packet_id ? 5 : 3;
            return length >= minimum ? Status{Done{}}
                                     : wrong(has_packet_id ? "must be at least 5 with QoS 1 or 2"
                                                           : "must be at least 3");
        }
        default:
            return Done{};
    }
}

Result<IncomingPacket> decode_connack(BodyReader body) {
    const auto acknowledge_flags = body.u8();
    const auto return_code = body.u8();
    if ((acknowledge_flags & 0xfe) != 0) {
        return malformed("CONNACK acknowledge flags " + hex(acknowledge_flags) +
                         " (bits 7..1 must be 0)");
    }
    if (return_code > 5) return malformed("CONNACK return code " + std::to_string(return_code));
    const bool session_present = (acknowledge_flags & 0x01) != 0;
    if (session_present && return_code != 0) {
        return malformed("CONNACK refusal " + std::to_string(return_code) +
                         " with session present set");
    }
    return IncomingPacket{Connack{session_present, return_code}};
}

Result<IncomingPacket> decode_publish(std::uint8_t flags, BodyReader body) {
    IncomingPublish publish;
    publish.qos = static_cast<std::uint8_t>((flags >> 1) & 0x03);
    publish.dup = (flags & 0x08) != 0;
    publish.retain = (flags & 0x01) != 0;
    const auto topic_length = body.u16();
    const std::size_t packet_id_length = publish.qos > 0 ? 2 : 0;
    if (topic_length + packet_id_length > body.left()) {
        return malformed("PUBLISH topic of " + std::to_string(topic_length) +
                         " bytes beyond the packet's end");
    }
    publish.topic = body.bytes(topic_length);
    if (const char* problem = topic_name_problem(publish.topic)) {
        return malformed(std::string("PUBLISH topic ") + problem);
    }
    if (publish.qos > 0) {
        publish.packet_id = body.u16();
        if (publish.packet_id == 0) {
            return malformed("QoS " + std::to_string(publish.qos) + " PUBLISH with packet id 0");
        }
    }
    publish.payload = body.bytes(body.left());
    return IncomingPacket{std::move(publish)};
}

Result<IncomingPacket> decode_suback(BodyReader body) {
    Suback suback;
    suback.packet_id = body.u16();
    while (body.left() > 0) {
        const auto code = body.u8();
        if (code > 0x02 && code != 0x80) return malformed("SUBACK return code " + hex(code));
        suback.return_codes.push_back(code);
    }
    return IncomingPacket{std::move(suback)};
}

/// The packet whose header passed check_type_and_flags and check_remaining_length.
Result<IncomingPacket> decode_body(std::uint8_t first_byte, std::string_view body) {
    switch (first_byte >> 4) {
        case kConnack:
            return decode_connack(BodyReader(body));
        case kPublish:
            return decode_publish(first_byte & 0x0f, BodyReader(body));
        case kPuback:
            return IncomingPacket{Puback{BodyReader(body).u16()}};
        case kSuback:
            return decode_suback(BodyReader(body));
        default:
            return IncomingPacket{Pingresp{}};
    }
}

struct RemainingLength {
    std::size_t value = 0;
    std::size_t encoded_bytes = 0;
};

/// The remaining length after the first byte of `header`; nullopt when more bytes are needed.
Result<std::optional<RemainingLength>> decode_remaining_length(std::string_view header) {
    RemainingLength length;
    std::size_t multiplier = 1;
    for (std::size_t i = 1; i < header.size(); ++i) {
        const auto digit = static_cast<std::uint8_t>(header[i]);
        length.value += (digit & 0x7f) * multiplier;
        length.encoded_bytes = i;
        if ((digit & 0x80) == 0) return std::optional<RemainingLength>(length);
        if (i == kMaxLengthBytes) return malformed("remaining length longer than 4 bytes");
        multiplier *= 128;
    }
    return std::optional<RemainingLength>();
}

}  // namespace

Result<std::string> encode_connect(const ConnectPacket& packet) {
    if (packet.client_id.size() > kMaxStringBytes) {
        return Error{"cannot encode MQTT CONNECT: client id of " +
                     std::to_string(packet.client_id.size()) + " bytes (at most 65535)"};
    }
    if (packet.client_id.empty() && !packet.clean_session) {
        return Error{"cannot encode MQTT CONNECT: an empty client id needs a clean session"};
    }
    if (const char* problem = utf8_string_problem(packet.client_id)) {
        return Error{std::string("cannot encode MQTT CONNECT: client id ") + problem};
    }
    std::string body;
    append_string(body, "MQTT");
    body += static_cast<char>(4);  // protocol level 3.1.1
    body += static_cast<char>(packet.clean_session ? 0x02 : 0x00);
    append_u16(body, packet.keep_alive_seconds);
    append_string(body, packet.client_id);
    return fixed_header(kConnect << 4, body.size()) + body;
}

Result<std::string> encode_publish(std::string_view topic, std::string_view payload,
                                   std::uint16_t packet_id, bool dup) {
    if (topic.size() > kMaxStringBytes) {
        return Error{"cannot encode MQTT PUBLISH: topic of " + std::to_string(topic.size()) +
                     " bytes (at most 65535)"};
    }
    if (const char* problem = topic_name_problem(topic)) {
        return Error{std::string("cannot encode MQTT PUBLISH: topic ") + problem};
    }
    if (packet_id == 0 && dup) {
        return Error{"cannot encode MQTT PUBLISH: DUP set on a QoS 0 PUBLISH (packet id 0)"};
    }
    const std::size_t packet_id_length = packet_id != 0 ? 2 : 0;
    const std::size_t variable_length = 2 + topic.size() + packet_id_length;
    if (payload.size() > kMaxRemainingLength - variable_length) {
        return Error{"cannot encode MQTT PUBLISH: payload of " + std::to_string(payload.size()) +
                     " bytes over the packet size limit"};
    }
    std::uint8_t first_byte = kPublish << 4;
    if (packet_id != 0) first_byte |= 0x02;  // QoS 1
    if (dup) first_byte |= 0x08;
    std::string out = fixed_header(first_byte, variable_length + payload.size());
    out.reserve(out.size() + variable_length + payload.size());
    append_string(out, topic);
    if (packet_id != 0) append_u16(out, packet_id);
    out += payload;
    return out;
}

std::string encode_puback(std::uint16_t packet_id) {
    std::string out = fixed_header(kPuback << 4, 2);
    append_u16(out, packet_id);
    return out;
}

Result<std::string> encode_subscribe(std::uint16_t packet_id,
                                     const std::vector<std::string>& topic_filters) {
    if (packet_id == 0) return Error{"cannot encode MQTT SUBSCRIBE: packet id 0"};
    if (topic_filters.empty()) return Error{"cannot encode MQTT SUBSCRIBE: no topic filters"};
    std::string body;
    append_u16(body, packet_id);
    for (const auto& filter : topic_filters) {
        if (filter.empty()) return Error{"cannot encode MQTT SUBSCRIBE: an empty topic filter"};
        if (filter.size() > kMaxStringBytes) {
            return Error{"cannot encode MQTT SUBSCRIBE: topic filter of " +
                         std::to_string(filter.size()) + " bytes (at most 65535)"};
        }
        if (const char* problem = utf8_string_problem(filter)) {
            return Error{std::string("cannot encode MQTT SUBSCRIBE: topic filter ") + problem};
        }
        append_string(body, filter);
        body += static_cast<char>(0x01);  // requested QoS 1
        if (body.size() > kMaxRemainingLength) {
            return Error{"cannot encode MQTT SUBSCRIBE: packet over the size limit"};
        }
    }
    // SUBSCRIBE's fixed header flags are 0010 (§3.8.1).
    return fixed_header(kSubscribe << 4 | 0x02, body.size()) + body;
}

std::string encode_pingreq() {
    return fixed_header(kPingreq << 4, 0);
}

std::string encode_disconnect() {
    return fixed_header(kDisconnect << 4, 0);
}

PacketReader::PacketReader(std::size_t max_packet_bytes) : max_packet_bytes_(max_packet_bytes) {}

void PacketReader::feed(std::string_view bytes) {
    if (failed_) return;
    const std::size_t skipped = std::min(skip_, bytes.size());
    skip_ -= skipped;
    bytes.remove_prefix(skipped);
    discard_consumed();
    buffer_ += bytes;
}

Result<std::optional<IncomingPacket>> PacketReader::next() {
    if (failed_) return Error{error_};
    auto packet = parse_next();
    if (!packet) {
        failed_ = true;
        error_ = packet.error().message;
        return packet;
    }
    if (consumed_ == buffer_.size()) discard_consumed();
    return packet;
}

Result<std::optional<IncomingPacket>> PacketReader::parse_next() {
    const std::string_view pending = std::string_view(buffer_).substr(consumed_);
    if (pending.empty()) return std::optional<IncomingPacket>();
    const auto first_byte = static_cast<std::uint8_t>(pending[0]);
    if (auto checked = check_type_and_flags(first_byte); !checked) return checked.error();

    const auto length = decode_remaining_length(pending.substr(0, 1 + kMaxLengthBytes));
    if (!length) return length.error();
    if (!*length) return std::optional<IncomingPacket>();
    const auto [remaining, length_bytes] = **length;
    if (remaining > max_packet_bytes_ && (first_byte >> 4) == kPublish) {
        return skip_oversize_publish(first_byte, remaining, 1 + length_bytes);
    }
    if (remaining > max_packet_bytes_) {
        return malformed(type_name(first_byte >> 4) + " of " + std::to_string(remaining) +
                         " bytes over the limit of " + std::to_string(max_packet_bytes_));
    }
    if (auto fits = check_remaining_length(first_byte, remaining); !fits) return fits.error();

    const std::size_t header_bytes = 1 + length_bytes;
    if (pending.size() - header_bytes < remaining) return std::optional<IncomingPacket>();
    auto packet = decode_body(first_byte, pending.substr(header_bytes, remaining));
    if (!packet) return packet.error();
    consumed_ += header_bytes + remaining;
    return std::optional<IncomingPacket>(std::move(*packet));
}

// Decodes the variable header (topic, packet id) of an oversize PUBLISH and drops its
// payload: what is buffered now at once, the rest in feed().
Result<std::optional<IncomingPacket>> PacketReader::skip_oversize_publish(
    std::uint8_t first_byte, std::size_t remaining, std::size_t header_bytes) {
    const std::string_view pending = std::string_view(buffer_).substr(consumed_ + header_bytes);
    if (pending.size() < 2) return std::optional<IncomingPacket>();
    const std::size_t qos = (first_byte >> 1) & 0x03;
    const std::size_t variable_header =
        2 +
        (static_cast<std::size_t>(static_cast<std::uint8_t>(pending[0])) << 8 |
         static_cast<std::uint8_t>(pending[1])) +
        (qos > 0 ? 2 : 0);
    if (variable_header > remaining) {
        return malformed("PUBLISH topic of " + std::to_string(variable_header) +
                         " bytes in a packet of " + std::to_string(remaining));
    }
    if (pending.size() < variable_header) return std::optional<IncomingPacket>();
    auto packet = decode_body(first_byte, pending.substr(0, variable_header));
    if (!packet) return packet.error();
    const std::size_t payload = remaining - variable_header;
    const std::size_t buffered_payload = std::min(pending.size() - variable_header, payload);
    std::get<IncomingPublish>(*packet).skipped_payload_bytes = payload;
    consumed_ += header_bytes + variable_header + buffered_payload;
    skip_ = payload - buffered_payload;
    return std::optional<IncomingPacket>(std::move(*packet));
}

std::size_t PacketReader::buffered() const {
    return buffer_.size() - consumed_;
}

std::size_t PacketReader::held_bytes() const {
    return buffer_.size();
}

void PacketReader::reset() {
    skip_ = 0;
    buffer_.clear();
    consumed_ = 0;
    failed_ = false;
    error_.clear();
}

void PacketReader::discard_consumed() {
    // Called before new bytes are appended. With next() drained after each feed (as the class
    // comment asks), what follows the consumed packets is at most one incomplete packet, so
    // moving it keeps the cost linear in the bytes fed, and packets already returned never
    // stay in memory in front of a growing tail.
    if (consumed_ == buffer_.size()) {
        buffer_.clear();
    } else if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
    }
    consumed_ = 0;
}

}  // namespace defender::mqtt
