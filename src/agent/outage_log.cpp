// SPDX-License-Identifier: Apache-2.0
#include "agent/outage_log.hpp"

#include <algorithm>

namespace defender {

std::string outage_duration_text(std::chrono::milliseconds duration) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
    if (seconds < 120) return std::to_string(seconds) + " s";
    const auto minutes = seconds / 60;
    if (minutes < 120) return std::to_string(minutes) + " min";
    const auto rest = minutes % 60;
    return std::to_string(minutes / 60) + " h" + (rest ? " " + std::to_string(rest) + " min" : "");
}

OutageLog::OutageLog(std::chrono::milliseconds first_reminder,
                     std::chrono::milliseconds longest_gap,
                     std::chrono::milliseconds lost_warning_gap)
    : first_reminder_(first_reminder),
      longest_gap_(longest_gap),
      lost_warning_gap_(lost_warning_gap) {}

void OutageLog::begin_outage(Clock::time_point now) {
    down_since_ = now;
    failed_attempts_ = 0;
    last_error_.clear();
    next_reminder_ = now + first_reminder_;
    reminder_gap_ = first_reminder_;
}

OutageLog::Line OutageLog::failed(const std::string& error, std::chrono::milliseconds retry,
                                  Clock::time_point now) {
    if (!down_since_) begin_outage(now);
    ++failed_attempts_;
    const std::string retrying =
        "; retrying in " + std::to_string(retry.count() / 1000.0).substr(0, 5) + " s";
    if (failed_attempts_ == 1 || error != last_error_) {
        last_error_ = error;
        return {LogLevel::warn, "cannot connect: " + error + retrying};
    }
    if (now >= next_reminder_) {
        reminder_gap_ = std::min(reminder_gap_ * 2, longest_gap_);
        next_reminder_ = now + reminder_gap_;
        return {LogLevel::warn,
                "still not connected after " +
                    outage_duration_text(
                        std::chrono::duration_cast<std::chrono::milliseconds>(now - *down_since_)) +
                    " (" + std::to_string(failed_attempts_) + " attempts); last error: " + error +
                    retrying};
    }
    return {LogLevel::debug, "cannot connect: " + error + retrying};
}

OutageLog::Line OutageLog::lost(const std::string& reason, Clock::time_point now) {
    begin_outage(now);
    if (last_lost_warning_ && now - *last_lost_warning_ < lost_warning_gap_) {
        ++lost_quietly_;
        return {LogLevel::debug, "connection lost: " + reason};
    }
    std::string text = "connection lost: " + reason;
    if (lost_quietly_ > 0) {
        text += " (lost " + std::to_string(lost_quietly_) + " more time(s) in the last " +
                outage_duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                    now - *last_lost_warning_)) +
                ")";
    }
    last_lost_warning_ = now;
    lost_quietly_ = 0;
    return {LogLevel::warn, text};
}

OutageLog::Line OutageLog::connected(Clock::time_point now) {
    const bool again = ever_connected_ || failed_attempts_ > 0;
    Line line{LogLevel::info, "connected"};
    if (again) {
        line.text =
            "connected again after " + std::to_string(failed_attempts_) + " failed attempt(s)";
        if (down_since_) {
            line.text += ", " +
                         outage_duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                             now - *down_since_)) +
                         " without a connection";
        }
    }
    ever_connected_ = true;
    down_since_.reset();
    failed_attempts_ = 0;
    last_error_.clear();
    return line;
}

}  // namespace defender
