// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "transport/mqtt/mqtt_packets.hpp"

namespace defender::mqtt {
namespace {

// Plain substring checks: gmock is not among the packages of the cross builds.
::testing::AssertionResult HasSubstr(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << '"' << text << "\" lacks \"" << part << '"';
}
::testing::AssertionResult StartsWith(const std::string& text, const std::string& prefix) {
    if (text.starts_with(prefix)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << '"' << text << "\" does not start with \"" << prefix << '"';
}

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values)
        out += static_cast<char>(value);
    return out;
}

// ---- Encoders, byte for byte (MQTT 3.1.1 §3) ----

TEST(MqttPacketsEncode, ConnectWithoutCleanSessionKeepAlive60) {
    const auto packet = encode_connect({"defender", 60, false});
    ASSERT_TRUE(packet) << packet.error().message;
    EXPECT_EQ(*packet, bytes({0x10, 0x14, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00,
                              0x3c, 0x00, 0x08, 'd',  'e', 'f', 'e', 'n', 'd',  'e',  'r'}));
}

TEST(MqttPacketsEncode, ConnectWithCleanSessionKeepAlive1200) {
    const auto packet = encode_connect({"dev-1", 1200, true});
    ASSERT_TRUE(packet) << packet.error().message;
    EXPECT_EQ(*packet, bytes({0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x04, 0xb0,
                              0x00, 0x05, 'd', 'e', 'v', '-', '1'}));
}

TEST(MqttPacketsEncode, ConnectWithEmptyClientIdNeedsACleanSession) {
    const auto clean = encode_connect({"", 30, true});
    ASSERT_TRUE(clean) << clean.error().message;
    EXPECT_EQ(*clean, bytes({0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x1e,
                             0x00, 0x00}));
    const auto kept = encode_connect({"", 30, false});
    ASSERT_FALSE(kept);
    EXPECT_TRUE(HasSubstr(kept.error().message, "empty client id"));
}

TEST(MqttPacketsEncode, ConnectRejectsBadClientIds) {
    const auto too_long = encode_connect({std::string(65'536, 'a'), 60, true});
    ASSERT_FALSE(too_long);
    EXPECT_TRUE(HasSubstr(too_long.error().message, "65536 bytes"));
    EXPECT_TRUE(encode_connect({std::string(65'535, 'a'), 60, true}));
    const auto nul = encode_connect({std::string("a\0b", 3), 60, true});
    ASSERT_FALSE(nul);
    EXPECT_TRUE(HasSubstr(nul.error().message, "NUL"));
    const auto not_utf8 = encode_connect({"a\xff", 60, true});
    ASSERT_FALSE(not_utf8);
    EXPECT_TRUE(HasSubstr(not_utf8.error().message, "UTF-8"));
}

TEST(MqttPacketsEncode, PublishQos1WithAndWithoutDup) {
    const auto first = encode_publish("a/b", "hi", 10, false);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, bytes({0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0a, 'h', 'i'}));
    const auto again = encode_publish("a/b", "hi", 0x1234, true);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, bytes({0x3a, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34, 'h', 'i'}));
}

TEST(MqttPacketsEncode, PublishQos0) {
    const auto packet = encode_publish("t", "", 0, false);
    ASSERT_TRUE(packet) << packet.error().message;
    EXPECT_EQ(*packet, bytes({0x30, 0x03, 0x00, 0x01, 't'}));
}

TEST(MqttPacketsEncode, PublishErrors) {
    struct Case {
        std::string topic;
        std::uint16_t packet_id;
        bool dup;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"", 1, false, "topic is empty"},
        {"a/+/b", 1, false, "'+'"},
        {"a/#", 1, false, "'#'"},
        {std::string("a\0b", 3), 1, false, "NUL"},
        {"a\xc0\x80", 1, false, "UTF-8"},  // overlong NUL
        {std::string(65'536, 't'), 1, false, "65536 bytes"},
        {"t", 0, true, "DUP"},
    };
    for (const auto& c : cases) {
        const auto packet = encode_publish(c.topic, "x", c.packet_id, c.dup);
        ASSERT_FALSE(packet) << c.expected;
        EXPECT_TRUE(StartsWith(packet.error().message, "cannot encode MQTT PUBLISH: "));
        EXPECT_TRUE(HasSubstr(packet.error().message, c.expected));
    }
}

TEST(MqttPacketsEncode, Puback) {
    EXPECT_EQ(encode_puback(0xbeef), bytes({0x40, 0x02, 0xbe, 0xef}));
}

TEST(MqttPacketsEncode, SubscribeWithTwoFilters) {
    const auto packet = encode_subscribe(10, {"a/b", "c/#"});
    ASSERT_TRUE(packet) << packet.error().message;
    EXPECT_EQ(*packet, bytes({0x82, 0x0e, 0x00, 0x0a, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03,
                              'c', '/', '#', 0x01}));
}

TEST(MqttPacketsEncode, SubscribeErrors) {
    EXPECT_TRUE(HasSubstr(encode_subscribe(0, {"a"}).error().message, "packet id 0"));
    EXPECT_TRUE(HasSubstr(encode_subscribe(1, {}).error().message, "no topic filters"));
    EXPECT_TRUE(HasSubstr(encode_subscribe(1, {"a", ""}).error().message, "empty topic filter"));
    EXPECT_TRUE(
        HasSubstr(encode_subscribe(1, {std::string(65'536, 'f')}).error().message, "65536 bytes"));
    EXPECT_TRUE(HasSubstr(encode_subscribe(1, {std::string("a\0", 2)}).error().message, "NUL"));
}

TEST(MqttPacketsEncode, PingreqAndDisconnect) {
    EXPECT_EQ(encode_pingreq(), bytes({0xc0, 0x00}));
    EXPECT_EQ(encode_disconnect(), bytes({0xe0, 0x00}));
}

// A QoS 0 PUBLISH to "t" has a remaining length of 3 + payload bytes.
std::string header_of_publish_with_remaining_length(std::size_t remaining_length) {
    const auto packet = encode_publish("t", std::string(remaining_length - 3, 'p'), 0, false);
    EXPECT_TRUE(packet);
    return packet->substr(0, packet->size() - remaining_length);
}

TEST(MqttPacketsEncode, RemainingLengthBoundaries) {
    EXPECT_EQ(encode_pingreq().substr(1), bytes({0x00}));  // 0
    EXPECT_EQ(header_of_publish_with_remaining_length(127), bytes({0x30, 0x7f}));
    EXPECT_EQ(header_of_publish_with_remaining_length(128), bytes({0x30, 0x80, 0x01}));
    EXPECT_EQ(header_of_publish_with_remaining_length(16'383), bytes({0x30, 0xff, 0x7f}));
    EXPECT_EQ(header_of_publish_with_remaining_length(16'384), bytes({0x30, 0x80, 0x80, 0x01}));
    EXPECT_EQ(header_of_publish_with_remaining_length(2'097'151), bytes({0x30, 0xff, 0xff, 0x7f}));
    EXPECT_EQ(header_of_publish_with_remaining_length(2'097'152),
              bytes({0x30, 0x80, 0x80, 0x80, 0x01}));
}

// ---- Reader ----

IncomingPacket next_packet(PacketReader& reader) {
    auto packet = reader.next();
    if (!packet) ADD_FAILURE() << packet.error().message;
    if (packet && !*packet) ADD_FAILURE() << "no packet";
    return packet && *packet ? **packet : IncomingPacket{};
}

void expect_no_packet(PacketReader& reader) {
    const auto packet = reader.next();
    ASSERT_TRUE(packet) << packet.error().message;
    EXPECT_FALSE(*packet);
}

std::string error_of(const std::string& stream, std::size_t max_packet_bytes = 256 * 1024) {
    PacketReader reader(max_packet_bytes);
    reader.feed(stream);
    for (int i = 0; i < 10; ++i) {
        const auto packet = reader.next();
        if (!packet) return packet.error().message;
        if (!*packet) return "no error";
    }
    return "no error";
}

TEST(MqttPacketsRead, Connack) {
    PacketReader reader;
    reader.feed(bytes({0x20, 0x02, 0x01, 0x00, 0x20, 0x02, 0x00, 0x05}));
    const auto accepted = std::get<Connack>(next_packet(reader));
    EXPECT_TRUE(accepted.session_present);
    EXPECT_EQ(accepted.return_code, 0);
    const auto refused = std::get<Connack>(next_packet(reader));
    EXPECT_FALSE(refused.session_present);
    EXPECT_EQ(refused.return_code, 5);
    expect_no_packet(reader);
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(MqttPacketsRead, PublishQos0Qos1AndQos2) {
    PacketReader reader;
    reader.feed(bytes({0x31, 0x05, 0x00, 0x01, 't', 'h', 'i'}));              // QoS 0, retain
    reader.feed(bytes({0x3a, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07}));  // QoS 1, dup
    reader.feed(bytes({0x34, 0x06, 0x00, 0x01, 'c', 0xff, 0xfe, 'z'}));       // QoS 2
    const auto qos0 = std::get<IncomingPublish>(next_packet(reader));
    EXPECT_EQ(qos0.topic, "t");
    EXPECT_EQ(qos0.payload, "hi");
    EXPECT_EQ(qos0.qos, 0);
    EXPECT_TRUE(qos0.retain);
    EXPECT_FALSE(qos0.dup);
    EXPECT_EQ(qos0.packet_id, 0);
    const auto qos1 = std::get<IncomingPublish>(next_packet(reader));
    EXPECT_EQ(qos1.topic, "a/b");
    EXPECT_EQ(qos1.payload, "");
    EXPECT_EQ(qos1.qos, 1);
    EXPECT_TRUE(qos1.dup);
    EXPECT_FALSE(qos1.retain);
    EXPECT_EQ(qos1.packet_id, 7);
    const auto qos2 = std::get<IncomingPublish>(next_packet(reader));
    EXPECT_EQ(qos2.topic, "c");
    EXPECT_EQ(qos2.payload, "z");
    EXPECT_EQ(qos2.qos, 2);
    EXPECT_EQ(qos2.packet_id, 0xfffe);
    expect_no_packet(reader);
}

TEST(MqttPacketsRead, PubackSubackPingresp) {
    PacketReader reader;
    reader.feed(bytes(
        {0x40, 0x02, 0x12, 0x34, 0x90, 0x06, 0x00, 0x09, 0x00, 0x01, 0x02, 0x80, 0xd0, 0x00}));
    EXPECT_EQ(std::get<Puback>(next_packet(reader)).packet_id, 0x1234);
    const auto suback = std::get<Suback>(next_packet(reader));
    EXPECT_EQ(suback.packet_id, 9);
    EXPECT_EQ(suback.return_codes, (std::vector<std::uint8_t>{0x00, 0x01, 0x02, 0x80}));
    EXPECT_TRUE(std::holds_alternative<Pingresp>(next_packet(reader)));
    expect_no_packet(reader);
}

TEST(MqttPacketsRead, ReadsWhatTheEncoderWrites) {
    const auto packet = encode_publish("x/y", std::string(300, 'q'), 42, true);
    ASSERT_TRUE(packet);
    PacketReader reader;
    reader.feed(*packet);
    const auto publish = std::get<IncomingPublish>(next_packet(reader));
    EXPECT_EQ(publish.topic, "x/y");
    EXPECT_EQ(publish.payload, std::string(300, 'q'));
    EXPECT_EQ(publish.packet_id, 42);
    EXPECT_TRUE(publish.dup);
    reader.feed(encode_puback(42));
    EXPECT_EQ(std::get<Puback>(next_packet(reader)).packet_id, 42);
}

std::string mixed_stream() {
    return bytes({0x20, 0x02, 0x00, 0x00}) +
           *encode_publish("a/b", std::string(200, 'x'), 3, false) +
           bytes({0x90, 0x03, 0x00, 0x01, 0x01}) + *encode_publish("c", "d", 0, false) +
           encode_puback(3) + bytes({0xd0, 0x00});
}

void expect_mixed_stream_packets(const std::vector<IncomingPacket>& packets) {
    ASSERT_EQ(packets.size(), 6u);
    EXPECT_TRUE(std::holds_alternative<Connack>(packets[0]));
    EXPECT_EQ(std::get<IncomingPublish>(packets[1]).payload, std::string(200, 'x'));
    EXPECT_EQ(std::get<IncomingPublish>(packets[1]).packet_id, 3);
    EXPECT_EQ(std::get<Suback>(packets[2]).return_codes, std::vector<std::uint8_t>{1});
    EXPECT_EQ(std::get<IncomingPublish>(packets[3]).topic, "c");
    EXPECT_EQ(std::get<Puback>(packets[4]).packet_id, 3);
    EXPECT_TRUE(std::holds_alternative<Pingresp>(packets[5]));
}

std::vector<IncomingPacket> drain(PacketReader& reader) {
    std::vector<IncomingPacket> packets;
    while (true) {
        auto packet = reader.next();
        if (!packet) {
            ADD_FAILURE() << packet.error().message;
            return packets;
        }
        if (!*packet) return packets;
        packets.push_back(std::move(**packet));
    }
}

TEST(MqttPacketsRead, SeveralPacketsInOneFeed) {
    PacketReader reader;
    reader.feed(mixed_stream());
    expect_mixed_stream_packets(drain(reader));
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(MqttPacketsRead, OneByteAtATime) {
    const auto stream = mixed_stream();
    PacketReader reader;
    std::vector<IncomingPacket> packets;
    for (const char byte : stream) {
        reader.feed(std::string_view(&byte, 1));
        for (auto& packet : drain(reader))
            packets.push_back(std::move(packet));
    }
    expect_mixed_stream_packets(packets);
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(MqttPacketsRead, SplitAtEveryPosition) {
    const auto stream = mixed_stream();
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        PacketReader reader;
        reader.feed(std::string_view(stream).substr(0, split));
        auto packets = drain(reader);
        reader.feed(std::string_view(stream).substr(split));
        for (auto& packet : drain(reader))
            packets.push_back(std::move(packet));
        SCOPED_TRACE(split);
        expect_mixed_stream_packets(packets);
    }
}

TEST(MqttPacketsRead, FourByteRemainingLength) {
    const auto packet = encode_publish("big", std::string(2'097'152, 'b'), 1, false);
    ASSERT_TRUE(packet);
    ASSERT_EQ(static_cast<std::uint8_t>((*packet)[4]), 0x01);  // a 4-byte length
    PacketReader reader(4 * 1024 * 1024);
    reader.feed(*packet);
    EXPECT_EQ(std::get<IncomingPublish>(next_packet(reader)).payload.size(), 2'097'152u);
}

TEST(MqttPacketsRead, AcceptsANonMinimalLengthEncoding) {
    PacketReader reader;
    reader.feed(bytes({0xd0, 0x80, 0x00}));  // PINGRESP with 0 written in two bytes
    EXPECT_TRUE(std::holds_alternative<Pingresp>(next_packet(reader)));
}

// ---- Malformed and unexpected input ----

struct MalformedCase {
    std::string stream;
    const char* expected;
};

TEST(MqttPacketsMalformed, EachCaseNamesWhatIsWrong) {
    const std::vector<MalformedCase> cases = {
        {bytes({0x10, 0x00}), "CONNECT"},
        {bytes({0x80, 0x00}), "SUBSCRIBE"},
        {bytes({0xa0, 0x00}), "UNSUBSCRIBE"},
        {bytes({0xc0, 0x00}), "PINGREQ"},
        {bytes({0xe0, 0x00}), "DISCONNECT"},
        {bytes({0x00, 0x00}), "reserved type 0"},
        {bytes({0xf0, 0x00}), "reserved type 15"},
        {bytes({0x21, 0x02, 0x00, 0x00}), "CONNACK with fixed header flags 0x01"},
        {bytes({0x48, 0x02, 0x00, 0x01}), "PUBACK with fixed header flags 0x08"},
        {bytes({0x92, 0x03, 0x00, 0x01, 0x00}), "SUBACK with fixed header flags 0x02"},
        {bytes({0xd1, 0x00}), "PINGRESP with fixed header flags 0x01"},
        {bytes({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}), "QoS 3"},
        {bytes({0x38, 0x03, 0x00, 0x01, 't'}), "QoS 0 PUBLISH with DUP set"},
        {bytes({0x20, 0x03, 0x00, 0x00, 0x00}), "CONNACK of 3 bytes (must be 2)"},
        {bytes({0x20, 0x01, 0x00}), "CONNACK of 1 bytes"},
        {bytes({0x20, 0x02, 0x02, 0x00}), "CONNACK acknowledge flags 0x02"},
        {bytes({0x20, 0x02, 0x80, 0x00}), "CONNACK acknowledge flags 0x80"},
        {bytes({0x20, 0x02, 0x00, 0x06}), "CONNACK return code 6"},
        {bytes({0x20, 0x02, 0x01, 0x04}), "session present"},
        {bytes({0x40, 0x03, 0x00, 0x01, 0x00}), "PUBACK of 3 bytes (must be 2)"},
        {bytes({0xd0, 0x01, 0x00}), "PINGRESP of 1 bytes (must be 0)"},
        {bytes({0x90, 0x02, 0x00, 0x01}), "SUBACK of 2 bytes"},
        {bytes({0x90, 0x03, 0x00, 0x01, 0x03}), "SUBACK return code 0x03"},
        {bytes({0x90, 0x03, 0x00, 0x01, 0x81}), "SUBACK return code 0x81"},
        {bytes({0x30, 0x02, 0x00, 0x00}), "PUBLISH of 2 bytes"},
        {bytes({0x32, 0x04, 0x00, 0x01, 't', 0x00}), "PUBLISH of 4 bytes"},
        {bytes({0x30, 0x03, 0x00, 0x00, 'x'}), "PUBLISH topic is empty"},
        {bytes({0x30, 0x04, 0x00, 0x05, 'a', 'b'}), "topic of 5 bytes beyond"},
        {bytes({0x32, 0x06, 0x00, 0x03, 'a', 'b', 'c', 0x01}), "topic of 3 bytes beyond"},
        {bytes({0x30, 0x05, 0x00, 0x03, 'a', '/', '+'}), "wildcard '+'"},
        {bytes({0x30, 0x03, 0x00, 0x01, '#'}), "wildcard '#'"},
        {bytes({0x30, 0x05, 0x00, 0x03, 'a', 0x00, 'b'}), "NUL"},
        {bytes({0x30, 0x05, 0x00, 0x03, 'a', 0xed, 0xa0}), "UTF-8"},
        {bytes({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}), "QoS 1 PUBLISH with packet id 0"},
        {bytes({0x34, 0x05, 0x00, 0x01, 't', 0x00, 0x00}), "QoS 2 PUBLISH with packet id 0"},
        {bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}), "remaining length longer than 4 bytes"},
    };
    for (const auto& c : cases) {
        const auto error = error_of(c.stream);
        EXPECT_TRUE(StartsWith(error, "malformed MQTT packet: ")) << c.expected;
        EXPECT_TRUE(HasSubstr(error, c.expected));
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    }
}

TEST(MqttPacketsMalformed, TypesTheClientNeverProvokesAreUnexpected) {
    EXPECT_EQ(error_of(bytes({0x50, 0x02, 0x00, 0x01})), "unexpected MQTT PUBREC packet");
    EXPECT_EQ(error_of(bytes({0x62, 0x02, 0x00, 0x01})), "unexpected MQTT PUBREL packet");
    EXPECT_EQ(error_of(bytes({0x70, 0x02, 0x00, 0x01})), "unexpected MQTT PUBCOMP packet");
    EXPECT_EQ(error_of(bytes({0xb0, 0x02, 0x00, 0x01})), "unexpected MQTT UNSUBACK packet");
}

TEST(MqttPacketsMalformed, ErrorAfterGoodPacketsAndItSticksUntilReset) {
    PacketReader reader;
    reader.feed(bytes({0xd0, 0x00, 0x20, 0x02, 0x00, 0x09, 0xd0, 0x00}));
    EXPECT_TRUE(std::holds_alternative<Pingresp>(next_packet(reader)));
    const auto first = reader.next();
    ASSERT_FALSE(first);
    EXPECT_TRUE(HasSubstr(first.error().message, "CONNACK return code 9"));
    reader.feed(bytes({0xd0, 0x00}));
    const auto again = reader.next();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, first.error().message);
    reader.reset();
    EXPECT_EQ(reader.buffered(), 0u);
    reader.feed(bytes({0xd0, 0x00}));
    EXPECT_TRUE(std::holds_alternative<Pingresp>(next_packet(reader)));
}

TEST(MqttPacketsMalformed, LimitIsEnforcedFromTheHeaderBeforeTheBody) {
    PacketReader reader(100);
    reader.feed(bytes({0x90, 0x65}));  // a SUBACK with remaining length 101, no body yet
    const auto packet = reader.next();
    ASSERT_FALSE(packet);
    EXPECT_TRUE(HasSubstr(packet.error().message, "SUBACK of 101 bytes over the limit of 100"));

    PacketReader at_limit(100);
    at_limit.feed(*encode_publish("t", std::string(97, 'x'), 0, false));
    EXPECT_EQ(std::get<IncomingPublish>(next_packet(at_limit)).payload.size(), 97u);
}

// An oversize PUBLISH is not an error: its payload is dropped as it streams in, so the
// client can acknowledge it (else a broker redelivers it at every reconnect), and the
// packets after it are read as usual.
TEST(MqttPacketsRead, AnOversizePublishIsSkippedNotBuffered) {
    const std::string big = *encode_publish("a/b", std::string(5000, 'x'), 7, true);
    const std::string after = *encode_publish("c", "next", 8, false);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{700}, big.size()}) {
        PacketReader reader(100);
        std::vector<IncomingPacket> packets;
        const std::string stream = big + after;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            reader.feed(std::string_view(stream).substr(at, chunk));
            EXPECT_LE(reader.held_bytes(), 100u + chunk + 5) << chunk;
            for (auto& packet : drain(reader))
                packets.push_back(std::move(packet));
        }
        ASSERT_EQ(packets.size(), 2u) << chunk;
        const auto& skipped = std::get<IncomingPublish>(packets[0]);
        EXPECT_EQ(skipped.topic, "a/b");
        EXPECT_EQ(skipped.packet_id, 7);
        EXPECT_TRUE(skipped.dup);
        EXPECT_TRUE(skipped.payload.empty());
        EXPECT_EQ(skipped.skipped_payload_bytes, 5000u);
        const auto& next = std::get<IncomingPublish>(packets[1]);
        EXPECT_EQ(next.payload, "next");
        EXPECT_EQ(next.skipped_payload_bytes, 0u);
    }
    // Its topic must still be sound.
    EXPECT_TRUE(HasSubstr(error_of(bytes({0x32, 0xff, 0x01, 0x00, 0x01, '#', 0x00, 0x01}), 100),
                          "malformed MQTT packet"));
}

TEST(MqttPacketsMalformed, TruncatedHeadersWaitForMoreBytes) {
    PacketReader reader;
    reader.feed(bytes({0x30, 0x80, 0x80, 0x80}));  // a 4-byte length, last byte not yet here
    expect_no_packet(reader);
    reader.feed(bytes({0x80}));
    const auto packet = reader.next();
    ASSERT_FALSE(packet);
    EXPECT_TRUE(HasSubstr(packet.error().message, "longer than 4 bytes"));
}

TEST(MqttPacketsMalformed, FeedAfterAnErrorIsNotBuffered) {
    PacketReader reader;
    reader.feed(bytes({0x10, 0x00}));
    EXPECT_FALSE(reader.next());
    const auto held = reader.held_bytes();
    reader.feed(std::string(10'000, 'x'));
    EXPECT_EQ(reader.held_bytes(), held);
}

// ---- Memory ----

TEST(MqttPacketsMemory, BufferIsCompactedPacketByPacket) {
    const auto publish = *encode_publish("t/u", "payload", 5, false);
    PacketReader reader;
    for (int i = 0; i < 10'000; ++i) {
        reader.feed(publish);
        ASSERT_EQ(std::get<IncomingPublish>(next_packet(reader)).packet_id, 5);
        ASSERT_EQ(reader.buffered(), 0u);
        ASSERT_LE(reader.held_bytes(), 2 * publish.size());
    }
}

// A broker flooding at full speed: PUBLISHes just under the limit, then one declaring the
// largest remaining length MQTT allows with its whole body, in reads of one TLS record (and
// of an odd size). Parsed after each read, the reader never holds more than one packet under
// the limit and one read, and the oversize payload (256 MiB) is skipped, never buffered.
TEST(MqttPacketsMemory, AFloodParsedAsItArrivesNeverHoldsMoreThanOnePacketAndOneRead) {
    const std::string topic = "$aws/things/t/defender/metrics/json/accepted";
    const std::string large = *encode_publish(topic, std::string(262'000, 'x'), 0, false);
    // Fixed header, the topic, then a payload of kMaxRemainingLength - 2 - topic bytes.
    const std::string endless_head =
        bytes({0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, static_cast<int>(topic.size())}) + topic;
    const std::size_t endless_payload = kMaxRemainingLength - 2 - topic.size();
    for (const std::size_t chunk : {std::size_t{16384}, std::size_t{4093}}) {
        PacketReader reader;  // the default limit: 256 KiB
        const std::size_t bound = kMaxIncomingMessageBytes + 5 + chunk;
        std::size_t most_held = 0;
        std::vector<IncomingPublish> publishes;
        auto feed_stream = [&](std::string_view head, std::size_t body_bytes,
                               std::string_view body_piece) {
            std::string pending(head);
            std::size_t body_left = body_bytes;
            while (!pending.empty() || body_left > 0) {
                std::string read = pending.substr(0, chunk);
                pending.erase(0, read.size());
                while (read.size() < chunk && body_left > 0) {
                    const auto piece =
                        std::min({chunk - read.size(), body_left, body_piece.size()});
                    read += body_piece.substr(0, piece);
                    body_left -= piece;
                }
                reader.feed(read);
                most_held = std::max(most_held, reader.held_bytes());
                for (auto& packet : drain(reader))
                    publishes.push_back(std::get<IncomingPublish>(std::move(packet)));
            }
        };
        for (int i = 0; i < 40; ++i)
            feed_stream(large, 0, "");
        const std::string zeros(chunk, '\0');
        feed_stream(endless_head, endless_payload, zeros);
        for (int i = 0; i < 3; ++i)
            feed_stream(large, 0, "");

        EXPECT_LE(most_held, bound) << chunk;
        ASSERT_EQ(publishes.size(), 44u) << chunk;
        for (std::size_t i = 0; i < publishes.size(); ++i) {
            EXPECT_EQ(publishes[i].topic, topic) << i;
            if (i == 40) {
                EXPECT_TRUE(publishes[i].payload.empty());
                EXPECT_EQ(publishes[i].skipped_payload_bytes, endless_payload);
            } else {
                EXPECT_EQ(publishes[i].payload.size(), 262'000u) << i;
            }
        }
    }
}

TEST(MqttPacketsMemory, BufferIsCompactedWhenPacketsStraddleFeeds) {
    // Feeding a packet and a half each time leaves a partial packet behind after every drain,
    // so the buffer is never simply empty: only compaction keeps it small.
    std::string stream;
    for (int i = 0; i < 3; ++i)
        stream += *encode_publish("t", "0123456789", 1, false);
    const std::size_t chunk = stream.size() / 2;
    PacketReader reader;
    std::size_t packets = 0;
    for (int i = 0; i < 10'000; ++i) {
        const std::size_t start = (i * chunk) % stream.size();
        const auto part = std::string_view(stream).substr(start, chunk);
        reader.feed(part);
        reader.feed(std::string_view(stream).substr(0, chunk - part.size()));
        packets += drain(reader).size();
        ASSERT_LE(reader.held_bytes(), 4 * stream.size()) << i;
    }
    EXPECT_GT(packets, 9'000u);
}

}  // namespace
}  // namespace defender::mqtt
