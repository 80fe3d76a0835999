// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file report_builder.hpp
/// Turns snapshots into reports: listening and established sets, interface names,
/// deduplication, network deltas and the `cpu_usage` custom metric.
/// Target: Defender::defender (stage report).

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "defender/limits.hpp"
#include "defender/report.hpp"
#include "defender/snapshot.hpp"

namespace defender {

/// The counters a later report's deltas are measured against.
struct Baseline {
    std::vector<InterfaceCounters> interfaces;  ///< interface counters at the baseline
    std::optional<CpuTimes> cpu;                ///< CPU times at the baseline
};

/// The counters of a snapshot, as the baseline of the next report.
Baseline baseline_of(const Snapshot& snapshot);

/// What build_report() includes and how it samples lists.
struct BuildOptions {
    bool include_loopback = false;  ///< count loopback interfaces in network_stats
    bool cpu_usage = false;         ///< add the `cpu_usage` custom metric
    /// Longest ports/connections list; longer ones are uniformly sampled (`total` stays true).
    /// 0 = no limit.
    std::size_t max_list_size = kDefaultMaxListSize;
};

/// Builds the report: deduplicated listening ports (on port and interface) and connections,
/// interface names of local addresses (none for wildcard binds or unknown addresses), lists
/// sampled to `max_list_size`. `since` is the baseline for deltas: without one the report has
/// no `network_stats`, and `cpu_usage` covers the time since boot.
Report build_report(const Snapshot& now, const Baseline* since, std::uint64_t report_id,
                    const BuildOptions& options, std::mt19937_64& random);

/// Summed per-interface deltas; an interface whose counter went down (reset, wrap, re-created)
/// counts from zero, an interface absent from `since` counts in full.
NetworkStats network_delta(const std::vector<InterfaceCounters>& since,
                           const std::vector<InterfaceCounters>& now, bool include_loopback);

/// Percent of non-idle CPU time between two readings (since boot without `since`),
/// rounded to two decimals; nullopt when no time elapsed.
std::optional<double> cpu_usage_percent(const std::optional<CpuTimes>& since, const CpuTimes& now);

}  // namespace defender
