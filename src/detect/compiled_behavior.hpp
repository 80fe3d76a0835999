// SPDX-License-Identifier: Apache-2.0
#pragma once
// A behavior made ready for evaluation: its metric's source and kind, its threshold in a form
// that compares fast (sorted sets, parsed CIDRs), its window length under the time scale.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "defender/detect.hpp"
#include "detect/cidr.hpp"
#include "detect/metric_catalog.hpp"

namespace defender::detect {

struct CompiledBehavior {
    std::size_t profile = 0;             ///< index of its profile in the evaluator
    const Behavior* behavior = nullptr;  ///< the behavior, owned by the evaluator
    MetricSource source = MetricSource::custom;
    MetricKind kind = MetricKind::count;
    std::string custom_name;  ///< for MetricSource::custom
    ComparisonOperator op = ComparisonOperator::less_than;
    std::uint64_t count = 0;
    double number = 0;
    std::vector<std::uint16_t> ports;  ///< sorted
    std::vector<Cidr> cidrs;
    std::vector<double> numbers;       ///< sorted
    std::vector<std::string> strings;  ///< sorted
    std::optional<double> percentile;  ///< statistical threshold
    std::int64_t window_ms = 0;        ///< 0: each report is a datapoint
    bool summed = false;               ///< window value is the sum, not the last value
    int to_alarm = 1;
    int to_clear = 1;
    bool notify = true;
    std::uint32_t fingerprint = 0;  ///< of the behavior's JSON (low 32 bits of FNV-1a)
};

/// The behavior compiled, or why it is not evaluated (ML Detect, cloud-side metric). The
/// behavior must have passed check_behavior.
std::variant<CompiledBehavior, std::string> compile_behavior(const Behavior& behavior,
                                                             std::size_t profile,
                                                             double time_scale);

/// FNV-1a, 64 bits.
std::uint64_t fingerprint_of(std::string_view text, std::uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace defender::detect
