// SPDX-License-Identifier: Apache-2.0
// The evaluator with an injected clock: every operator, the set rules, windows, consecutive
// counters, statistics, invalidation, suppressed alerts, custom metrics, state round trips, and
// the AWS IoT Device Client's scenario (docs/detect.md).
#include <gtest/gtest.h>

#include <limits>

#include "defender/detect.hpp"
#include "detect_test_support.hpp"

namespace defender::detect {
namespace {

using test::connections;
using test::custom;
using test::evaluator_of;
using test::profile_from;
using test::profile_with;
using test::seconds;
using test::tcp_ports;
using test::traffic;
using test::types_of;
using Type = ViolationEventType;

constexpr std::int64_t T = 1'700'000'100;  // a multiple of 300 s

Report established(std::uint64_t total) {
    Report report;
    report.metrics.emplace();
    report.metrics->established_connections = ConnectionList{{}, total};
    return report;
}

Report udp_total(std::uint64_t total) {
    Report report;
    report.metrics.emplace();
    report.metrics->listening_udp_ports = PortList{{}, total};
    return report;
}

std::string behavior(std::string_view metric, std::string_view criteria,
                     std::string_view name = "B") {
    return R"({"name": ")" + std::string(name) + R"(", "metric": ")" + std::string(metric) +
           R"(", "criteria": )" + std::string(criteria) + "}";
}

// Whether one report with this value raises an alarm under this operator and threshold.
bool violates(std::string_view op, std::uint64_t threshold, std::uint64_t value) {
    auto evaluator = evaluator_of(
        {profile_with("[" +
                      behavior("aws:num-established-tcp-connections",
                               R"({"comparisonOperator": ")" + std::string(op) +
                                   R"(", "value": {"count": )" + std::to_string(threshold) + "}}") +
                      "]")});
    return !evaluator.on_report("t", established(value), seconds(T)).empty();
}

TEST(DetectEvaluator, NumericOperatorsViolateWhenTheCriterionIsFalse) {
    EXPECT_FALSE(violates("less-than", 3, 2));
    EXPECT_TRUE(violates("less-than", 3, 3));
    EXPECT_TRUE(violates("less-than", 3, 4));
    EXPECT_FALSE(violates("less-than-equals", 3, 3));
    EXPECT_TRUE(violates("less-than-equals", 3, 4));
    EXPECT_TRUE(violates("greater-than", 3, 3));
    EXPECT_FALSE(violates("greater-than", 3, 4));
    EXPECT_TRUE(violates("greater-than-equals", 3, 2));
    EXPECT_FALSE(violates("greater-than-equals", 3, 3));
    // AWS CLI example: greater-than 10 with a value of 0 is in alarm.
    EXPECT_TRUE(violates("greater-than", 10, 0));
}

TEST(DetectEvaluator, PortSetsAreAllowedAndDeniedLists) {
    // The developer guide's camera (only 8888 is normal; here 23 too, which D denies): a
    // listener on 443 violates.
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior("aws:listening-tcp-ports",
                 R"({"comparisonOperator": "in-port-set", "value": {"ports": [8888, 23]}})") +
        "," +
        behavior("aws:listening-tcp-ports",
                 R"({"comparisonOperator": "not-in-port-set", "value": {"ports": [23]}})", "D") +
        "]")});
    EXPECT_TRUE(evaluator.on_report("cam", tcp_ports({8888}), seconds(T)).empty());
    auto events = evaluator.on_report("cam", tcp_ports({8888, 443}), seconds(T + 300));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "B");
    EXPECT_EQ(events[0].violation_event_type, Type::in_alarm);
    EXPECT_EQ(events[0].metric_value->ports, (std::vector<std::uint16_t>{8888, 443}));
    EXPECT_EQ(events[0].violation_event_time, seconds(T + 300));
    events = evaluator.on_report("cam", tcp_ports({8888, 23}), seconds(T + 600));
    ASSERT_EQ(events.size(), 2u);  // 443 is gone (B clears), 23 is denied (D alarms)
    EXPECT_EQ(events[0].behavior.name, "B");
    EXPECT_EQ(events[0].violation_event_type, Type::alarm_cleared);
    EXPECT_EQ(events[1].behavior.name, "D");
    EXPECT_EQ(events[1].violation_event_type, Type::in_alarm);
}

TEST(DetectEvaluator, AnEmptyListConformsAndClearsAtOnce) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:listening-tcp-ports",
            R"({"comparisonOperator": "in-port-set", "value": {"ports": [22]}, "consecutiveDatapointsToClear": 3})") +
        "]")});
    EXPECT_EQ(types_of(evaluator.on_report("t", tcp_ports({80}), seconds(T))),
              std::vector<Type>{Type::in_alarm});
    EXPECT_EQ(types_of(evaluator.on_report("t", tcp_ports({}), seconds(T + 300))),
              std::vector<Type>{Type::alarm_cleared});
    // A report without the block gives no datapoint at all.
    EXPECT_TRUE(evaluator.on_report("t", traffic(1), seconds(T + 600)).empty());
}

TEST(DetectEvaluator, AnAddressAlarmKeepsItsAddressesPackedAndListsThemAsCidrs) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior("aws:destination-ip-addresses",
                 R"({"comparisonOperator": "in-cidr-set", "value": {"cidrs": ["10.0.0.0/8"]}})",
                 "Allowed") +
        "]")});
    ASSERT_EQ(evaluator.on_report("t", connections({"8.8.8.8:53", "[2001:db8::7]:443"}), seconds(T))
                  .size(),
              1u);
    const ThingState* state = evaluator.thing_state("t");
    ASSERT_TRUE(state);
    const auto& alarm = state->profiles.at(0).behaviors.at(0).alarm;
    ASSERT_TRUE(alarm);
    EXPECT_TRUE(std::holds_alternative<PackedAddresses>(alarm->last_value));
    const auto active = evaluator.active_violations("t");
    ASSERT_EQ(active.size(), 1u);
    ASSERT_TRUE(active[0].last_violation_value);
    EXPECT_EQ(active[0].last_violation_value->cidrs,
              (std::vector<std::string>{"8.8.8.8", "2001:db8::7"}));
}

TEST(DetectEvaluator, CidrSetsCoverIpv4AndIpv6) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:destination-ip-addresses",
            R"({"comparisonOperator": "in-cidr-set", "value": {"cidrs": ["10.0.0.0/8", "2001:db8::/32"]}})",
            "Allowed") +
        "," +
        behavior(
            "aws:destination-ip-addresses",
            R"({"comparisonOperator": "not-in-cidr-set", "value": {"cidrs": ["12.8.0.0/16", "fd00::/8"]}})",
            "Denied") +
        "]")});
    EXPECT_TRUE(
        evaluator.on_report("t", connections({"10.1.2.3:443", "[2001:db8::7]:8883"}), seconds(T))
            .empty());
    auto events =
        evaluator.on_report("t", connections({"10.1.2.3:443", "8.8.8.8:53"}), seconds(T + 300));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "Allowed");
    EXPECT_EQ(events[0].metric_value->cidrs, (std::vector<std::string>{"8.8.8.8", "10.1.2.3"}));
    // fd12::1 is outside the allowed list (still in alarm: no event) and inside the denied one.
    events = evaluator.on_report("t", connections({"[fd12::1]:443"}), seconds(T + 600));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "Denied");
    EXPECT_EQ(events[0].violation_event_type, Type::in_alarm);
    EXPECT_EQ(evaluator.active_violations("t").size(), 2u);
}

TEST(DetectEvaluator, CustomMetricsOfAllFourTypes) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior("batteryPercentage",
                 R"({"comparisonOperator": "greater-than", "value": {"number": 75}})", "N") +
        "," +
        behavior("fanSpeeds",
                 R"({"comparisonOperator": "in-set", "value": {"numbers": [0, 1200, 2400]}})",
                 "NL") +
        "," +
        behavior("interfaces",
                 R"({"comparisonOperator": "not-in-set", "value": {"strings": ["ppp0"]}})", "SL") +
        "," +
        behavior("peers",
                 R"({"comparisonOperator": "in-cidr-set", "value": {"cidrs": ["192.0.2.0/24"]}})",
                 "IL") +
        "]")});
    Report good;
    good.custom_metrics = {{"batteryPercentage", NumberValue{std::int64_t{80}}},
                           {"fanSpeeds", NumberListValue{{std::int64_t{1200}, 2400.0}}},
                           {"interfaces", StringListValue{{"eth0", "wlan0"}}},
                           {"peers", IpListValue{{"192.0.2.1", "192.0.2.200"}}}};
    EXPECT_TRUE(evaluator.on_report("t", good, seconds(T)).empty());
    Report bad;
    bad.custom_metrics = {{"batteryPercentage", NumberValue{50.5}},
                          {"fanSpeeds", NumberListValue{{std::int64_t{1300}}}},
                          {"interfaces", StringListValue{{"eth0", "ppp0"}}},
                          {"peers", IpListValue{{"198.51.100.1"}}}};
    const auto events = evaluator.on_report("t", bad, seconds(T + 300));
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].metric_value->number, 50.5);
    EXPECT_EQ(events[1].metric_value->numbers, std::vector<double>{1300});
    EXPECT_EQ(events[2].metric_value->strings, (std::vector<std::string>{"eth0", "ppp0"}));
    EXPECT_EQ(events[3].metric_value->cidrs, std::vector<std::string>{"198.51.100.1"});
    // A value of another type than the behavior's is no datapoint.
    EXPECT_TRUE(
        evaluator
            .on_report("t", custom("batteryPercentage", StringListValue{{"x"}}), seconds(T + 600))
            .empty());
}

TEST(DetectEvaluator, WindowsSumTrafficDeltasAndEvaluateWhenTheyClose) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than-equals", "value": {"count": 1000}, "durationSeconds": 300})") +
        "]")});
    EXPECT_TRUE(evaluator.on_report("t", traffic(600), seconds(T + 10)).empty());
    EXPECT_TRUE(evaluator.on_report("t", traffic(600), seconds(T + 200)).empty());
    EXPECT_EQ(evaluator.next_deadline(), seconds(T + 300));
    EXPECT_TRUE(evaluator.advance(seconds(T + 300) - std::chrono::milliseconds(1)).empty());
    const auto events = evaluator.advance(seconds(T + 300));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].violation_event_type, Type::in_alarm);
    EXPECT_EQ(events[0].metric_value->count, 1200u);              // 600 + 600
    EXPECT_EQ(events[0].violation_event_time, seconds(T + 300));  // the window's end
    // Next: the alarm's invalidation, 2 days after the last report.
    EXPECT_EQ(evaluator.next_deadline(),
              seconds(T + 200 + 2 * 24 * 3600) + std::chrono::milliseconds(1));
    // The next window: 900 conforms and clears.
    EXPECT_TRUE(evaluator.on_report("t", traffic(900), seconds(T + 400)).empty());
    EXPECT_EQ(types_of(evaluator.on_report("t", traffic(5), seconds(T + 601))),
              std::vector<Type>{Type::alarm_cleared});  // the report's time closes the window
}

TEST(DetectEvaluator, OtherCountsTakeTheLastValueOfTheWindow) {
    Report five = udp_total(5);
    Report one = udp_total(1);
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:num-listening-udp-ports",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "durationSeconds": 600})") +
        "]")});
    EXPECT_TRUE(evaluator.on_report("t", five, seconds(T + 300)).empty());  // window [T, T+600)
    EXPECT_TRUE(evaluator.on_report("t", one, seconds(T + 500)).empty());
    EXPECT_TRUE(evaluator.advance(seconds(T + 600)).empty());  // last value 1 conforms
    EXPECT_TRUE(evaluator.on_report("t", one, seconds(T + 700)).empty());
    EXPECT_TRUE(evaluator.on_report("t", five, seconds(T + 800)).empty());
    EXPECT_EQ(types_of(evaluator.advance(seconds(T + 1200))), std::vector<Type>{Type::in_alarm});
}

TEST(DetectEvaluator, AWindowWithoutAReportGivesNoDatapoint) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:all-bytes-out",
            R"({"comparisonOperator": "less-than", "value": {"count": 100}, "durationSeconds": 300, "consecutiveDatapointsToAlarm": 2})") +
        "]")});
    evaluator.on_report("t", traffic(0, 500), seconds(T + 1));
    EXPECT_TRUE(evaluator.advance(seconds(T + 300)).empty());  // one violating datapoint
    EXPECT_TRUE(evaluator.advance(seconds(T + 900)).empty());  // two windows without reports
    // A report without network_stats gives no datapoint either.
    Report first;
    first.metrics.emplace();
    evaluator.on_report("t", first, seconds(T + 901));
    EXPECT_TRUE(evaluator.advance(seconds(T + 1200)).empty());
    evaluator.on_report("t", traffic(0, 500), seconds(T + 1201));
    EXPECT_EQ(types_of(evaluator.advance(seconds(T + 1500))), std::vector<Type>{Type::in_alarm});
}

TEST(DetectEvaluator, ConsecutiveDatapointsToAlarmAndToClear) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than-equals", "value": {"count": 3}, "consecutiveDatapointsToAlarm": 3, "consecutiveDatapointsToClear": 2})") +
        "]")});
    std::vector<std::vector<Type>> seen;
    std::int64_t t = T;
    for (const std::uint64_t value : {9, 9, 1, 9, 9, 9, 9, 1, 9, 1, 1, 1}) {
        seen.push_back(types_of(evaluator.on_report("t", established(value), seconds(t += 300))));
    }
    const std::vector<Type> none;
    EXPECT_EQ(seen, (std::vector<std::vector<Type>>{none,
                                                    none,
                                                    none,
                                                    none,
                                                    none,
                                                    {Type::in_alarm},
                                                    none,
                                                    none,
                                                    none,
                                                    none,
                                                    {Type::alarm_cleared},
                                                    none}));
    const auto events = evaluator.on_report("t", established(9), seconds(t += 300));
    EXPECT_TRUE(events.empty());
}

TEST(DetectEvaluator, OneViolationIdSpansOneAlarm) {
    auto evaluator = evaluator_of(
        {profile_with("[" +
                      behavior("aws:num-established-tcp-connections",
                               R"({"comparisonOperator": "less-than", "value": {"count": 3}})") +
                      "]")});
    const auto raised = evaluator.on_report("t", established(5), seconds(T));
    evaluator.on_report("t", established(6), seconds(T + 300));
    const auto active = evaluator.active_violations();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].violation_id, raised[0].violation_id);
    EXPECT_EQ(active[0].violation_start_time, seconds(T));
    EXPECT_EQ(active[0].last_violation_time, seconds(T + 300));
    EXPECT_EQ(active[0].last_violation_value->count, 6u);
    const auto cleared = evaluator.on_report("t", established(1), seconds(T + 600));
    EXPECT_EQ(cleared[0].violation_id, raised[0].violation_id);
    const auto again = evaluator.on_report("t", established(5), seconds(T + 900));
    EXPECT_NE(again[0].violation_id, raised[0].violation_id);
}

TEST(DetectEvaluator, AwsIotDeviceClientScenario) {
    // The Device Client's integration test: less-than {count: 1} on the four traffic metrics,
    // 300 s windows: a device with any traffic has exactly four active violations after the
    // first full window.
    std::string behaviors = "[";
    for (const char* metric :
         {"aws:all-bytes-in", "aws:all-bytes-out", "aws:all-packets-in", "aws:all-packets-out"}) {
        if (behaviors.size() > 1) behaviors += ",";
        behaviors += behavior(
            metric,
            R"({"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300})",
            std::string(metric).substr(4));
    }
    auto evaluator = evaluator_of({profile_with(behaviors + "]")});
    Report first;  // an agent's first report has no network_stats
    first.metrics.emplace();
    first.metrics->listening_tcp_ports = PortList{{{22, std::nullopt}}, 1};
    EXPECT_TRUE(evaluator.on_report("device", first, seconds(T + 5)).empty());
    EXPECT_TRUE(evaluator.on_report("device", traffic(100, 50, 2, 1), seconds(T + 305)).empty());
    EXPECT_TRUE(evaluator.active_violations().empty());
    const auto events = evaluator.advance(seconds(T + 600));
    EXPECT_EQ(types_of(events), std::vector<Type>(4, Type::in_alarm));
    EXPECT_EQ(evaluator.active_violations().size(), 4u);
    EXPECT_EQ(evaluator.active_violations("device").size(), 4u);
}

TEST(DetectEvaluator, StatisticalThresholdsOverTheProfilesPopulation) {
    auto evaluator = evaluator_of({profile_from(
        R"({"securityProfileName": "p", "targets": ["cam-*"], "behaviors": [)" +
        behavior(
            "aws:all-bytes-out",
            R"({"comparisonOperator": "less-than-equals", "statisticalThreshold": {"statistic": "p50"}, "durationSeconds": 300})") +
        "]}")});
    evaluator.on_report("cam-1", traffic(0, 100), seconds(T + 1));
    evaluator.on_report("cam-2", traffic(0, 200), seconds(T + 2));
    evaluator.on_report("cam-3", traffic(0, 10'000), seconds(T + 3));
    evaluator.on_report("cam-3", traffic(0, 5'000), seconds(T + 4));  // summed: 15 000
    evaluator.on_report("gateway", traffic(0, 1), seconds(T + 5));    // not in the population
    EXPECT_EQ(evaluator.thing_state("gateway"), nullptr);
    const auto events = evaluator.advance(seconds(T + 300));
    // p50 of {100, 200, 15 000} is 200 (nearest rank): only cam-3 is above it.
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].thing_name, "cam-3");
    EXPECT_EQ(events[0].metric_value->count, 15'000u);
    EXPECT_EQ(events[0].violation_event_time, seconds(T + 300));
    // A window where one thing reports: a population of one, no datapoint, the alarm stays.
    evaluator.on_report("cam-1", traffic(0, 1), seconds(T + 301));
    EXPECT_TRUE(evaluator.advance(seconds(T + 600)).empty());
    EXPECT_EQ(evaluator.active_violations().size(), 1u);
    // Everyone equal: everyone conforms, cam-3 clears.
    for (const char* thing : {"cam-1", "cam-2", "cam-3"}) {
        evaluator.on_report(thing, traffic(0, 50), seconds(T + 601));
    }
    const auto cleared = evaluator.advance(seconds(T + 900));
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_EQ(cleared[0].thing_name, "cam-3");
    EXPECT_EQ(cleared[0].violation_event_type, Type::alarm_cleared);
}

TEST(DetectEvaluator, NoPercentileOfNegativeValues) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "temperature",
            R"({"comparisonOperator": "less-than", "statisticalThreshold": {"statistic": "p90"}, "durationSeconds": 300})") +
        "]")});
    evaluator.on_report("a", custom("temperature", NumberValue{-5.0}), seconds(T + 1));
    evaluator.on_report("b", custom("temperature", NumberValue{std::int64_t{30}}), seconds(T + 1));
    evaluator.on_report("c", custom("temperature", NumberValue{std::int64_t{90}}), seconds(T + 1));
    EXPECT_TRUE(evaluator.advance(seconds(T + 300)).empty());
    evaluator.on_report("a", custom("temperature", NumberValue{std::int64_t{5}}), seconds(T + 301));
    evaluator.on_report("b", custom("temperature", NumberValue{std::int64_t{30}}),
                        seconds(T + 301));
    evaluator.on_report("c", custom("temperature", NumberValue{std::int64_t{90}}),
                        seconds(T + 301));
    // p90 of {5, 30, 90} is 90; less-than 90 is false for c only.
    const auto events = evaluator.advance(seconds(T + 600));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].thing_name, "c");
    EXPECT_EQ(events[0].metric_value->number, 90.0);
}

TEST(DetectEvaluator, AlarmsOfASilentThingAreInvalidatedAfterTwoDays) {
    auto evaluator = evaluator_of(
        {profile_with("[" +
                      behavior("aws:num-established-tcp-connections",
                               R"({"comparisonOperator": "less-than", "value": {"count": 3}})") +
                      "]")});
    evaluator.on_report("quiet", established(5), seconds(T));
    evaluator.on_report("chatty", established(5), seconds(T));
    constexpr std::int64_t kTwoDays = 2 * 24 * 3600;
    evaluator.on_report("chatty", established(5), seconds(T + kTwoDays - 60));
    EXPECT_EQ(evaluator.next_deadline(), seconds(T + kTwoDays) + std::chrono::milliseconds(1));
    EXPECT_TRUE(evaluator.advance(seconds(T + kTwoDays)).empty());  // "more than" two days
    const auto events = evaluator.advance(seconds(T + kTwoDays + 1));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].thing_name, "quiet");
    EXPECT_EQ(events[0].violation_event_type, Type::alarm_invalidated);
    EXPECT_EQ(events[0].violation_event_time, seconds(T + kTwoDays));
    EXPECT_FALSE(events[0].metric_value);
    EXPECT_EQ(evaluator.active_violations().size(), 1u);  // chatty's
    // A report after the silence starts afresh: a new alarm, a new id.
    const auto again = evaluator.on_report("quiet", established(5), seconds(T + kTwoDays + 10));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_NE(again[0].violation_id, events[0].violation_id);
}

TEST(DetectEvaluator, TheTimeScaleScalesWindowsAndInvalidation) {
    auto evaluator = evaluator_of(
        {profile_with(
            "[" +
            behavior(
                "aws:all-bytes-in",
                R"({"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300})") +
            "]")},
        0.01);
    const Time start = seconds(T);  // 300 s windows are 3 s
    evaluator.on_report("t", traffic(5), start + std::chrono::milliseconds(100));
    EXPECT_EQ(evaluator.next_deadline(), start + std::chrono::seconds(3));
    EXPECT_EQ(types_of(evaluator.advance(start + std::chrono::seconds(3))),
              std::vector<Type>{Type::in_alarm});
    // 2 days at 0.01 are 1728 s.
    EXPECT_TRUE(evaluator.advance(start + std::chrono::milliseconds(100 + 1'728'000)).empty());
    EXPECT_EQ(types_of(evaluator.advance(start + std::chrono::milliseconds(100 + 1'728'001))),
              std::vector<Type>{Type::alarm_invalidated});
    EXPECT_FALSE(Evaluator::create({}, EvaluatorOptions{0.0}).ok());
    EXPECT_EQ(Evaluator::create({}, EvaluatorOptions{-1.0}).error().message,
              "the time scale must be a number above 0 and at most 1000000");
}

TEST(DetectEvaluator, SuppressedAlertsAreRecordedButNotNotified) {
    auto evaluator = evaluator_of({profile_with(
        R"([{"name": "B", "metric": "aws:num-established-tcp-connections", "suppressAlerts": true,
             "criteria": {"comparisonOperator": "less-than", "value": {"count": 3}}}])")});
    const auto events = evaluator.on_report("t", established(5), seconds(T));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(events[0].notify);
    EXPECT_EQ(events[0].behavior.suppress_alerts, true);
    EXPECT_EQ(evaluator.active_violations().size(), 1u);
}

TEST(DetectEvaluator, MlAndCloudSideBehaviorsAreListedNotEvaluated) {
    auto evaluator = evaluator_of({profile_with(
        R"([{"name": "ML", "metric": "aws:all-bytes-out", "criteria": {"mlDetectionConfig": {"confidenceLevel": "HIGH"}}},
            {"name": "Auth", "metric": "aws:num-authorization-failures", "criteria": {"comparisonOperator": "less-than", "value": {"count": 10}, "durationSeconds": 300}},
            {"name": "Ok", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}}])")});
    const auto& skipped = evaluator.not_evaluated();
    ASSERT_EQ(skipped.size(), 2u);
    EXPECT_EQ(skipped[0].behavior, "ML");
    EXPECT_EQ(skipped[0].reason,
              "ML Detect behavior: models need 14 days and 25 000 datapoints to train; not "
              "evaluated");
    EXPECT_EQ(skipped[1].behavior, "Auth");
    EXPECT_EQ(skipped[1].reason,
              "cloud-side metric aws:num-authorization-failures: measured by AWS IoT's broker, "
              "never in a device report; not evaluable");
    evaluator.on_report("t", traffic(5, 5), seconds(T));
    const auto events = evaluator.advance(seconds(T + 300));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "Ok");
    ASSERT_EQ(evaluator.thing_state("t")->profiles[0].behaviors.size(), 1u);
}

TEST(DetectEvaluator, AReportForOneThingNeverChangesAnother) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "consecutiveDatapointsToAlarm": 2})") +
        "," +
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "durationSeconds": 300})",
            "W") +
        "]")});
    evaluator.on_report("a", established(5), seconds(T + 1));
    Report both = established(5);
    both.metrics->network_stats = NetworkStats{9, 9, 9, 9};
    evaluator.on_report("b", both, seconds(T + 2));
    const ThingState a_before = *evaluator.thing_state("a");
    for (int i = 0; i < 5; ++i)
        evaluator.on_report("b", both, seconds(T + 3 + i));
    EXPECT_EQ(*evaluator.thing_state("a"), a_before);
    EXPECT_EQ(evaluator.active_violations("a").size(), 0u);
    EXPECT_EQ(evaluator.active_violations("b").size(), 1u);
}

TEST(DetectEvaluator, TimeNeverRunsBackwards) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "durationSeconds": 300})") +
        "]")});
    evaluator.on_report("t", traffic(9), seconds(T + 400));
    // A report stamped earlier counts as received at the latest time seen.
    evaluator.on_report("t", traffic(9), seconds(T + 10));
    EXPECT_EQ(
        std::get<std::uint64_t>(evaluator.thing_state("t")->profiles[0].behaviors[0].window_value),
        18u);
    EXPECT_EQ(evaluator.thing_state("t")->last_report, seconds(T + 400));
}

TEST(DetectEvaluator, StateRoundTripsAndEvaluationContinuesAfterARestart) {
    const auto profile = profile_with(
        "[" +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "consecutiveDatapointsToAlarm": 3})") +
        "," +
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 100}, "durationSeconds": 300})",
            "W") +
        "]");
    auto before = evaluator_of({profile});
    Report both = established(5);
    both.metrics->network_stats = NetworkStats{60, 0, 0, 0};
    before.on_report("t", both, seconds(T + 1));
    before.on_report("t", both, seconds(T + 2));  // two of three; window holds 120
    const std::string saved = to_json(*before.thing_state("t"));
    auto restored_state = thing_state_from_json(saved);
    ASSERT_TRUE(restored_state.ok()) << restored_state.error().message;
    EXPECT_EQ(*restored_state, *before.thing_state("t"));

    auto after = evaluator_of({profile});
    after.restore("t", *restored_state);
    EXPECT_EQ(*after.thing_state("t"), *before.thing_state("t"));
    EXPECT_EQ(after.next_deadline(), seconds(T + 300));
    const auto events = after.on_report("t", established(5), seconds(T + 3));  // the third
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "B");
    const auto closed = after.advance(seconds(T + 300));
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].metric_value->count, 120u);

    // The active alarm's state survives too.
    const auto saved_alarm = thing_state_from_json(to_json(*after.thing_state("t")));
    ASSERT_TRUE(saved_alarm.ok());
    auto third = evaluator_of({profile});
    third.restore("t", *saved_alarm);
    EXPECT_EQ(third.active_violations(), after.active_violations());
}

TEST(DetectEvaluator, RestoringUnderChangedProfiles) {
    auto old_evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "consecutiveDatapointsToAlarm": 2})",
            "Kept") +
        "," +
        behavior("aws:num-established-tcp-connections",
                 R"({"comparisonOperator": "less-than", "value": {"count": 3}})", "Changed") +
        "," +
        behavior("aws:num-established-tcp-connections",
                 R"({"comparisonOperator": "less-than", "value": {"count": 3}})", "Removed") +
        "]")});
    old_evaluator.on_report("t", established(5), seconds(T));
    const ThingState saved = *old_evaluator.thing_state("t");
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "consecutiveDatapointsToAlarm": 2})",
            "Kept") +
        "," +
        behavior(
            "aws:num-established-tcp-connections",
            R"({"comparisonOperator": "less-than", "value": {"count": 9}, "consecutiveDatapointsToClear": 2})",
            "Changed") +
        "]")});
    evaluator.restore("t", saved);
    const auto& behaviors = evaluator.thing_state("t")->profiles[0].behaviors;
    ASSERT_EQ(behaviors.size(), 2u);
    EXPECT_EQ(behaviors[0].violating_run, 1);  // unchanged: its counter continues
    EXPECT_TRUE(behaviors[1].alarm);           // changed: the alarm stays on...
    EXPECT_EQ(behaviors[1].violating_run, 0);  // ...its counters restart
    const auto events = evaluator.on_report("t", established(5), seconds(T + 300));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].behavior.name, "Kept");
    EXPECT_EQ(evaluator.active_violations().size(), 2u);
    // A state of a thing no profile applies to any more is dropped.
    auto targeted = evaluator_of(
        {profile_from(R"({"securityProfileName": "p", "targets": ["other"], "behaviors": []})")});
    targeted.restore("t", saved);
    EXPECT_EQ(targeted.thing_state("t"), nullptr);
}

TEST(DetectEvaluator, ThingStateJsonIsChecked) {
    EXPECT_EQ(thing_state_from_json("{").error().message,
              "thing state is not valid JSON (at byte 2)");
    EXPECT_EQ(thing_state_from_json(R"({"profiles": 3})").error().message,
              "thing state is malformed: a member is missing or has the wrong type");
    EXPECT_EQ(
        thing_state_from_json(
            R"({"profiles": [{"profile": "p", "behaviors": [{"behavior": "b", "definition": 1, "windowStart": 0, "windowValue": {"ports": [1]}, "violatingRun": 0, "conformingRun": 0, "alarms": 1}]}]})")
            .error()
            .message,
        "thing state is malformed: a member is missing or has the wrong type");
}

TEST(DetectEvaluator, AStoredStateWithAbsurdTimesNeverOverflows) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 3}, "durationSeconds": 300})") +
        "]")});
    evaluator.on_report("t", traffic(9), seconds(T));
    ThingState state = *evaluator.thing_state("t");
    state.last_report = Time(std::chrono::milliseconds(std::numeric_limits<std::int64_t>::max()));
    state.profiles[0].behaviors[0].window_start = std::numeric_limits<std::int64_t>::max() - 5;
    state.profiles[0].behaviors[0].window_value = 2.5;  // a number where a count belongs
    state.profiles[0].behaviors[0].alarm = AlarmState{};
    evaluator.restore("t", state);
    EXPECT_TRUE(evaluator.advance(seconds(T + 600)).empty());
    evaluator.on_report("t", traffic(9), seconds(T + 601));
    EXPECT_EQ(evaluator.active_violations().size(), 1u);
}

TEST(DetectEvaluator, ProfilesAreCheckedWhenTheEvaluatorIsMade) {
    SecurityProfile bad;
    bad.name = "p";
    bad.behaviors.push_back(Behavior{"B", "aws:all-bytes-in", std::nullopt, std::nullopt, {}, {}});
    EXPECT_EQ(Evaluator::create({bad}).error().message,
              "security profile \"p\": Behavior B is malformed. criteria is required");
    SecurityProfile empty;
    empty.name = "p";
    EXPECT_EQ(Evaluator::create({empty, empty}).error().message,
              "two security profiles are named \"p\"");
}

TEST(DetectEvaluator, EventsAndActiveViolationsAsTheAwsCliPrintsThem) {
    auto evaluator = evaluator_of({profile_with(
        "[" +
        behavior("aws:listening-tcp-ports",
                 R"({"comparisonOperator": "in-port-set", "value": {"ports": [8888]}})") +
        "]")});
    const auto events =
        evaluator.on_report("cam", tcp_ports({443}), seconds(T) + std::chrono::milliseconds(500));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(
        to_json(events[0]),
        R"({"violationId":")" + events[0].violation_id +
            R"(","thingName":"cam","securityProfileName":"p","behavior":{"name":"B","metric":"aws:listening-tcp-ports","criteria":{"comparisonOperator":"in-port-set","value":{"ports":[8888]}}},"metricValue":{"ports":[443]},"violationEventType":"in-alarm","violationEventTime":1700000100.5})");
    const auto active = evaluator.active_violations();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(
        to_json(active[0]),
        R"({"violationId":")" + events[0].violation_id +
            R"(","thingName":"cam","securityProfileName":"p","behavior":{"name":"B","metric":"aws:listening-tcp-ports","criteria":{"comparisonOperator":"in-port-set","value":{"ports":[8888]}}},"lastViolationValue":{"ports":[443]},"lastViolationTime":1700000100.5,"violationStartTime":1700000100.5})");
}

TEST(DetectEvaluator, SeveralProfilesAndTargets) {
    auto evaluator = evaluator_of(
        {profile_from(R"({"securityProfileName": "all", "behaviors": [)" +
                      behavior("aws:num-established-tcp-connections",
                               R"({"comparisonOperator": "less-than", "value": {"count": 3}})") +
                      "]}"),
         profile_from(R"({"securityProfileName": "cams", "targets": ["cam-*"], "behaviors": [)" +
                      behavior("aws:num-established-tcp-connections",
                               R"({"comparisonOperator": "less-than", "value": {"count": 10}})") +
                      "]}")});
    auto events = evaluator.on_report("cam-1", established(20), seconds(T));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].security_profile_name, "all");
    EXPECT_EQ(events[1].security_profile_name, "cams");
    events = evaluator.on_report("gw", established(20), seconds(T));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].security_profile_name, "all");
    EXPECT_EQ(evaluator.things(), (std::vector<std::string>{"cam-1", "gw"}));
}

}  // namespace
}  // namespace defender::detect
