// SPDX-License-Identifier: Apache-2.0
#pragma once
// Time arithmetic of the evaluator in epoch milliseconds, under the time scale: window
// lengths, their alignment, and the silence after which alarms are invalidated.

#include <cstdint>

namespace defender::detect {

/// AWS invalidates the alarms of a thing silent for more than two days.
inline constexpr std::int64_t kInvalidationSeconds = 2 * 24 * 3600;

/// `seconds` scaled by `time_scale`, in milliseconds, at least 1.
std::int64_t scaled_millis(std::int64_t seconds, double time_scale);

/// Start of the window of `length` ms holding `at` (windows are aligned to multiples of their
/// length since the epoch; times before the epoch round down too).
std::int64_t window_start(std::int64_t at, std::int64_t length);

}  // namespace defender::detect
