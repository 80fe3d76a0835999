// SPDX-License-Identifier: Apache-2.0
// The /metrics text: families written once with HELP and TYPE, names after Prometheus's
// conventions, label values escaped (thing names are attacker-controlled), gauges from the
// latest datapoints, the detector's counters.
#include "view/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

namespace defender::view {
namespace {

using detect::Datapoint;
using detect::DetectCounters;
using detect::ThingSummary;
using detect::Time;

Time at_ms(std::int64_t ms) {
    return Time(std::chrono::milliseconds(ms));
}

ThingSummary summary(std::string name, std::uint64_t accepted = 3, std::uint64_t rejected = 1,
                     std::size_t active = 2) {
    ThingSummary thing;
    thing.thing_name = std::move(name);
    thing.last_report = at_ms(1'700'000'100'000);
    thing.last_received = at_ms(1'700'000'101'500);
    thing.format = "json";
    thing.accepted = accepted;
    thing.rejected = rejected;
    thing.active_violations = active;
    return thing;
}

const char* kMetrics =
    R"({"aws:all-bytes-in":{"count":1000},"aws:all-bytes-out":{"count":2000},)"
    R"("aws:all-packets-in":{"count":10},"aws:all-packets-out":{"count":20},)"
    R"("aws:num-listening-tcp-ports":{"count":2},"aws:num-listening-udp-ports":{"count":1},)"
    R"("aws:num-established-tcp-connections":{"count":4},)"
    R"("aws:listening-tcp-ports":{"ports":[22,443]},"aws:listening-udp-ports":{"ports":[53]},)"
    R"("aws:destination-ip-addresses":{"cidrs":["10.0.0.1/32"]},)"
    R"("temperature":{"number":21.5},"load":{"numbers":[1,2]},"names":{"strings":["x"]}})";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text)) {
        if (l == line) return true;
    }
    return false;
}

TEST(PrometheusText, WritesEachFamilyOnceWithHelpAndType) {
    DetectCounters counters;
    counters.received = 10;
    counters.evaluated = 6;
    counters.duplicates = 1;
    counters.malformed = 2;
    counters.invalid = 1;
    counters.events = 4;
    counters.evaluation_seconds = 0.25;
    const auto text =
        prometheus_text({summary("a"), summary("b")},
                        {{"a", at_ms(1), kMetrics}, {"b", at_ms(1), kMetrics}}, counters);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::map<std::string, int> helps;
    std::map<std::string, int> types;
    std::set<std::string> series;
    std::string family;
    for (const auto& line : lines_of(text)) {
        std::istringstream words(line);
        std::string first, name, type;
        words >> first;
        if (first == "#") {
            words >> type >> name;
            if (type == "HELP") ++helps[name];
            if (type == "TYPE") {
                ++types[name];
                family = name;
                std::string kind;
                words >> kind;
                EXPECT_EQ(kind == "counter", name.size() > 6 && name.ends_with("_total")) << line;
            }
            continue;
        }
        EXPECT_EQ(first.substr(0, first.find('{')), family) << "a sample of its family: " << line;
        EXPECT_TRUE(series.insert(first).second) << "no series twice: " << line;
    }
    for (const auto& [name, count] : types) {
        EXPECT_EQ(count, 1) << name;
        EXPECT_EQ(helps[name], 1) << name;
        EXPECT_TRUE(name.starts_with("defender_")) << name;
    }
    EXPECT_EQ(types.size(), helps.size());

    EXPECT_TRUE(
        has_line(text, R"(defender_thing_last_report_timestamp_seconds{thing="a"} 1700000100)"))
        << text;
    EXPECT_TRUE(has_line(
        text, R"(defender_thing_last_received_timestamp_seconds{thing="b"} 1700000101.5)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_reports_accepted_total{thing="a"} 3)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_reports_rejected_total{thing="a"} 1)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_active_violations{thing="b"} 2)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_listening_tcp_ports{thing="a"} 2)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_listening_udp_ports{thing="a"} 1)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_established_tcp_connections{thing="a"} 4)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_report_received_bytes{thing="a"} 1000)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_report_sent_bytes{thing="a"} 2000)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_report_received_packets{thing="a"} 10)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_report_sent_packets{thing="a"} 20)"));
    EXPECT_TRUE(
        has_line(text, R"(defender_thing_custom_metric{thing="a",metric="temperature"} 21.5)"));
    EXPECT_EQ(text.find("metric=\"load\""), std::string::npos) << "number lists are left out";
    EXPECT_EQ(text.find("metric=\"names\""), std::string::npos);
    EXPECT_TRUE(has_line(text, "# TYPE defender_detect_reports_received_total counter"));
    EXPECT_TRUE(has_line(text, "defender_detect_reports_received_total 10"));
    EXPECT_TRUE(has_line(text, "defender_detect_reports_evaluated_total 6"));
    EXPECT_TRUE(has_line(text, "defender_detect_reports_duplicate_total 1"));
    EXPECT_TRUE(has_line(text, "defender_detect_reports_malformed_total 2"));
    EXPECT_TRUE(has_line(text, "defender_detect_reports_invalid_total 1"));
    EXPECT_TRUE(has_line(text, "defender_detect_violation_events_total 4"));
    EXPECT_TRUE(has_line(text, "defender_detect_store_failures_total 0"));
    EXPECT_TRUE(has_line(text, "defender_detect_evaluation_seconds_total 0.25"));
    EXPECT_TRUE(has_line(text, "# TYPE defender_detect_things gauge"));
    EXPECT_TRUE(has_line(text, "defender_detect_things 2"));
}

TEST(PrometheusText, EscapesHostileThingAndMetricNames) {
    EXPECT_EQ(prometheus_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(prometheus_label_value("<script>"), "<script>");
    // Not UTF-8 (a stray byte, an overlong '/', a surrogate, a cut sequence): U+FFFD each byte.
    EXPECT_EQ(prometheus_label_value("a\xff"), "a\xef\xbf\xbd");
    EXPECT_EQ(prometheus_label_value("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(prometheus_label_value("\xed\xa0\x80").substr(0, 3), "\xef\xbf\xbd");
    EXPECT_EQ(prometheus_label_value("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(prometheus_label_value("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
              "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")
        << "valid UTF-8 is kept";
    const std::string hostile = "a\"b\\c\nd";
    const auto text = prometheus_text(
        {summary(hostile), summary("<script>alert(1)</script>"), summary("} 1\nx{")},
        {{hostile, at_ms(1), R"({"m\"\n\\":{"number":1},"aws:all-bytes-in":{"count":5}})"}}, {});
    EXPECT_TRUE(has_line(text, R"(defender_thing_reports_accepted_total{thing="a\"b\\c\nd"} 3)"))
        << text;
    EXPECT_TRUE(has_line(
        text, R"(defender_thing_reports_accepted_total{thing="<script>alert(1)</script>"} 3)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_reports_accepted_total{thing="} 1\nx{"} 3)"));
    EXPECT_TRUE(
        has_line(text, R"(defender_thing_custom_metric{thing="a\"b\\c\nd",metric="m\"\n\\"} 1)"));
    EXPECT_TRUE(has_line(text, R"(defender_thing_report_received_bytes{thing="a\"b\\c\nd"} 5)"));
    // Every line is a comment or a sample of a known family: nothing a name could inject.
    for (const auto& line : lines_of(text)) {
        EXPECT_TRUE(line.starts_with("# HELP defender_") || line.starts_with("# TYPE defender_") ||
                    line.starts_with("defender_"))
            << line;
    }
}

TEST(PrometheusText, SkipsWhatIsMissingOrUnreadable) {
    ThingSummary never;
    never.thing_name = "never";
    const auto text = prometheus_text({never, never},
                                      {{"x", at_ms(1), "not json"},
                                       {"y", at_ms(1), "[1]"},
                                       {"z", at_ms(1), R"({"aws:all-bytes-in":{"count":"7"}})"}},
                                      {});
    EXPECT_EQ(text.find("timestamp_seconds{"), std::string::npos) << text;
    EXPECT_EQ(text.find("received_bytes"), std::string::npos) << "no sample, no family";
    EXPECT_TRUE(has_line(text, R"(defender_thing_reports_accepted_total{thing="never"} 0)"));
    EXPECT_TRUE(has_line(text, "defender_detect_things 1")) << "a thing listed twice counts once";
    int accepted = 0;
    for (const auto& line : lines_of(text))
        accepted += line.starts_with("defender_thing_reports_accepted_total{");
    EXPECT_EQ(accepted, 1);
}

TEST(PrometheusText, FloatsAreWrittenAsPrometheusReadsThem) {
    const auto text = prometheus_text(
        {},
        {{"t", at_ms(1),
          R"({"big":{"number":1e300},"neg":{"number":-2},"int":{"number":18446744073709551615}})"}},
        {});
    EXPECT_TRUE(has_line(text, R"(defender_thing_custom_metric{thing="t",metric="big"} 1e+300)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(defender_thing_custom_metric{thing="t",metric="neg"} -2)"));
    EXPECT_TRUE(has_line(
        text, R"(defender_thing_custom_metric{thing="t",metric="int"} 18446744073709551615)"));
    EXPECT_TRUE(has_line(text, "defender_detect_evaluation_seconds_total 0"));
}

// The store's JSON is read by a fast scanner; anything it does not expect (here a backslash in
// a string) goes to the full JSON reader: both give the same samples.
TEST(PrometheusText, TheFastAndTheFullReaderAgree) {
    const std::string plain = kMetrics;
    // The same document with an escaped string in a list: the fast reader gives up on it.
    std::string escaped = plain;
    escaped.replace(escaped.find(R"(["x"])"), 5, R"(["x\"y"])");
    ASSERT_NE(escaped, plain);
    const std::string spaced =
        R"( { "aws:all-bytes-in" : { "count" : 1000 } , "temperature" : {"number":-1.5e-3},)"
        R"( "n" : {"number": -7}, "big": {"number": 99999999999999999999}, "t": true } )";
    const auto fast = prometheus_text({}, {{"t", at_ms(1), plain}}, {});
    const auto full = prometheus_text({}, {{"t", at_ms(1), escaped}}, {});
    EXPECT_EQ(fast, full);
    const auto other = prometheus_text({}, {{"t", at_ms(1), spaced}}, {});
    EXPECT_TRUE(has_line(other, R"(defender_thing_report_received_bytes{thing="t"} 1000)"))
        << other;
    EXPECT_TRUE(
        has_line(other, R"(defender_thing_custom_metric{thing="t",metric="temperature"} -0.0015)"));
    EXPECT_TRUE(has_line(other, R"(defender_thing_custom_metric{thing="t",metric="n"} -7)"));
    EXPECT_TRUE(has_line(other, R"(defender_thing_custom_metric{thing="t",metric="big"} 1e+20)"));
    // A cut document is unreadable to both: no gauges.
    const auto cut = prometheus_text({}, {{"t", at_ms(1), plain.substr(0, 60)}}, {});
    EXPECT_EQ(cut.find("defender_thing_"), std::string::npos) << cut;
}

}  // namespace
}  // namespace defender::view
