// SPDX-License-Identifier: Apache-2.0
// What became of each report and where the next report's traffic deltas start: accepted,
// rejected, unanswered, in doubt. Hand-made times.

#include "agent/delivery_ledger.hpp"

#include <gtest/gtest.h>

namespace defender {
namespace {

using namespace std::chrono_literals;
using Time = DeliveryLedger::Time;

const Time t0 = Time{} + 24h;

Baseline counters(std::uint64_t bytes_in) {
    Baseline baseline;
    baseline.interfaces.push_back({"eth0", bytes_in, 0, 0, 0, false});
    return baseline;
}

std::uint64_t bytes_in(const Baseline* baseline) {
    return baseline ? baseline->interfaces.at(0).bytes_in : 0;
}

TEST(DeliveryLedger, AnAcceptedReportBecomesTheBaselineAndCoversOlderOnes) {
    DeliveryLedger ledger(60s);
    EXPECT_EQ(ledger.next_baseline(), nullptr);
    ledger.acknowledged(1, counters(100), t0, true);
    ledger.acknowledged(2, counters(200), t0 + 5min, true);
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 200u);  // deltas start after the newest sent
    EXPECT_TRUE(ledger.accepted(2));
    EXPECT_EQ(ledger.waiting(), 0u);  // report 1 is covered by report 2
    EXPECT_EQ(bytes_in(ledger.baseline_to_save()), 200u);
    EXPECT_EQ(ledger.counts().published, 2u);
    EXPECT_EQ(ledger.counts().accepted, 1u);
}

TEST(DeliveryLedger, AnAcceptedReplyForNoWaitingReportChangesNothing) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, true);
    EXPECT_FALSE(ledger.accepted(7));
    EXPECT_FALSE(ledger.accepted(std::nullopt));
    EXPECT_EQ(ledger.waiting(), 1u);
    EXPECT_EQ(ledger.counts().accepted, 0u);
}

TEST(DeliveryLedger, ARejectedReportsTrafficGoesIntoTheNextReport) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, true);
    ASSERT_TRUE(ledger.accepted(1));
    ledger.acknowledged(2, counters(300), t0 + 5min, true);
    EXPECT_EQ(ledger.rejected(std::nullopt), 2u);  // no id: the newest waiting report
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 100u);
    EXPECT_EQ(ledger.rejected(std::nullopt), std::nullopt);
    EXPECT_EQ(ledger.counts().rejected, 1u);
}

TEST(DeliveryLedger, NoReplyWithinTheTimeoutCountsAsDeliveredOneWarningAStretch) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, true);
    EXPECT_EQ(ledger.next_expiry(true), t0 + 60s);
    EXPECT_FALSE(ledger.expire(t0 + 59s, true));
    const auto first = ledger.expire(t0 + 60s, true);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->report_id, 1u);
    EXPECT_FALSE(first->lost);
    EXPECT_TRUE(first->first_unanswered);
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 100u);  // not reported twice
    ledger.acknowledged(2, counters(150), t0 + 5min, true);
    const auto second = ledger.expire(t0 + 6min, true);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->first_unanswered);
    EXPECT_EQ(ledger.reply_arrived(), 2u);
    EXPECT_EQ(ledger.reply_arrived(), 0u);
    EXPECT_EQ(ledger.counts().unanswered, 2u);
}

TEST(DeliveryLedger, AReportInDoubtHoldsTheNextOneAndIsNotSaved) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, true);
    ASSERT_TRUE(ledger.accepted(1));
    ledger.failed();
    ledger.in_doubt(2, counters(180), t0 + 5min);
    EXPECT_TRUE(ledger.has_report_in_doubt());
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 180u);
    // A restart loses what the transport keeps in memory: its traffic goes into the next one.
    EXPECT_EQ(bytes_in(ledger.baseline_to_save()), 100u);
    // Ten reply timeouts on a link that neither drops nor answers.
    EXPECT_EQ(ledger.next_expiry(true), t0 + 5min + 10 * 60s);
    // While disconnected it never expires: a reconnect may still deliver it.
    EXPECT_EQ(ledger.next_expiry(false), std::nullopt);
    EXPECT_FALSE(ledger.expire(t0 + 2h, false));
    EXPECT_EQ(ledger.counts().failed, 1u);
}

TEST(DeliveryLedger, AReportInDoubtIsAcceptedAfterTheReconnect) {
    DeliveryLedger ledger(60s);
    ledger.in_doubt(2, counters(180), t0);
    ledger.reconnected(t0 + 3min);
    EXPECT_EQ(ledger.next_expiry(true), t0 + 4min);
    EXPECT_TRUE(ledger.accepted(2));
    EXPECT_FALSE(ledger.has_report_in_doubt());
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 180u);
}

TEST(DeliveryLedger, AReportInDoubtWithNoReplyAfterTheReconnectIsLost) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, true);
    ASSERT_TRUE(ledger.accepted(1));
    ledger.in_doubt(2, counters(180), t0 + 5min);
    ledger.reconnected(t0 + 6min);
    const auto expired = ledger.expire(t0 + 7min, true);
    ASSERT_TRUE(expired);
    EXPECT_TRUE(expired->lost);
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 100u);  // its traffic goes into the next one
    EXPECT_EQ(ledger.counts().unanswered, 0u);
}

TEST(DeliveryLedger, WithoutRepliesAnAcknowledgedReportIsDeliveredAtOnce) {
    DeliveryLedger ledger(60s);
    ledger.acknowledged(1, counters(100), t0, false);
    EXPECT_EQ(ledger.waiting(), 0u);
    EXPECT_EQ(bytes_in(ledger.next_baseline()), 100u);
    EXPECT_EQ(ledger.settled(false), 1u);
    EXPECT_EQ(ledger.settled(true), 0u);
}

}  // namespace
}  // namespace defender
