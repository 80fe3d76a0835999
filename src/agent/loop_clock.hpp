// SPDX-License-Identifier: Apache-2.0
#pragma once
// The time a client loop runs on, and how it waits for its next event: the system's clocks in
// the agent and `defender emulate`; a clock a test moves by hand in unit tests
// (tests/unit/manual_clock.hpp), so that schedules, time-outs and backoff are tested in
// milliseconds, without a broker and without sleeping.

#include <chrono>

namespace defender {

/// What a loop waits on: a queue of events (event_queue.hpp).
class EventSource {
public:
    /// True when an event is queued now.
    virtual bool ready() const = 0;
    /// Blocks until an event is queued (true) or `deadline` passes (false).
    virtual bool wait_until(std::chrono::steady_clock::time_point deadline) = 0;

protected:
    ~EventSource() = default;
};

class LoopClock {
public:
    using Time = std::chrono::steady_clock::time_point;      ///< schedules, time-outs, backoff
    using WallTime = std::chrono::system_clock::time_point;  ///< report ids, status times

    virtual ~LoopClock() = default;
    virtual Time now() const = 0;
    virtual WallTime wall_now() const = 0;
    /// Returns when `events` has an event or `deadline` has passed, whichever comes first.
    virtual void wait_until(Time deadline, EventSource& events) = 0;
};

/// The system's monotonic and wall clocks; waits block the thread.
class SystemLoopClock final : public LoopClock {
public:
    Time now() const override { return std::chrono::steady_clock::now(); }
    WallTime wall_now() const override { return std::chrono::system_clock::now(); }
    void wait_until(Time deadline, EventSource& events) override { events.wait_until(deadline); }
};

}  // namespace defender
