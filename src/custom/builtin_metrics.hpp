// SPDX-License-Identifier: Apache-2.0
#pragma once
// The built-in custom metrics: readings of procfs, statvfs(3) and the interface addresses.

#include <optional>

#include "defender/custom_metrics.hpp"
#include "defender/snapshot.hpp"

namespace defender {

/// Reads one built-in metric; keeps the previous CPU reading, so cpu_usage covers the time
/// since the previous read (since boot at the first).
class BuiltinReader {
public:
    Result<CustomValue> read(const BuiltinSource& source, const CustomMetricOptions& options);

private:
    std::optional<CpuTimes> previous_cpu_;
};

/// Pure parsers, for fixtures.
Result<double> memory_used_percent_from_meminfo(std::string_view meminfo);
Result<std::int64_t> open_file_count_from_file_nr(std::string_view file_nr);

}  // namespace defender
