// SPDX-License-Identifier: Apache-2.0
#pragma once
// When reports go out: the first at once, then on a fixed schedule of slots an interval apart
// that never drifts; slots missed while busy or disconnected are skipped, not queued (no
// back-fill). After a slot was missed while the link was down, one fresh report goes out on
// the reconnect and the slots restart from there, so reports stay a full interval apart; after
// Throttled the next report waits a full interval. Pure: the caller passes the time.

#include <chrono>

namespace defender {

class ReportSchedule {
public:
    using Time = std::chrono::steady_clock::time_point;

    /// The first report is due at `start`.
    ReportSchedule(std::chrono::milliseconds interval, Time start)
        : interval_(interval), next_slot_(start) {}

    /// A report becomes due when its slot has come by `now`; the next slot is the first after
    /// `now`.
    void tick(Time now);
    /// A report is due and not sent yet.
    bool due() const { return due_; }
    /// The due report is being sent.
    void sent() { due_ = false; }
    /// The next slot (when tick() has something to do).
    Time next_slot() const { return next_slot_; }

    /// A publish failed because the link dropped: a report goes out on the reconnect.
    void missed() { missed_while_down_ = true; }
    /// Connected: a report due or missed meanwhile goes out now (one, not one per slot), and
    /// the slots restart a full interval from `now`.
    void connected(Time now);
    /// The service throttled the last report: none before a full interval from `now`.
    void throttled(Time now);
    /// A new interval (a reload): the last slot stays, the next comes the new interval after
    /// it, but not before `now`.
    void set_interval(std::chrono::milliseconds interval, Time now);
    std::chrono::milliseconds interval() const { return interval_; }

private:
    std::chrono::milliseconds interval_;
    Time next_slot_;
    bool due_ = false;
    bool missed_while_down_ = false;
};

}  // namespace defender
