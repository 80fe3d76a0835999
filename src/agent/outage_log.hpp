// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the log says while the agent cannot reach its broker: a warning at the first failure
// and whenever the cause changes, reminders at growing intervals ("still not connected after
// 10 min ..."), debug lines in between; and "connection lost" warnings limited in rate on a
// flapping link. Pure: the caller passes the time, so the schedule is tested in microseconds.

#include <chrono>
#include <optional>
#include <string>

#include "defender/agent.hpp"

namespace defender {

class OutageLog {
public:
    using Clock = std::chrono::steady_clock;

    struct Line {
        LogLevel level;
        std::string text;
    };

    /// Reminders come `first_reminder` after the outage began, then at doubling intervals up
    /// to `longest_gap`; "connection lost" is a warning at most once per `lost_warning_gap`.
    OutageLog(std::chrono::milliseconds first_reminder, std::chrono::milliseconds longest_gap,
              std::chrono::milliseconds lost_warning_gap);

    /// A connection attempt failed with `error`; `retry` says when the next one comes.
    Line failed(const std::string& error, std::chrono::milliseconds retry, Clock::time_point now);
    /// An established connection dropped.
    Line lost(const std::string& reason, Clock::time_point now);
    /// Connected (and subscribed).
    Line connected(Clock::time_point now);

private:
    void begin_outage(Clock::time_point now);

    std::chrono::milliseconds first_reminder_;
    std::chrono::milliseconds longest_gap_;
    std::chrono::milliseconds lost_warning_gap_;

    std::optional<Clock::time_point> down_since_;  ///< set while not connected
    unsigned failed_attempts_ = 0;                 ///< in this outage
    std::string last_error_;
    Clock::time_point next_reminder_{};
    std::chrono::milliseconds reminder_gap_{};
    bool ever_connected_ = false;
    std::optional<Clock::time_point> last_lost_warning_;
    unsigned lost_quietly_ = 0;  ///< losses logged as debug since the last warning
};

/// "45 s", "12 min", "3 h 5 min": how long an outage has lasted, for log lines.
std::string outage_duration_text(std::chrono::milliseconds duration);

}  // namespace defender
