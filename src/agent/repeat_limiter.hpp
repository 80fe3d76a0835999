// SPDX-License-Identifier: Apache-2.0
#pragma once
// Keeps a fault that repeats from flooding the log: the first occurrence is a warning, the
// repeats within `period` are debug lines.

#include <chrono>
#include <optional>

namespace defender {

class RepeatLimiter {
public:
    using Clock = std::chrono::steady_clock;

    explicit RepeatLimiter(std::chrono::milliseconds period) : period_(period) {}

    /// True when this occurrence deserves a warning (first one, or the first after `period`).
    bool warn(Clock::time_point now = Clock::now()) {
        if (last_warning_ && now - *last_warning_ < period_) return false;
        last_warning_ = now;
        return true;
    }

private:
    std::chrono::milliseconds period_;
    std::optional<Clock::time_point> last_warning_;
};

}  // namespace defender
