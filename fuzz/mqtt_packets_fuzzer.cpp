// SPDX-License-Identifier: Apache-2.0
// The MQTT packet reader: any bytes, fed in chunks whose sizes the input chooses, and every
// packet that can be re-encoded read back the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "transport/mqtt/mqtt_packets.hpp"

namespace {

using defender::mqtt::IncomingPacket;
using defender::mqtt::IncomingPublish;
using defender::mqtt::PacketReader;
using defender::mqtt::Puback;

constexpr std::size_t kMaxPacketBytes = 4096;

IncomingPacket read_one(std::string_view bytes) {
    PacketReader reader(kMaxPacketBytes);
    reader.feed(bytes);
    auto packet = reader.next();
    if (!packet || !*packet || reader.buffered() != 0) __builtin_trap();
    return std::move(**packet);
}

void check_publish_round_trip(const IncomingPublish& publish) {
    // The encoder writes QoS 1 for any packet id and QoS 0 without one; QoS 2 comes back as 1.
    const auto encoded = defender::mqtt::encode_publish(publish.topic, publish.payload,
                                                        publish.packet_id, publish.dup);
    if (!encoded) __builtin_trap();
    const auto again = std::get<IncomingPublish>(read_one(*encoded));
    if (again.topic != publish.topic || again.payload != publish.payload ||
        again.packet_id != publish.packet_id || again.dup != publish.dup || again.retain ||
        again.qos != (publish.qos == 0 ? 0 : 1)) {
        __builtin_trap();
    }
}

void check_round_trip(const IncomingPacket& packet) {
    if (const auto* publish = std::get_if<IncomingPublish>(&packet)) {
        check_publish_round_trip(*publish);
    } else if (const auto* puback = std::get_if<Puback>(&packet)) {
        const auto again = read_one(defender::mqtt::encode_puback(puback->packet_id));
        if (std::get<Puback>(again).packet_id != puback->packet_id) __builtin_trap();
    }
}

/// Drains the reader; false once it reported an error (which must then stick).
bool drain(PacketReader& reader) {
    while (true) {
        auto packet = reader.next();
        if (!packet) {
            const auto again = reader.next();
            if (again || again.error().message != packet.error().message) __builtin_trap();
            return false;
        }
        if (!*packet) return true;
        check_round_trip(**packet);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte seeds the chunk sizes (1..64 bytes); the rest is the stream.
    std::uint32_t chunk_state = data[0];
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    PacketReader reader(kMaxPacketBytes);
    std::size_t offset = 0;
    while (offset < stream.size()) {
        chunk_state = chunk_state * 1'103'515'245u + 12'345u;
        const std::size_t chunk = 1 + (chunk_state >> 16) % 64;
        reader.feed(stream.substr(offset, chunk));
        offset += chunk;
        if (reader.buffered() > kMaxPacketBytes + 5 + 64) __builtin_trap();
        if (!drain(reader)) break;
    }
    return 0;
}
