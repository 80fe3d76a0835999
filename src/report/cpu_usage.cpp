// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "defender/report_builder.hpp"

namespace defender {

std::optional<double> cpu_usage_percent(const std::optional<CpuTimes>& since, const CpuTimes& now) {
    CpuTimes before{};
    // A reading older than `now` in any field means /proc/stat was reset (a new boot).
    if (since && since->total <= now.total && since->busy <= now.busy) before = *since;
    const std::uint64_t total = now.total - before.total;
    if (total == 0) return std::nullopt;
    const double percent =
        100.0 * static_cast<double>(now.busy - before.busy) / static_cast<double>(total);
    return std::round(percent * 100.0) / 100.0;
}

}  // namespace defender
