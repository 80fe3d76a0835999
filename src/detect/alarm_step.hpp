// SPDX-License-Identifier: Apache-2.0
#pragma once
// Consecutive datapoints: an alarm goes on after `to_alarm` violating datapoints in a row and
// off after `to_clear` conforming ones in a row (or at once, for an empty list).

#include "defender/detect.hpp"

namespace defender::detect {

enum class Transition { none, raise, clear };

/// Counts one datapoint into `state` (runs only; the caller sets or resets `state.alarm`).
Transition count_datapoint(BehaviorState& state, bool conforming, bool clear_at_once, int to_alarm,
                           int to_clear);

}  // namespace defender::detect
