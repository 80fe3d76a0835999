// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <random>

#include "defender/encode.hpp"
#include "defender/validate.hpp"

namespace defender {
namespace {

// The example report of the contract (spec §2.7), as a model.
Report spec_example() {
    Report report;
    report.report_id = 1700000000;
    Metrics metrics;
    metrics.listening_tcp_ports = PortList{{{22, "eth0"}}, 1};
    metrics.established_connections = ConnectionList{{{"192.0.2.10:443", 51000, "eth0"}}, 1};
    metrics.network_stats = NetworkStats{1024, 2048, 10, 12};
    report.metrics = metrics;
    report.custom_metrics.push_back({"temperature", NumberValue{21.5}});
    return report;
}

std::string from_hex(std::string_view hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size();) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
        i += 2;
    }
    return bytes;
}

TEST(EncodeJson, LongNamesMatchTheSpecExample) {
    EXPECT_EQ(
        encode(spec_example(), {Format::json, KeyStyle::long_names, false}),
        R"({"header":{"report_id":1700000000,"version":"1.0"},)"
        R"("metrics":{"listening_tcp_ports":{"ports":[{"port":22,"interface":"eth0"}],"total":1},)"
        R"("tcp_connections":{"established_connections":{"connections":[{"remote_addr":"192.0.2.10:443","local_port":51000,"local_interface":"eth0"}],"total":1}},)"
        R"("network_stats":{"bytes_in":1024,"bytes_out":2048,"packets_in":10,"packets_out":12}},)"
        R"("custom_metrics":{"temperature":[{"number":21.5}]}})");
}

TEST(EncodeJson, ShortNamesMatchTheSpecExampleAndKeepCustomValueKeysLong) {
    EXPECT_EQ(encode(spec_example(), {Format::json, KeyStyle::short_names, false}),
              R"({"hed":{"rid":1700000000,"v":"1.0"},)"
              R"("met":{"tp":{"pts":[{"pt":22,"if":"eth0"}],"t":1},)"
              R"("tc":{"ec":{"cs":[{"rad":"192.0.2.10:443","lp":51000,"li":"eth0"}],"t":1}},)"
              R"("ns":{"bi":1024,"bo":2048,"pi":10,"po":12}},)"
              R"("cmet":{"temperature":[{"number":21.5}]}})");
}

TEST(EncodeJson, PrettyIsIndentedAndDecodesToTheSameReport) {
    const auto pretty = encode(spec_example(), {Format::json, KeyStyle::long_names, true});
    EXPECT_NE(pretty.find("\n  \"header\": {\n    \"report_id\": 1700000000,"), std::string::npos)
        << pretty;
    EXPECT_EQ(decode(pretty).value(), spec_example());
}

TEST(EncodeJson, OmitsInterfaceWhenUnknownNeverNull) {
    Report report;
    report.report_id = 5;
    report.metrics = Metrics{};
    report.metrics->listening_udp_ports = PortList{{{53, std::nullopt}}, 1};
    report.metrics->established_connections =
        ConnectionList{{{"[2001:db8::1]:443", 40000, std::nullopt}}, 1};
    EXPECT_EQ(encode(report, {Format::json, KeyStyle::short_names, false}),
              R"({"hed":{"rid":5,"v":"1.0"},"met":{"up":{"pts":[{"pt":53}],"t":1},)"
              R"("tc":{"ec":{"cs":[{"rad":"[2001:db8::1]:443","lp":40000}],"t":1}}}})");
}

TEST(EncodeJson, AllFourCustomMetricKindsAndIntegersStayIntegers) {
    Report report;
    report.report_id = 7;
    report.custom_metrics = {
        {"uptime", NumberValue{std::int64_t{42}}},
        {"sizes", NumberListValue{{std::int64_t{64}, std::int64_t{128}, 2.5}}},
        {"names", StringListValue{{"foo", "bar"}}},
        {"addresses", IpListValue{{"127.0.0.1", "fe80::843:a8ff:fe18:a879"}}},
    };
    const auto json = encode(report, {Format::json, KeyStyle::long_names, false});
    EXPECT_EQ(json, R"({"header":{"report_id":7,"version":"1.0"},"custom_metrics":{)"
                    R"("uptime":[{"number":42}],"sizes":[{"number_list":[64,128,2.5]}],)"
                    R"("names":[{"string_list":["foo","bar"]}],)"
                    R"("addresses":[{"ip_list":["127.0.0.1","fe80::843:a8ff:fe18:a879"]}]}})");
    EXPECT_EQ(decode(json).value(), report);
}

TEST(EncodeCbor, ShortNamesGoldenBytes) {
    Report report = spec_example();
    report.metrics->established_connections.reset();
    // Written by hand from RFC 8949: text keys, smallest integer encodings, definite lengths,
    // 21.5 exactly representable as a float32 (0xFA).
    const std::string expected = from_hex(
        "A3"
        "63686564"
        "A2"
        "63726964"
        "1A6553F100"
        "6176"
        "63312E30"
        "636D6574"
        "A2"
        "627470"
        "A2"
        "63707473"
        "81"
        "A2"
        "627074"
        "16"
        "626966"
        "6465746830"
        "6174"
        "01"
        "626E73"
        "A4"
        "626269"
        "190400"
        "62626F"
        "190800"
        "627069"
        "0A"
        "62706F"
        "0C"
        "64636D6574"
        "A1"
        "6B74656D7065726174757265"
        "81"
        "A1"
        "666E756D626572"
        "FA41AC0000");
    EXPECT_EQ(encode(report, {Format::cbor, KeyStyle::short_names, false}), expected);
}

TEST(EncodeCbor, LongNamesGoldenBytes) {
    Report report;
    report.report_id = 1;
    report.metrics = Metrics{};
    report.metrics->established_connections = ConnectionList{{{"10.0.0.1:80", 65535, "eth0"}}, 300};
    const std::string expected = from_hex(
        "A2"
        "66686561646572"
        "A2"
        "697265706F72745F6964"
        "01"
        "6776657273696F6E"
        "63312E30"
        "676D657472696373"
        "A1"
        "6F7463705F636F6E6E656374696F6E73"
        "A1"
        "7765737461626C69736865645F636F6E6E656374696F6E73"
        "A2"
        "6B636F6E6E656374696F6E73"
        "81"
        "A3"
        "6B72656D6F74655F61646472"
        "6B31302E302E302E313A3830"
        "6A6C6F63616C5F706F7274"
        "19FFFF"
        "6F6C6F63616C5F696E74657266616365"
        "6465746830"
        "65746F74616C"
        "19012C");
    EXPECT_EQ(encode(report, {Format::cbor, KeyStyle::long_names, false}), expected);
}

class RoundTrip : public ::testing::TestWithParam<std::tuple<Format, KeyStyle>> {};

TEST_P(RoundTrip, DecodeGivesBackTheReport) {
    const auto [format, keys] = GetParam();
    const auto bytes = encode(spec_example(), {format, keys, false});
    const auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), spec_example());
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundTrip,
                         ::testing::Combine(::testing::Values(Format::json, Format::cbor),
                                            ::testing::Values(KeyStyle::long_names,
                                                              KeyStyle::short_names)));

TEST(Decode, RejectsMixedStylesAndNamesTheKey) {
    const auto decoded =
        decode(R"({"hed":{"rid":1,"v":"1.0"},"met":{"tp":{"pts":[{"port":22}],"t":1}}})");
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().message, "/met/tp/pts/0/port: unexpected key");
}

TEST(Decode, RejectsUnwrappedCustomNumber) {
    const auto decoded =
        decode(R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{"m":{"number":0}}})");
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().message,
              "/custom_metrics/m: expected an array holding one object with one value key");
}

TEST(Decode, RejectsGarbage) {
    EXPECT_FALSE(decode("").ok());
    EXPECT_FALSE(decode("not json").ok());
    EXPECT_FALSE(decode("{\"header\":").ok());
    EXPECT_FALSE(decode("\xA1\x61").ok());
}

Report many_connections(std::size_t count) {
    Report report;
    report.report_id = 1700000000;
    report.metrics = Metrics{};
    ConnectionList list;
    for (std::size_t i = 0; i < count; ++i) {
        list.connections.push_back(
            {"[2001:db8:aaaa:bbbb:cccc:dddd:" + std::to_string(i % 9000 + 1000) + ":" +
                 std::to_string(i / 9000 + 1) + "]:443",
             static_cast<std::uint16_t>(i % 65535), "eth0.100"});
    }
    list.total = count;
    report.metrics->established_connections = std::move(list);
    report.metrics->listening_tcp_ports = PortList{{{22, "br-lan"}, {80, std::nullopt}}, 2};
    return report;
}

class SizeCap : public ::testing::TestWithParam<std::tuple<Format, KeyStyle>> {};

TEST_P(SizeCap, HundredThousandConnectionsFitIn128KiBAndKeepTheTrueTotal) {
    const auto [format, keys] = GetParam();
    Report report = many_connections(100000);
    std::mt19937_64 random{1};
    const auto bytes =
        encode_within_limits(report, {format, keys, false}, kMaxPayloadBytes, random);
    ASSERT_TRUE(bytes.ok());
    EXPECT_LE(bytes->size(), kMaxPayloadBytes);
    // Close to the budget: the lists were shrunk, not emptied.
    EXPECT_GT(bytes->size(), kMaxPayloadBytes * 9 / 10);
    EXPECT_EQ(report.metrics->established_connections->total, 100000u);
    EXPECT_GT(report.metrics->established_connections->connections.size(), 1000u);
    EXPECT_EQ(report.metrics->listening_tcp_ports->ports.size(), 2u);
    EXPECT_EQ(decode(*bytes).value(), report);
    EXPECT_TRUE(validate_report(*bytes).valid());
}

INSTANTIATE_TEST_SUITE_P(AllFormats, SizeCap,
                         ::testing::Combine(::testing::Values(Format::json, Format::cbor),
                                            ::testing::Values(KeyStyle::long_names,
                                                              KeyStyle::short_names)));

TEST(SizeCapLimits, SmallBudgetEmptiesListsAndHugeFixedPartFails) {
    Report report = many_connections(10);
    std::mt19937_64 random{2};
    const EncodeOptions json{Format::json, KeyStyle::long_names, false};
    auto bytes = encode_within_limits(report, json, 200, random);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    EXPECT_LE(bytes->size(), 200u);
    EXPECT_TRUE(report.metrics->established_connections->connections.empty());
    EXPECT_EQ(report.metrics->established_connections->total, 10u);

    Report huge;
    huge.report_id = 1;
    huge.custom_metrics.push_back(
        {"big", StringListValue{std::vector<std::string>(20000, "abcdefghij")}});
    EXPECT_FALSE(encode_within_limits(huge, json, kMaxPayloadBytes, random).ok());
}

TEST(DetectFormat, ByFirstByte) {
    EXPECT_EQ(detect_format("  {\"a\":1}"), Format::json);
    EXPECT_EQ(detect_format("\xA2"), Format::cbor);
    EXPECT_EQ(detect_format("\xBF"), Format::cbor);
    EXPECT_EQ(detect_format("[1]"), std::nullopt);
    EXPECT_EQ(detect_format(""), std::nullopt);
}

}  // namespace
}  // namespace defender
