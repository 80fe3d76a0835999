// SPDX-License-Identifier: Apache-2.0
#pragma once
// Statistical thresholds: the `statistic` names and the percentile of a population.

#include <optional>
#include <string_view>
#include <vector>

namespace defender::detect {

/// The percentile (0..100) of a `statistic` (`p0`, `p0.1`, ..., `p100`); nullopt for anything
/// but the eleven names of the API.
std::optional<double> parse_statistic(std::string_view statistic);

/// Nearest-rank percentile: the smallest value with at least `percentile` % of the values at
/// or below it (p0 is the minimum, p100 the maximum). nullopt for fewer than two values or any
/// negative one (AWS computes no percentile then). Reorders `values`.
std::optional<double> percentile_of(std::vector<double>& values, double percentile);

}  // namespace defender::detect
