// SPDX-License-Identifier: Apache-2.0
// The detector between broker and store, over a real SQLite store in a temporary directory:
// what a message becomes, what is recorded, and what survives a restart.

#include "detect_service/detect_service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "defender/encode.hpp"
#include "detect/detect_test_support.hpp"

namespace defender::detect::test {
namespace {

namespace fs = std::filesystem;
using Kind = MessageOutcome::Kind;

constexpr std::int64_t T = 1'700'000'100;  // a multiple of 300: a window starts

class DetectServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("detect-service-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        reopen_store();
    }
    void TearDown() override { fs::remove_all(dir_); }

    void reopen_store() {
        store_.reset();
        auto store = open_sqlite_store(dir_ / "detect.db");
        ASSERT_TRUE(store.ok()) << store.error().message;
        store_ = std::move(*store);
    }

    DetectService service(std::vector<SecurityProfile> profiles,
                          DetectServiceOptions options = {}) {
        auto service = DetectService::open(std::move(profiles), *store_, std::move(options));
        EXPECT_TRUE(service.ok()) << (service.ok() ? "" : service.error().message);
        return std::move(*service);
    }

    // Handles the message and writes the batch, as the detector does when its queue is empty.
    static MessageOutcome deliver(DetectService& detector, const std::string& topic,
                                  const std::string& payload, Time now) {
        auto outcome = detector.on_message(topic, payload, now);
        auto flushed = detector.flush();
        EXPECT_TRUE(flushed.ok()) << (flushed.ok() ? "" : flushed.error().message);
        return outcome;
    }

    std::vector<StoredEvent> outbox() {
        auto events = store_->unpublished(1000);
        EXPECT_TRUE(events.ok()) << (events.ok() ? "" : events.error().message);
        return events.ok() ? *events : std::vector<StoredEvent>{};
    }

    std::vector<StoredActiveViolation> active(std::optional<std::string> thing = {}) {
        ActiveQuery query;
        query.thing_name = std::move(thing);
        auto found = store_->active_violations(query);
        EXPECT_TRUE(found.ok()) << (found.ok() ? "" : found.error().message);
        return found.ok() ? *found : std::vector<StoredActiveViolation>{};
    }

    fs::path dir_;
    std::unique_ptr<Store> store_;
};

std::string topic(const std::string& thing, const char* format = "json") {
    return "$aws/things/" + thing + "/defender/metrics/" + format;
}

std::string encoded(Report report, std::uint64_t id, Format format = Format::json) {
    report.report_id = id;
    return encode(report, EncodeOptions{format});
}

SecurityProfile ports_profile() {
    return profile_with(
        R"([{"name": "Ports", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22, 443]}}}])");
}

TEST_F(DetectServiceTest, AReportIsEvaluatedAndItsEventRecorded) {
    auto detector = service({ports_profile()});
    const auto outcome =
        deliver(detector, topic("gw"), encoded(tcp_ports({22, 8080}), 1), seconds(T));
    EXPECT_EQ(outcome.kind, Kind::evaluated);
    EXPECT_EQ(outcome.thing_name, "gw");
    EXPECT_EQ(outcome.events, 1u);
    const auto events = outbox();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event.violation_event_type, ViolationEventType::in_alarm);
    EXPECT_EQ(events[0].event.thing_name, "gw");
    ASSERT_EQ(active().size(), 1u);
    EXPECT_EQ(active()[0].violation.violation_id, events[0].event.violation_id);
    EXPECT_TRUE(detector.outbox_pending());

    EXPECT_EQ(deliver(detector, topic("gw"), encoded(tcp_ports({22}), 2), seconds(T + 1)).events,
              1u);  // cleared
    EXPECT_TRUE(active().empty());
    EXPECT_EQ(outbox().size(), 2u);
}

TEST_F(DetectServiceTest, ABatchIsWrittenAtFlushOnly) {
    auto detector = service({ports_profile()});
    for (int thing = 0; thing < 5; ++thing) {
        detector.on_message(topic("gw-" + std::to_string(thing)), encoded(tcp_ports({8080}), 1),
                            seconds(T));
    }
    EXPECT_EQ(detector.unflushed_reports(), 5u);
    EXPECT_TRUE(outbox().empty()) << "nothing is on disk before the flush";
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_EQ(outbox().size(), 5u);
    EXPECT_EQ(active().size(), 5u);
    EXPECT_FALSE(detector.unflushed());
    EXPECT_EQ(detector.unflushed_reports(), 0u);
}

TEST_F(DetectServiceTest, EveryValidReportLeavesADatapoint) {
    auto profile = ports_profile();
    profile.targets = {"sensor-*"};
    auto detector = service({profile});
    EXPECT_EQ(deliver(detector, topic("gw"), encoded(tcp_ports({22}), 1), seconds(T)).kind,
              Kind::evaluated);
    auto points = store_->datapoints("gw", seconds(T - 1), seconds(T + 1));
    ASSERT_TRUE(points.ok()) << points.error().message;
    ASSERT_EQ(points->size(), 1u) << "a thing no profile applies to still has its history";
    EXPECT_NE((*points)[0].metrics.find("aws:listening-tcp-ports"), std::string::npos);
}

TEST_F(DetectServiceTest, AResendIsNotEvaluatedTwice) {
    auto detector = service({profile_with(
        R"([{"name": "In", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 100}, "durationSeconds": 300}}])")});
    EXPECT_EQ(deliver(detector, topic("gw"), encoded(traffic(60), 5), seconds(T)).kind,
              Kind::evaluated);
    EXPECT_EQ(deliver(detector, topic("gw"), encoded(traffic(60), 5), seconds(T + 1)).kind,
              Kind::duplicate);
    detector.tick(seconds(T + 300));
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_TRUE(outbox().empty()) << "60 bytes in the window, not 120";
    EXPECT_EQ(detector.counters().duplicates, 1u);
    EXPECT_EQ(detector.counters().evaluated, 1u);
}

TEST_F(DetectServiceTest, BadPayloadsAreCountedAndReportedOncePerThing) {
    auto detector = service({ports_profile()});
    auto first = deliver(detector, topic("a"), "{not json", seconds(T));
    EXPECT_EQ(first.kind, Kind::malformed);
    EXPECT_TRUE(first.first_of_kind);
    EXPECT_FALSE(deliver(detector, topic("a"), "{not json", seconds(T)).first_of_kind);
    EXPECT_TRUE(deliver(detector, topic("b"), "{not json", seconds(T)).first_of_kind);

    auto invalid =
        deliver(detector, topic("a"),
                R"({"header": {"report_id": 1, "version": "2.0"}, "metrics": {}})", seconds(T));
    EXPECT_EQ(invalid.kind, Kind::invalid);
    EXPECT_TRUE(invalid.first_of_kind) << "another kind of problem";
    EXPECT_FALSE(invalid.detail.empty());

    auto wrong_format =
        deliver(detector, topic("a", "cbor"), encoded(tcp_ports({1}), 2), seconds(T));
    EXPECT_EQ(wrong_format.kind, Kind::malformed);
    EXPECT_NE(wrong_format.detail.find("json document on a cbor topic"), std::string::npos)
        << wrong_format.detail;

    EXPECT_EQ(detector.counters().malformed, 4u);
    EXPECT_EQ(detector.counters().invalid, 1u);
    EXPECT_EQ(detector.counters().evaluated, 0u);
    EXPECT_TRUE(outbox().empty());
    EXPECT_EQ(detector.evaluator().thing_state("a"), nullptr) << "nothing evaluated";
}

TEST_F(DetectServiceTest, OtherTopicsAreNoReports) {
    auto detector = service({ports_profile()});
    const auto report = encoded(tcp_ports({8080}), 1);
    for (const char* other :
         {"$aws/things/gw/defender/metrics/json/accepted", "$aws/things/gw/defender/metrics/xml",
          "$aws/things/bad name/defender/metrics/json", "dt/defender/gw/metrics/json"}) {
        EXPECT_EQ(deliver(detector, other, report, seconds(T)).kind, Kind::not_a_report) << other;
    }
    EXPECT_EQ(detector.counters().received, 0u);
}

TEST_F(DetectServiceTest, ReportTopicTemplatesAddSources) {
    DetectServiceOptions options;
    options.extra_topics.push_back(
        ReportTopic::parse("dt/defender/{thingName}/metrics/{format}").value());
    options.extra_topics.push_back(ReportTopic::parse("fleet/+/{thingName}/report").value());
    auto detector = service({ports_profile()}, options);
    EXPECT_EQ(detector.subscriptions(),
              (std::vector<std::string>{"$aws/things/+/defender/metrics/+",
                                        "dt/defender/+/metrics/+", "fleet/+/+/report"}));
    auto mirrored = deliver(detector, "dt/defender/gw/metrics/cbor",
                            encoded(tcp_ports({8080}), 1, Format::cbor), seconds(T));
    EXPECT_EQ(mirrored.kind, Kind::evaluated);
    EXPECT_EQ(mirrored.thing_name, "gw");
    auto untyped = deliver(detector, "fleet/eu/sensor-1/report",
                           encoded(tcp_ports({8080}), 1, Format::cbor), seconds(T));
    EXPECT_EQ(untyped.kind, Kind::evaluated) << "the payload tells its format";
    EXPECT_EQ(untyped.thing_name, "sensor-1");
}

TEST(ReportTopicTemplate, BadTemplatesAreRefused) {
    for (const char* bad : {"", "dt/+/metrics", "dt/{thingName}/#", "dt/x{thingName}/m",
                            "dt/{thingName}/{thingName}", "dt/{thingName}/{format}/{format}"}) {
        EXPECT_FALSE(ReportTopic::parse(bad).ok()) << bad;
    }
    EXPECT_TRUE(check_violation_topic("defender/violations/{thingName}").ok());
    EXPECT_TRUE(check_violation_topic("v/{securityProfileName}/{thingName}").ok());
    EXPECT_FALSE(check_violation_topic("v/+/x").ok());
    EXPECT_FALSE(check_violation_topic("v/{thing}").ok());
    EXPECT_EQ(violation_topic("v/{securityProfileName}/{thingName}", "gw", "p"), "v/p/gw");
}

TEST_F(DetectServiceTest, ARestartContinuesTheConsecutiveCount) {
    const auto profile = profile_with(
        R"([{"name": "Ports", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22]}, "consecutiveDatapointsToAlarm": 2}}])");
    {
        auto detector = service({profile});
        EXPECT_EQ(deliver(detector, topic("gw"), encoded(tcp_ports({8080}), 1), seconds(T)).events,
                  0u);
    }
    reopen_store();
    auto restarted = service({profile});
    EXPECT_EQ(deliver(restarted, topic("gw"), encoded(tcp_ports({8080}), 1), seconds(T + 1)).kind,
              Kind::duplicate)
        << "the resend after a restart is known";
    EXPECT_EQ(deliver(restarted, topic("gw"), encoded(tcp_ports({8080}), 2), seconds(T + 2)).events,
              1u)
        << "the second violating datapoint, the first before the restart";
    EXPECT_EQ(active("gw").size(), 1u);
}

TEST_F(DetectServiceTest, AReloadDropsTheAlarmsOfARemovedBehavior) {
    auto detector = service({ports_profile()});
    deliver(detector, topic("gw"), encoded(tcp_ports({8080}), 1), seconds(T));
    ASSERT_EQ(active().size(), 1u);
    auto other = profile_with(
        R"([{"name": "Conns", "metric": "aws:num-established-tcp-connections", "criteria": {"comparisonOperator": "less-than", "value": {"count": 10}}}])");
    ASSERT_TRUE(detector.reload({other}).ok());
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_TRUE(active().empty());
    EXPECT_FALSE(detector.reload({other, other}).ok()) << "two profiles named p";
}

// The AWS IoT Device Client's scenario (shared/spec/detect.md): any traffic violates four
// `less-than {count: 1}` behaviors; after the first full window, exactly four are active.
TEST_F(DetectServiceTest, DeviceClientScenarioRaisesFourViolations) {
    std::string behaviors = "[";
    const char* metrics[] = {"aws:all-bytes-in", "aws:all-bytes-out", "aws:all-packets-in",
                             "aws:all-packets-out"};
    for (int i = 0; i < 4; ++i) {
        behaviors +=
            std::string(i ? "," : "") + R"({"name": "B)" + std::to_string(i) + R"(", "metric": ")" +
            metrics[i] +
            R"(", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}})";
    }
    auto detector = service({profile_with(behaviors + "]")});
    deliver(detector, topic("dc"), encoded(traffic(100, 200, 3, 4), 1), seconds(T));
    deliver(detector, topic("dc"), encoded(traffic(100, 200, 3, 4), 2), seconds(T + 100));
    EXPECT_TRUE(active().empty()) << "the window is not over";
    ASSERT_EQ(detector.next_deadline(), seconds(T + 300));
    detector.tick(seconds(T + 299));
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_TRUE(active().empty());
    detector.tick(seconds(T + 300));
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_EQ(active("dc").size(), 4u);
    EXPECT_EQ(outbox().size(), 4u);
}

TEST_F(DetectServiceTest, SuppressedAlertsAreRecordedNotPublished) {
    auto detector = service({profile_with(
        R"([{"name": "Ports", "metric": "aws:listening-tcp-ports", "suppressAlerts": true, "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22]}}}])")});
    EXPECT_EQ(deliver(detector, topic("gw"), encoded(tcp_ports({8080}), 1), seconds(T)).events, 1u);
    EXPECT_TRUE(outbox().empty());
    EXPECT_EQ(active().size(), 1u);
    EventQuery query;
    query.start_time = seconds(T - 1);
    query.end_time = seconds(T + 1);
    auto recorded = store_->violation_events(query);
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    EXPECT_EQ(recorded->size(), 1u);
}

// The console's counts: every report received is tallied (accepted: evaluated; rejected:
// malformed or invalid; a duplicate in neither), with its format and time, even in a batch
// where nothing was accepted.
TEST_F(DetectServiceTest, ReportsAreTalliedIntoTheThingsSummaries) {
    auto detector = service({ports_profile()});
    detector.on_message(topic("a"), "{not json", seconds(T));
    ASSERT_TRUE(detector.unflushed()) << "a batch of rejects is written too";
    ASSERT_TRUE(detector.flush().ok());
    auto a = store_->thing_summary("a");
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(a->has_value()) << "a thing that only sent rejects is listed";
    EXPECT_EQ((*a)->rejected, 1u);
    EXPECT_EQ((*a)->accepted, 0u);
    EXPECT_EQ((*a)->format, "json");
    EXPECT_EQ((*a)->last_received, seconds(T));
    EXPECT_FALSE((*a)->last_report.has_value());
    EXPECT_TRUE(store_->latest_datapoints()->empty());

    detector.on_message(topic("a", "cbor"), encoded(tcp_ports({22}), 1, Format::cbor),
                        seconds(T + 1));
    detector.on_message(topic("a", "cbor"), encoded(tcp_ports({22}), 1, Format::cbor),
                        seconds(T + 2));  // a resend
    detector.on_message(topic("a"),
                        R"({"header": {"report_id": 1, "version": "2.0"}, "metrics": {}})",
                        seconds(T + 3));  // invalid, json
    detector.on_message(topic("b"), encoded(tcp_ports({22, 80}), 7), seconds(T + 4));
    detector.on_message(topic("b"), encoded(tcp_ports({22, 81}), 8), seconds(T + 5));
    ASSERT_TRUE(detector.flush().ok());
    EXPECT_FALSE(detector.unflushed());

    a = store_->thing_summary("a");
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ((*a)->accepted, 1u);
    EXPECT_EQ((*a)->rejected, 2u) << "the duplicate counts in neither";
    EXPECT_EQ((*a)->format, "json") << "the last report received";
    EXPECT_EQ((*a)->last_received, seconds(T + 3));
    EXPECT_EQ((*a)->last_report, seconds(T + 1));
    auto b = store_->thing_summary("b");
    ASSERT_TRUE(b.ok() && b->has_value());
    EXPECT_EQ((*b)->accepted, 2u);
    EXPECT_EQ((*b)->rejected, 0u);
    EXPECT_EQ((*b)->format, "json");
    EXPECT_EQ((*b)->active_violations, 1u);
    EXPECT_EQ((*b)->last_report, seconds(T + 5));

    auto latest = store_->latest_datapoints();
    ASSERT_TRUE(latest.ok()) << latest.error().message;
    ASSERT_EQ(latest->size(), 2u);
    EXPECT_EQ((*latest)[0].thing_name, "a");
    EXPECT_EQ((*latest)[1].thing_name, "b");
    EXPECT_EQ((*latest)[1].time, seconds(T + 5));
    EXPECT_NE((*latest)[1].metrics.find("81"), std::string::npos) << (*latest)[1].metrics;
    EXPECT_EQ(detector.counters().received, 6u);
    EXPECT_GT(detector.counters().evaluation_seconds, 0.0);
}

TEST_F(DetectServiceTest, TalliesWaitWhileTheStoreFails) {
    { auto created = service({ports_profile()}); }
    auto read_only = open_sqlite_store(dir_ / "detect.db", StoreOptions{14, 30, true, 0});
    ASSERT_TRUE(read_only.ok()) << read_only.error().message;
    auto detector = DetectService::open({ports_profile()}, **read_only, {});
    ASSERT_TRUE(detector.ok()) << detector.error().message;
    detector->on_message(topic("a"), "{not json", seconds(T));
    EXPECT_FALSE(detector->flush().ok()) << "a read-only store refuses the write";
    EXPECT_TRUE(detector->unflushed()) << "the tally waits for the next flush";
    EXPECT_EQ(detector->counters().store_failures, 1u);
}

}  // namespace
}  // namespace defender::detect::test
