// SPDX-License-Identifier: Apache-2.0
#include "detect/statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace defender::detect {

std::optional<double> parse_statistic(std::string_view statistic) {
    constexpr std::array<std::pair<std::string_view, double>, 11> kStatistics = {{
        {"p0", 0.0},
        {"p0.1", 0.1},
        {"p0.01", 0.01},
        {"p1", 1.0},
        {"p10", 10.0},
        {"p50", 50.0},
        {"p90", 90.0},
        {"p99", 99.0},
        {"p99.9", 99.9},
        {"p99.99", 99.99},
        {"p100", 100.0},
    }};
    for (const auto& [name, value] : kStatistics) {
        if (name == statistic) return value;
    }
    return std::nullopt;
}

std::optional<double> percentile_of(std::vector<double>& values, double percentile) {
    if (values.size() < 2) return std::nullopt;
    if (std::any_of(values.begin(), values.end(), [](double v) { return v < 0.0; })) {
        return std::nullopt;
    }
    const auto n = static_cast<double>(values.size());
    // Rank 1..n; the rounding guard keeps p90 of 10 values at rank 9, not 10.
    const double rank = std::ceil(percentile / 100.0 * n - 1e-9);
    const auto index = static_cast<std::size_t>(std::clamp(rank, 1.0, n)) - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                     values.end());
    return values[index];
}

}  // namespace defender::detect
