// SPDX-License-Identifier: Apache-2.0
#pragma once
// A LoopClock a test moves by hand: a loop that waits jumps to its deadline at once, or to the
// next action the test scheduled with at(), which then runs on the loop's thread. A whole day
// of a loop's life passes in milliseconds, the same way at every run.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>

#include "agent/loop_clock.hpp"

namespace defender::testing {

class ManualClock final : public LoopClock {
public:
    /// The wall clock reads 2024-01-01 00:00:00 UTC at the start.
    static constexpr std::chrono::seconds kWallStart{1704067200};

    Time now() const override { return now_; }
    WallTime wall_now() const override {
        return WallTime(kWallStart) +
               std::chrono::duration_cast<WallTime::duration>(now_ - start_ + wall_step_);
    }

    void wait_until(Time deadline, EventSource& events) override {
        if (events.ready()) return;
        if (!actions_.empty() && actions_.begin()->first <= deadline) {
            auto action = actions_.extract(actions_.begin());
            if (action.key() > now_) now_ = action.key();
            action.mapped()();
            return;
        }
        if (deadline > now_) {
            now_ = deadline;
        } else if (++waits_without_time_ > 100000) {
            ADD_FAILURE() << "the loop waits without a deadline ahead";
            waits_without_time_ = 0;
            if (!actions_.empty()) now_ = actions_.begin()->first;
        }
        if (now_ - start_ > limit_ && limit_action_) {
            ADD_FAILURE() << "still running after the time limit of the test";
            std::exchange(limit_action_, nullptr)();
        }
    }

    /// Runs `action` on the loop's thread when the loop waits past `since_start`.
    void at(std::chrono::milliseconds since_start, std::function<void()> action) {
        actions_.emplace(start_ + since_start, std::move(action));
    }
    /// Time passes while the loop is busy (a blocking connect or publish).
    void advance(std::chrono::milliseconds by) { now_ += by; }
    /// The wall clock steps (NTP, by hand); the monotonic clock does not.
    void step_wall_clock(std::chrono::milliseconds by) { wall_step_ += by; }
    /// Ends a loop that runs longer than `limit` (a failure): `stop` stops it.
    void limit(std::chrono::milliseconds limit, std::function<void()> stop) {
        limit_ = limit;
        limit_action_ = std::move(stop);
    }

    Time start() const { return start_; }
    std::chrono::milliseconds elapsed() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_);
    }

private:
    Time start_ = Time{} + std::chrono::hours(24);
    Time now_ = start_;
    std::chrono::milliseconds wall_step_{0};
    std::multimap<Time, std::function<void()>> actions_;
    int waits_without_time_ = 0;
    std::chrono::milliseconds limit_ = std::chrono::hours(24 * 365);
    std::function<void()> limit_action_;
};

}  // namespace defender::testing
