// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "defender/encode.hpp"
#include "defender/reply.hpp"
#include "defender/service_emulator.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;

std::string valid_report(std::uint64_t id, Format format, KeyStyle keys = KeyStyle::long_names) {
    Report report;
    report.report_id = id;
    report.metrics = Metrics{};
    report.metrics->listening_tcp_ports = PortList{{{22, "eth0"}}, 1};
    return encode(report, {format, keys, false});
}

TEST(ServiceEmulator, AcceptsAValidReportWithItsReportIdInTheTopicsFormat) {
    ServiceEmulator emulator({});
    for (const auto format : {Format::json, Format::cbor}) {
        ServiceEmulator fresh({});
        const auto topic =
            std::string("$aws/things/gw-1/defender/metrics/") + std::string(to_string(format));
        const auto answer = fresh.handle({topic, valid_report(77, format, KeyStyle::short_names)},
                                         std::chrono::steady_clock::now());
        ASSERT_TRUE(answer.has_value());
        EXPECT_TRUE(answer->accepted);
        EXPECT_EQ(answer->reply_topic, topic + "/accepted");
        const auto reply = parse_reply(answer->reply_payload, format).value();
        EXPECT_EQ(reply.status, ReplyStatus::accepted);
        EXPECT_EQ(reply.thing_name, "gw-1");
        EXPECT_EQ(reply.report_id, 77u);
        EXPECT_TRUE(reply.timestamp.has_value());
        EXPECT_EQ(answer->summary,
                  "ACCEPTED thing=gw-1 format=" + std::string(to_string(format)) + " bytes=" +
                      std::to_string(valid_report(77, format, KeyStyle::short_names).size()) +
                      " report_id=77");
    }
}

TEST(ServiceEmulator, RejectsMalformedWithInvalidPayloadAsTheDocumentedExample) {
    ServiceEmulator emulator({});
    const auto answer = emulator.handle(
        {"$aws/things/t/defender/metrics/json",
         R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{"my_custom_metric":{"number":0}}})"},
        std::chrono::steady_clock::now());
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->accepted);
    EXPECT_EQ(answer->reply_topic, "$aws/things/t/defender/metrics/json/rejected");
    const auto reply = parse_reply(answer->reply_payload, Format::json).value();
    EXPECT_EQ(reply.status, ReplyStatus::rejected);
    EXPECT_EQ(reply.error_code, "InvalidPayload");
    EXPECT_EQ(reply.error_message, "Malformed metrics report");
    EXPECT_FALSE(reply.report_id.has_value());
    EXPECT_NE(answer->summary.find("REJECTED thing=t format=json"), std::string::npos);
}

TEST(ServiceEmulator, JsonOnTheCborTopicIsInvalid) {
    ServiceEmulator emulator({});
    const auto answer =
        emulator.handle({"$aws/things/t/defender/metrics/cbor", valid_report(1, Format::json)},
                        std::chrono::steady_clock::now());
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->accepted);
    EXPECT_EQ(parse_reply(answer->reply_payload, Format::cbor)->error_code, "InvalidPayload");
}

TEST(ServiceEmulator, ThrottlesAThingThatReportsTooSoonButNotOthers) {
    ServiceEmulator emulator({300s, {}});
    const auto start = std::chrono::steady_clock::now();
    const std::string topic = "$aws/things/a/defender/metrics/json";
    EXPECT_TRUE(emulator.handle({topic, valid_report(1, Format::json)}, start)->accepted);
    const auto throttled = emulator.handle({topic, valid_report(2, Format::json)}, start + 299s);
    ASSERT_TRUE(throttled.has_value());
    EXPECT_FALSE(throttled->accepted);
    EXPECT_EQ(parse_reply(throttled->reply_payload, Format::json)->error_code, "Throttled");
    EXPECT_TRUE(emulator
                    .handle({"$aws/things/b/defender/metrics/json", valid_report(3, Format::json)},
                            start + 299s)
                    ->accepted);
    EXPECT_TRUE(emulator.handle({topic, valid_report(4, Format::json)}, start + 300s)->accepted);
}

TEST(ServiceEmulator, IgnoresOtherTopicsAndStoresReports) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("emulator-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ServiceEmulator emulator({0s, dir});
    EXPECT_FALSE(emulator
                     .handle({"$aws/things/a/defender/metrics/json/accepted", "{}"},
                             std::chrono::steady_clock::now())
                     .has_value());
    EXPECT_FALSE(
        emulator.handle({"sensors/temp", "{}"}, std::chrono::steady_clock::now()).has_value());
    const auto payload = valid_report(9, Format::cbor);
    ASSERT_TRUE(emulator
                    .handle({"$aws/things/a/defender/metrics/cbor", payload},
                            std::chrono::steady_clock::now())
                    ->store_problem.empty());
    std::ifstream stored(dir / "a-000001.cbor", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(stored)),
                            std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes, payload);
    std::filesystem::remove_all(dir);
}

// Issue #19.9: a report key with a newline once forged an ACCEPTED line in emulate's output.
TEST(ServiceEmulator, ARejectionSummaryIsOneLineWhateverTheReportHolds) {
    ServiceEmulator emulator({});
    const std::string forged =
        R"({"header":{"report_id":5,"version":"1.0"},"metrics":{},"custom_metrics":)"
        R"({"x\nACCEPTED thing=gw-9 format=json bytes=1 report_id=5\u001b[2J":[{"number":1}]}})";
    const auto answer = emulator.handle({"$aws/things/gw-1/defender/metrics/json", forged},
                                        std::chrono::steady_clock::now());
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->accepted);
    EXPECT_EQ(answer->summary.find('\n'), std::string::npos) << answer->summary;
    EXPECT_EQ(answer->summary.find('\x1b'), std::string::npos) << answer->summary;
    EXPECT_TRUE(answer->summary.starts_with("REJECTED thing=gw-1")) << answer->summary;
}

TEST(ServiceEmulator, RejectsDuplicateKeysAsInvalidPayload) {
    // Before: the last report_id won and the report was accepted.
    ServiceEmulator emulator({});
    const auto answer = emulator.handle(
        {"$aws/things/t/defender/metrics/json",
         R"({"header":{"report_id":5,"version":"1.0","report_id":6},"custom_metrics":{"m":[{"number":0}]}})"},
        std::chrono::steady_clock::now());
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->accepted);
    EXPECT_EQ(parse_reply(answer->reply_payload, Format::json)->error_code, "InvalidPayload");
    EXPECT_EQ(answer->summary,
              "REJECTED thing=t format=json bytes=94 InvalidPayload: /header/report_id: duplicate "
              "key \"report_id\": each member may appear only once");
}

TEST(ServiceEmulator, APayloadAboveTheLimitGetsNoReplyAsIoTCoreRefusesIt) {
    // AWS IoT Core refuses publishes above 128 KiB (spec §3.1); Device Defender never answers.
    // Before: parsed and answered InvalidPayload.
    ServiceEmulator emulator({0s, {}});
    const std::string topic = "$aws/things/t/defender/metrics/json";
    const std::string payload = valid_report(1, Format::json);
    const std::string padded = payload + std::string(kMaxPayloadBytes + 1 - payload.size(), ' ');
    const auto answer = emulator.handle({topic, padded}, std::chrono::steady_clock::now());
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->accepted);
    EXPECT_EQ(answer->reply_topic, "");
    EXPECT_EQ(answer->reply_payload, "");
    EXPECT_EQ(answer->summary,
              "REFUSED thing=t format=json bytes=131073 above AWS IoT Core's payload limit of "
              "131072 bytes: no reply");
    const std::string at_limit = payload + std::string(kMaxPayloadBytes - payload.size(), ' ');
    EXPECT_TRUE(emulator.handle({topic, at_limit}, std::chrono::steady_clock::now())->accepted);
}

TEST(Replies, ParseTheDocumentedExamplesAndRoundTrip) {
    const auto rejected = parse_reply(
        R"({"thingName":"myThing","status":"REJECTED","statusDetails":{"ErrorCode":"InvalidPayload","ErrorMessage":"Malformed metrics report"},"timestamp":1635802047699})",
        Format::json);
    ASSERT_TRUE(rejected.ok());
    EXPECT_EQ(rejected->thing_name, "myThing");
    EXPECT_EQ(rejected->error_code, "InvalidPayload");
    EXPECT_EQ(rejected->timestamp, 1635802047699);
    EXPECT_FALSE(rejected->report_id.has_value());
    const Reply accepted{ReplyStatus::accepted, "t", 1700000000u, 1635800375000, "", ""};
    EXPECT_EQ(parse_reply(encode_reply(accepted, Format::cbor), Format::cbor).value(), accepted);
    EXPECT_FALSE(parse_reply("{\"status\":\"MAYBE\"}", Format::json).ok());
    EXPECT_FALSE(parse_reply("\xff\x00garbage", Format::cbor).ok());
    EXPECT_FALSE(parse_reply("[1,2]", Format::json).ok());
}

}  // namespace
}  // namespace defender
