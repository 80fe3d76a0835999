// SPDX-License-Identifier: Apache-2.0
#include "detect/window.hpp"

#include <cmath>
#include <limits>

namespace defender::detect {

std::int64_t scaled_millis(std::int64_t seconds, double time_scale) {
    const double millis = std::round(static_cast<double>(seconds) * 1000.0 * time_scale);
    if (!(millis >= 1.0)) return 1;
    if (millis >= 9.0e18) return std::numeric_limits<std::int64_t>::max() / 4;
    return static_cast<std::int64_t>(millis);
}

std::int64_t window_start(std::int64_t at, std::int64_t length) {
    std::int64_t start = at - at % length;
    if (at % length < 0 && __builtin_sub_overflow(start, length, &start)) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return start;
}

}  // namespace defender::detect
