// SPDX-License-Identifier: Apache-2.0
// When reports go out: fixed slots, no back-fill, a full interval after Throttled, one report on
// a reconnect after a missed slot. Hand-made times.

#include "agent/report_schedule.hpp"

#include <gtest/gtest.h>

namespace defender {
namespace {

using namespace std::chrono_literals;
using Time = ReportSchedule::Time;

const Time t0 = Time{} + 24h;

TEST(ReportSchedule, TheFirstReportIsDueAtOnceThenEverySlotWithoutDrift) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);
    ASSERT_TRUE(schedule.due());
    schedule.sent();
    EXPECT_EQ(schedule.next_slot(), t0 + 5min);
    schedule.tick(t0 + 4min);
    EXPECT_FALSE(schedule.due());
    schedule.tick(t0 + 5min + 3s);  // the loop woke late
    EXPECT_TRUE(schedule.due());
    EXPECT_EQ(schedule.next_slot(), t0 + 10min);
}

TEST(ReportSchedule, SlotsMissedWhileBusyAreSkippedNotQueued) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);
    schedule.sent();
    schedule.tick(t0 + 17min);
    EXPECT_TRUE(schedule.due());
    schedule.sent();
    EXPECT_EQ(schedule.next_slot(), t0 + 20min);
    schedule.tick(t0 + 18min);
    EXPECT_FALSE(schedule.due());
}

TEST(ReportSchedule, ThrottledWaitsAFullIntervalFromTheReply) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);
    schedule.sent();
    schedule.throttled(t0 + 1min);
    EXPECT_FALSE(schedule.due());
    EXPECT_EQ(schedule.next_slot(), t0 + 6min);
    schedule.tick(t0 + 5min);
    EXPECT_FALSE(schedule.due());
}

TEST(ReportSchedule, AReconnectSendsAReportOnlyWhenOneWasMissed) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);
    schedule.sent();
    schedule.connected(t0 + 1min);  // a short drop: nothing missed
    EXPECT_FALSE(schedule.due());
    EXPECT_EQ(schedule.next_slot(), t0 + 5min);
    schedule.missed();  // a publish failed on the dropped link
    schedule.connected(t0 + 7min);
    EXPECT_TRUE(schedule.due());
    EXPECT_EQ(schedule.next_slot(), t0 + 12min);  // a full interval after the fresh report
}

TEST(ReportSchedule, ADueReportWaitsForTheConnectionThenTheSlotsRestart) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);  // due, but not connected yet
    schedule.connected(t0 + 30s);
    EXPECT_TRUE(schedule.due());
    EXPECT_EQ(schedule.next_slot(), t0 + 5min + 30s);
}

TEST(ReportSchedule, ANewIntervalKeepsTheLastSlot) {
    ReportSchedule schedule(5min, t0);
    schedule.tick(t0);
    schedule.sent();
    schedule.set_interval(10min, t0 + 1min);
    EXPECT_EQ(schedule.next_slot(), t0 + 10min);
    schedule.set_interval(30s, t0 + 2min);  // the slot would lie in the past: now
    EXPECT_EQ(schedule.next_slot(), t0 + 2min);
    EXPECT_EQ(schedule.interval(), 30s);
}

}  // namespace
}  // namespace defender
