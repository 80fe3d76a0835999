// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "eventstream_vectors.hpp"
#include "transport/greengrass/byte_order.hpp"
#include "transport/greengrass/eventstream.hpp"

namespace defender::eventstream {
namespace {

using test::generic_vectors;
using test::ipc_vector_names;
using test::read_bin;

TEST(EventStreamVectors, GenericVectorsDecodeAndReencodeOrFailWithTheirClass) {
    const auto vectors = generic_vectors();
    ASSERT_EQ(vectors.size(), 25u);
    int ok = 0;
    int failing = 0;
    for (const auto& vector : vectors) {
        const auto decoded = decode_message(vector.bytes);
        if (vector.expect == "ok") {
            ++ok;
            ASSERT_TRUE(decoded.ok()) << vector.name << ": " << decoded.error().message;
            const auto encoded = encode_message(decoded.message());
            ASSERT_TRUE(encoded.has_value()) << vector.name;
            EXPECT_EQ(*encoded, vector.bytes) << vector.name;
        } else {
            ++failing;
            ASSERT_FALSE(decoded.ok()) << vector.name;
            EXPECT_EQ(to_string(decoded.error().kind), vector.expect)
                << vector.name << ": " << decoded.error().message;
        }
    }
    EXPECT_EQ(ok, 19);
    EXPECT_EQ(failing, 6);
}

TEST(EventStreamVectors, StreamDecoderFailsEveryNegativeVectorWithItsClass) {
    for (const auto& vector : generic_vectors()) {
        if (vector.expect == "ok") continue;
        StreamDecoder decoder;
        std::vector<Message> out;
        // Padding so that a total length past the bytes still lets the CRC check run.
        auto error = decoder.feed(vector.bytes + std::string(64, '\0'), out);
        ASSERT_TRUE(error.has_value()) << vector.name;
        EXPECT_EQ(to_string(error->kind), vector.expect) << vector.name;
        EXPECT_TRUE(out.empty());
        EXPECT_TRUE(decoder.failed());
        EXPECT_TRUE(decoder.feed("more", out).has_value()) << "a failed decoder stays failed";
    }
}

TEST(EventStreamVectors, AllTenHeaderTypesDecodeToTheirValues) {
    const auto vectors = generic_vectors();
    const auto found = std::find_if(vectors.begin(), vectors.end(),
                                    [](const auto& v) { return v.name == "boto_all_types"; });
    ASSERT_NE(found, vectors.end());
    const auto decoded = decode_message(found->bytes);
    ASSERT_TRUE(decoded.ok());
    const auto& headers = decoded.message().headers;
    ASSERT_EQ(headers.size(), 10u);
    EXPECT_EQ(headers[0].value, HeaderValue(true));
    EXPECT_EQ(headers[1].value, HeaderValue(false));
    EXPECT_EQ(headers[2].value, HeaderValue(std::int8_t{2}));
    EXPECT_EQ(headers[3].value, HeaderValue(std::int16_t{3}));
    EXPECT_EQ(headers[4].value, HeaderValue(std::int32_t{4}));
    EXPECT_EQ(headers[5].value, HeaderValue(std::int64_t{5}));
    EXPECT_EQ(headers[6].value, HeaderValue(ByteBuf{"bytes"}));
    EXPECT_EQ(headers[7].value, HeaderValue(std::string("utf8")));
    EXPECT_EQ(headers[8].value, HeaderValue(Timestamp{8}));
    Uuid uuid{};
    const std::string text = "0123456789abcdef";
    std::copy(text.begin(), text.end(), uuid.begin());
    EXPECT_EQ(headers[9].value, HeaderValue(uuid));
    for (std::size_t i = 0; i < headers.size(); ++i)
        EXPECT_EQ(static_cast<std::size_t>(type_of(headers[i].value)), i);
}

TEST(EventStreamVectors, NegativeIntegersKeepTheirSign) {
    for (const auto& vector : generic_vectors()) {
        if (vector.name.rfind("boto_int", 0) != 0) continue;
        const auto decoded = decode_message(vector.bytes);
        ASSERT_TRUE(decoded.ok()) << vector.name;
        ASSERT_EQ(decoded.message().headers.size(), 1u);
        std::visit(
            [&](const auto& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                    EXPECT_EQ(value, -1) << vector.name;
                else
                    ADD_FAILURE() << vector.name << " is not an integer header";
            },
            decoded.message().headers[0].value);
    }
}

TEST(EventStreamVectors, GreengrassVectorsDecodeAndReencodeByteExactly) {
    const auto names = ipc_vector_names();
    ASSERT_EQ(names.size(), 12u);
    for (const auto& name : names) {
        const auto bytes = read_bin(name);
        const auto decoded = decode_message(bytes);
        ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.error().message;
        EXPECT_EQ(encode_message(decoded.message()).value_or(""), bytes) << name;
    }
}

TEST(EventStreamVectors, ConnectCarriesTheTokenAndVersion) {
    const auto decoded = decode_message(read_bin("02_connect_compact"));
    ASSERT_TRUE(decoded.ok());
    const auto& message = decoded.message();
    EXPECT_EQ(message.string_header(":version"), "0.1.0");
    EXPECT_EQ(message.int32_header(":message-type"), 4);
    EXPECT_EQ(message.int32_header(":message-flags"), 0);
    EXPECT_EQ(message.int32_header(":stream-id"), 0);
    EXPECT_EQ(message.string_header(":message-type"), std::nullopt) << "wrong type is absent";
    EXPECT_EQ(message.payload, R"({"authToken":"0123456789ABCDEF"})");
}

std::string all_ok_vectors_concatenated(std::vector<Message>& expected) {
    std::string stream;
    for (const auto& vector : generic_vectors()) {
        if (vector.expect != "ok") continue;
        stream += vector.bytes;
        expected.push_back(decode_message(vector.bytes).message());
    }
    for (const auto& name : ipc_vector_names()) {
        const auto bytes = read_bin(name);
        stream += bytes;
        expected.push_back(decode_message(bytes).message());
    }
    return stream;
}

TEST(EventStreamDecoder, DecodesBackToBackMessagesInOneRead) {
    std::vector<Message> expected;
    const auto stream = all_ok_vectors_concatenated(expected);
    StreamDecoder decoder;
    std::vector<Message> out;
    EXPECT_FALSE(decoder.feed(stream, out).has_value());
    EXPECT_EQ(out, expected);
    EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(EventStreamDecoder, DecodesMessagesSplitAtEveryByte) {
    std::vector<Message> expected;
    const auto stream = all_ok_vectors_concatenated(expected);
    StreamDecoder decoder;
    std::vector<Message> out;
    for (const char byte : stream)
        ASSERT_FALSE(decoder.feed(std::string_view(&byte, 1), out).has_value());
    EXPECT_EQ(out, expected);
}

TEST(EventStreamDecoder, DecodesMessagesSplitAtRandomPoints) {
    std::vector<Message> expected;
    const auto stream = all_ok_vectors_concatenated(expected);
    std::mt19937 random(42);
    for (int round = 0; round < 50; ++round) {
        StreamDecoder decoder;
        std::vector<Message> out;
        std::size_t at = 0;
        while (at < stream.size()) {
            const std::size_t piece = std::uniform_int_distribution<std::size_t>(1, 200)(random);
            ASSERT_FALSE(decoder.feed(std::string_view(stream).substr(at, piece), out));
            at += piece;
        }
        ASSERT_EQ(out, expected) << "round " << round;
    }
}

TEST(EventStreamDecoder, KeepsMessagesBeforeABadOne) {
    std::string stream = read_bin("03_connect_ack_accepted");
    std::string bad = read_bin("05_ping");
    bad.back() ^= 1;
    StreamDecoder decoder;
    std::vector<Message> out;
    const auto error = decoder.feed(stream + bad, out);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->kind, FrameErrorKind::message_crc_mismatch);
    EXPECT_EQ(out.size(), 1u);
}

TEST(EventStreamDecoder, RejectsAMessageOverItsLimitFromThePrelude) {
    Message big;
    big.payload.assign(10'001 - kMinMessageBytes, 'x');
    const auto bytes = encode_message(big).value();
    ASSERT_EQ(bytes.size(), 10'001u);
    StreamDecoder decoder(10'000);
    std::vector<Message> out;
    // The prelude alone is enough to refuse it: no waiting for 10 000 bytes.
    const auto error = decoder.feed(bytes.substr(0, kPreludeBytes), out);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->kind, FrameErrorKind::message_too_long);

    StreamDecoder roomy(10'001);
    EXPECT_FALSE(roomy.feed(bytes, out).has_value());
    EXPECT_EQ(out.size(), 1u);
}

/// A message whose headers block is `block`, with correct CRCs.
std::string frame_with_headers_block(const std::string& block) {
    std::string bytes;
    append_be(bytes, static_cast<std::uint32_t>(kMinMessageBytes + block.size()));
    append_be(bytes, static_cast<std::uint32_t>(block.size()));
    append_be(bytes, crc32(bytes));
    bytes += block;
    append_be(bytes, crc32(bytes));
    return bytes;
}

TEST(EventStreamFraming, RejectsAnUnknownHeaderType) {
    const auto decoded = decode_message(frame_with_headers_block(std::string("\x01x\x0a", 3)));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().kind, FrameErrorKind::unknown_header_type);
    EXPECT_NE(decoded.error().message.find("10"), std::string::npos) << decoded.error().message;
}

TEST(EventStreamFraming, RejectsHeadersRunningPastTheirBlock) {
    const std::vector<std::string> blocks = {
        std::string("\x05x", 2),              // name longer than the block
        std::string("\x01x\x04\x00\x00", 5),  // int32 cut short
        std::string("\x01x\x07\x00\x09"
                    "abc",
                    7),                           // string longer than the block
        std::string("\x01x\x07\x00", 4),          // string length cut short
        std::string("\x01x\x09\x01\x02\x03", 6),  // uuid cut short
    };
    for (const auto& block : blocks) {
        const auto decoded = decode_message(frame_with_headers_block(block));
        ASSERT_FALSE(decoded.ok());
        EXPECT_EQ(decoded.error().kind, FrameErrorKind::header_overrun) << decoded.error().message;
    }
}

TEST(EventStreamFraming, RefusesPartialAndExtraBytes) {
    const auto bytes = read_bin("03_connect_ack_accepted");
    EXPECT_EQ(decode_message(bytes.substr(0, 5)).error().kind, FrameErrorKind::truncated);
    EXPECT_EQ(decode_message(bytes.substr(0, 40)).error().kind, FrameErrorKind::truncated);
    EXPECT_EQ(decode_message(bytes + "x").error().kind, FrameErrorKind::trailing_bytes);
}

TEST(EventStreamFraming, EncodingEnforcesTheLimits) {
    std::string why;
    Message long_name{{{std::string(256, 'n'), std::int32_t{1}}}, ""};
    EXPECT_FALSE(encode_message(long_name, &why).has_value());
    EXPECT_NE(why.find("255"), std::string::npos) << why;

    Message long_value{{{"v", std::string(32768, 'v')}}, ""};
    EXPECT_FALSE(encode_message(long_value, &why).has_value());
    EXPECT_NE(why.find("32767"), std::string::npos) << why;

    Message at_limits{{{std::string(255, 'n'), ByteBuf{std::string(32767, 'b')}}}, ""};
    const auto encoded = encode_message(at_limits);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(decode_message(*encoded).message(), at_limits);

    Message payload{{}, std::string(100, 'p')};
    EXPECT_FALSE(encode_message(payload, &why, 100).has_value());
    EXPECT_NE(why.find("limit of 100"), std::string::npos) << why;
}

TEST(EventStreamFraming, RoundTripsExtremeValuesOfEveryType) {
    Uuid uuid{};
    uuid.fill(0xFF);
    Message message{{{"t", true},
                     {"f", false},
                     {"b", std::int8_t{-128}},
                     {"s", std::int16_t{-32768}},
                     {"i", std::int32_t{INT32_MIN}},
                     {"l", std::int64_t{INT64_MAX}},
                     {"buf", ByteBuf{std::string("\0\xff", 2)}},
                     {"str", std::string("")},
                     {"ts", Timestamp{-1}},
                     {"id", uuid}},
                    std::string("\0payload", 8)};
    const auto encoded = encode_message(message);
    ASSERT_TRUE(encoded.has_value());
    const auto decoded = decode_message(*encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.message(), message);
}

}  // namespace
}  // namespace defender::eventstream
