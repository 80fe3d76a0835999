// SPDX-License-Identifier: Apache-2.0
#pragma once
// What became of the reports the agent sent: those waiting for a reply, those in doubt (sent,
// no PUBACK in time), the interface counters the next report's traffic deltas start from, and
// the counts. Traffic is never lost nor counted twice: a report's counters become the baseline
// once it is accepted or delivered without a reply, while those of a rejected or lost report
// are carried into the next one (shared/spec/decisions.md). Pure: the caller passes the time
// and whether the link is up; it logs nothing.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "defender/agent.hpp"
#include "defender/report_builder.hpp"

namespace defender {

class DeliveryLedger {
public:
    using Time = std::chrono::steady_clock::time_point;

    /// A report in doubt on a link that neither drops nor answers is deemed lost after this
    /// many reply timeouts (a half-open link is normally noticed by the keep-alive well before).
    static constexpr int kDoubtfulTimeouts = 10;

    /// A report with no reply `reply_timeout` after it was acknowledged counts as delivered.
    explicit DeliveryLedger(std::chrono::milliseconds reply_timeout)
        : reply_timeout_(reply_timeout) {}

    /// The baseline an earlier run of this boot saved: deltas continue from it.
    void restore(Baseline baseline) { confirmed_ = std::move(baseline); }

    /// Where the next report's deltas start: the counters of the newest report the broker
    /// acknowledged (one no reply reaches counts as delivered), else of the last accepted
    /// one; null when there is none (the report has no network_stats).
    const Baseline* next_baseline() const;
    /// What a restarted agent continues from: reports in doubt die with the process (the
    /// transport keeps them in memory only), so their traffic goes into the next report.
    const Baseline* baseline_to_save() const;
    /// While the fate of a report in doubt is open, the next report waits: its deltas must
    /// start after that report if it arrives, before it if it was lost.
    bool has_report_in_doubt() const;

    /// The broker acknowledged report `report_id` (PUBACK): it waits for its reply, or, when
    /// no replies are expected (dry run), it is delivered at once.
    void acknowledged(std::uint64_t report_id, Baseline baseline, Time now, bool expect_reply);
    /// Sent, but not acknowledged in time: the transport resends it after a reconnect if the
    /// broker kept the session, else it is gone; its reply (or its absence) tells.
    void in_doubt(std::uint64_t report_id, Baseline baseline, Time now);
    /// A report could not be collected, encoded or published.
    void failed() { ++counts_.failed; }
    /// The link came back: replies to reports in doubt come within reply_timeout from `now`.
    void reconnected(Time now);

    /// The service accepted `report_id`: its counters become the baseline, and older reports
    /// still waiting are covered by it. False when no waiting report has that id (or the reply
    /// names none); nothing changes then.
    bool accepted(std::optional<std::uint64_t> report_id);
    /// The service rejected `report_id` (the newest waiting report when the reply names none):
    /// the baseline stays, so its traffic goes into the next report. The id of the report it
    /// answers; nullopt when none waits.
    std::optional<std::uint64_t> rejected(std::optional<std::uint64_t> report_id);

    struct Expired {
        std::uint64_t report_id;
        /// In doubt and no reply after the reconnect: lost, its traffic goes into the next
        /// report. Else delivered but unanswered: its counters become the baseline.
        bool lost;
        /// Unanswered, and the first since a reply arrived (a broker without Device Defender
        /// never answers: one warning per silent stretch).
        bool first_unanswered;
    };
    /// Settles the oldest waiting report when its reply time ran out by `now`; nullopt when
    /// none did. A report in doubt does not expire while disconnected (a reconnect may still
    /// deliver it), nor does any after it.
    std::optional<Expired> expire(Time now, bool connected);
    /// When expire() next has something to do; nullopt when nothing waits (or only a report
    /// in doubt, while disconnected).
    std::optional<Time> next_expiry(bool connected) const;

    /// A reply arrived: how many reports went unanswered in a row before it (0 usually).
    std::uint64_t reply_arrived();

    const AgentCounts& counts() const { return counts_; }
    /// Reports settled: accepted, rejected or unanswered; without replies, those published.
    std::uint64_t settled(bool expect_replies) const;
    /// Reports waiting for a reply, in doubt or not.
    std::size_t waiting() const { return pending_.size(); }

private:
    struct PendingReport {
        std::uint64_t report_id;
        Baseline baseline;  ///< the counters this report's deltas ran up to
        Time published_at;  ///< for a report in doubt: when the link came back
        bool in_doubt = false;
        bool reconnected = false;  ///< in doubt, and the link came back since
    };

    Time expires_at(const PendingReport& pending) const;

    std::chrono::milliseconds reply_timeout_;
    std::optional<Baseline> confirmed_;  ///< counters of the last accepted (or delivered) report
    std::deque<PendingReport> pending_;
    AgentCounts counts_;
    std::uint64_t unanswered_streak_ = 0;
};

}  // namespace defender
