// SPDX-License-Identifier: Apache-2.0
#include "detect/alarm_step.hpp"

namespace defender::detect {
namespace {

void bump(std::uint8_t& run) {
    if (run < 255) ++run;
}

}  // namespace

Transition count_datapoint(BehaviorState& state, bool conforming, bool clear_at_once, int to_alarm,
                           int to_clear) {
    if (conforming) {
        state.violating_run = 0;
        bump(state.conforming_run);
        if (state.alarm && (clear_at_once || state.conforming_run >= to_clear)) {
            return Transition::clear;
        }
        return Transition::none;
    }
    state.conforming_run = 0;
    bump(state.violating_run);
    if (!state.alarm && state.violating_run >= to_alarm) return Transition::raise;
    return Transition::none;
}

}  // namespace defender::detect
