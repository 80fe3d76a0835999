// SPDX-License-Identifier: Apache-2.0
// What the Detect service needs from the evaluator besides events: which things' states to
// persist, and which reports are resends of one already evaluated.

#include <gtest/gtest.h>

#include "detect_test_support.hpp"

namespace defender::detect::test {
namespace {

constexpr std::int64_t T = 1'700'000'100;  // a multiple of 300: a window starts

std::string window_behavior() {
    return R"([{"name": "W", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 100}, "durationSeconds": 300}}])";
}

Report with_id(Report report, std::uint64_t id) {
    report.report_id = id;
    return report;
}

TEST(DetectEvaluatorChanges, AReportChangesOnlyItsThing) {
    auto evaluator = evaluator_of({profile_with(window_behavior())});
    evaluator.on_report("a", with_id(traffic(10), 1), seconds(T));
    evaluator.on_report("b", with_id(traffic(10), 1), seconds(T));
    EXPECT_EQ(evaluator.take_changed(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(evaluator.take_changed().empty());
    evaluator.on_report("b", with_id(traffic(10), 2), seconds(T + 1));
    EXPECT_EQ(evaluator.take_changed(), std::vector<std::string>{"b"});
}

TEST(DetectEvaluatorChanges, AClosingWindowChangesItsThings) {
    auto evaluator = evaluator_of({profile_with(window_behavior())});
    evaluator.on_report("a", with_id(traffic(10), 1), seconds(T));
    evaluator.on_report("b", with_id(traffic(10), 1), seconds(T));
    (void)evaluator.take_changed();
    EXPECT_TRUE(evaluator.advance(seconds(T + 1)).empty());
    EXPECT_TRUE(evaluator.take_changed().empty());
    (void)evaluator.advance(seconds(T + 300));
    EXPECT_EQ(evaluator.take_changed(), (std::vector<std::string>{"a", "b"}));
}

TEST(DetectEvaluatorChanges, AThingNoProfileAppliesToIsNotKept) {
    auto profile = profile_with(window_behavior());
    profile.targets = {"sensor-*"};
    auto evaluator = evaluator_of({profile});
    evaluator.on_report("gateway", with_id(traffic(10), 1), seconds(T));
    EXPECT_TRUE(evaluator.take_changed().empty());
    EXPECT_FALSE(evaluator.is_duplicate("gateway", 1));
}

TEST(DetectEvaluatorChanges, AResentReportIsADuplicate) {
    auto evaluator = evaluator_of({profile_with(window_behavior())});
    EXPECT_FALSE(evaluator.is_duplicate("a", 7));
    evaluator.on_report("a", with_id(traffic(10), 7), seconds(T));
    EXPECT_TRUE(evaluator.is_duplicate("a", 7));
    EXPECT_FALSE(evaluator.is_duplicate("b", 7));
    EXPECT_FALSE(evaluator.is_duplicate("a", 8));
    for (std::uint64_t id = 8; id < 12; ++id) {
        evaluator.on_report("a", with_id(traffic(10), id), seconds(T + 1));
    }
    EXPECT_FALSE(evaluator.is_duplicate("a", 7)) << "only the last four ids are kept";
    EXPECT_TRUE(evaluator.is_duplicate("a", 8));
}

TEST(DetectEvaluatorChanges, RecentIdsSurviveARestart) {
    auto evaluator = evaluator_of({profile_with(window_behavior())});
    evaluator.on_report("a", with_id(traffic(10), 41), seconds(T));
    auto saved = thing_state_from_json(to_json(*evaluator.thing_state("a")));
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    auto restarted = evaluator_of({profile_with(window_behavior())});
    restarted.restore("a", *saved);
    EXPECT_TRUE(restarted.is_duplicate("a", 41));
    EXPECT_TRUE(restarted.take_changed().empty()) << "a restore is not a change";
}

}  // namespace
}  // namespace defender::detect::test
