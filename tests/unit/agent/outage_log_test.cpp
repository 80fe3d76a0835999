// SPDX-License-Identifier: Apache-2.0
// What the agent logs while it cannot connect, driven by hand-made times.

#include <gtest/gtest.h>

#include "agent/outage_log.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using Clock = OutageLog::Clock;

class OutageLogTest : public ::testing::Test {
protected:
    OutageLog log_{10min, 1h, 5min};
    Clock::time_point start_ = Clock::time_point(100h);
};

TEST_F(OutageLogTest, FirstFailureIsAWarningItsRepeatsAreDebugLines) {
    auto first = log_.failed("connection refused", 1500ms, start_);
    EXPECT_EQ(first.level, LogLevel::warn);
    EXPECT_EQ(first.text, "cannot connect: connection refused; retrying in 1.500 s");
    for (int i = 1; i < 20; ++i) {
        auto repeat = log_.failed("connection refused", 2s, start_ + i * 20s);
        EXPECT_EQ(repeat.level, LogLevel::debug) << i;
    }
}

TEST_F(OutageLogTest, AChangedCauseIsAWarningAgain) {
    log_.failed("connection refused", 1s, start_);
    EXPECT_EQ(log_.failed("connection refused", 1s, start_ + 1s).level, LogLevel::debug);
    const auto changed = log_.failed("TLS handshake failed", 2s, start_ + 2s);
    EXPECT_EQ(changed.level, LogLevel::warn);
    EXPECT_EQ(changed.text, "cannot connect: TLS handshake failed; retrying in 2.000 s");
    EXPECT_EQ(log_.failed("TLS handshake failed", 2s, start_ + 3s).level, LogLevel::debug);
}

TEST_F(OutageLogTest, RemindersComeAtDoublingIntervalsUpToAnHour) {
    log_.failed("connection refused", 1s, start_);
    std::vector<std::chrono::minutes> reminders;
    std::string text;
    // One attempt a minute for six hours.
    for (int minute = 1; minute <= 360; ++minute) {
        const auto line = log_.failed("connection refused", 1min, start_ + minute * 1min);
        if (line.level == LogLevel::warn) {
            reminders.push_back(std::chrono::minutes(minute));
            if (text.empty()) text = line.text;
        }
    }
    const std::vector<std::chrono::minutes> expected{10min,  30min,  70min, 130min,
                                                     190min, 250min, 310min};
    EXPECT_EQ(reminders, expected);
    EXPECT_EQ(text,
              "still not connected after 10 min (11 attempts); last error: connection refused; "
              "retrying in 60.00 s");
}

TEST_F(OutageLogTest, AnOutageAfterAConnectionLossCountsFromTheLoss) {
    EXPECT_EQ(log_.connected(start_).text, "connected");
    const auto lost = log_.lost("the broker closed the connection", start_ + 1h);
    EXPECT_EQ(lost.level, LogLevel::warn);
    EXPECT_EQ(lost.text, "connection lost: the broker closed the connection");
    EXPECT_EQ(log_.failed("connection refused", 1s, start_ + 1h + 1s).level, LogLevel::warn);
    const auto reminder = log_.failed("connection refused", 1s, start_ + 1h + 10min);
    EXPECT_EQ(reminder.level, LogLevel::warn);
    EXPECT_NE(reminder.text.find("still not connected after 10 min (2 attempts)"),
              std::string::npos)
        << reminder.text;
    EXPECT_EQ(log_.connected(start_ + 1h + 11min).text,
              "connected again after 2 failed attempt(s), 11 min without a connection");
}

TEST_F(OutageLogTest, AFlappingLinkIsOneConnectionLostWarningPerPeriodWithACount) {
    log_.connected(start_);
    EXPECT_EQ(log_.lost("reset", start_).level, LogLevel::warn);
    for (int i = 1; i <= 4; ++i) {
        log_.connected(start_ + i * 30s);
        EXPECT_EQ(log_.lost("reset", start_ + i * 30s + 1s).level, LogLevel::debug) << i;
    }
    log_.connected(start_ + 6min);
    const auto after = log_.lost("reset", start_ + 6min + 1s);
    EXPECT_EQ(after.level, LogLevel::warn);
    EXPECT_EQ(after.text, "connection lost: reset (lost 4 more time(s) in the last 6 min)");
}

TEST(OutageDurationText, SecondsMinutesHours) {
    EXPECT_EQ(outage_duration_text(45s), "45 s");
    EXPECT_EQ(outage_duration_text(119s), "119 s");
    EXPECT_EQ(outage_duration_text(12min), "12 min");
    EXPECT_EQ(outage_duration_text(3h + 5min), "3 h 5 min");
    EXPECT_EQ(outage_duration_text(4h), "4 h");
}

}  // namespace
}  // namespace defender
