// SPDX-License-Identifier: Apache-2.0
#include "agent/report_schedule.hpp"

#include <algorithm>

namespace defender {

void ReportSchedule::tick(Time now) {
    if (now < next_slot_) return;
    due_ = true;
    const auto behind = (now - next_slot_) / interval_ + 1;
    next_slot_ += behind * interval_;
}

void ReportSchedule::connected(Time now) {
    if (due_ || missed_while_down_) {
        due_ = true;
        next_slot_ = now + interval_;
    }
    missed_while_down_ = false;
}

void ReportSchedule::throttled(Time now) {
    next_slot_ = now + interval_;
    due_ = false;
}

void ReportSchedule::set_interval(std::chrono::milliseconds interval, Time now) {
    next_slot_ = std::max(now, next_slot_ - interval_ + interval);
    interval_ = interval;
}

}  // namespace defender
