// SPDX-License-Identifier: Apache-2.0
#pragma once
// Parser for the aggregate `cpu ` line of /proc/stat.

#include <optional>
#include <string>
#include <string_view>

#include "defender/result.hpp"
#include "defender/snapshot.hpp"

namespace defender {

/// From the `cpu ` line: total = user + nice + system + idle + iowait + irq + softirq + steal
/// (guest and guest_nice are already inside user and nice), busy = total - idle - iowait.
/// Columns missing on old kernels count as zero; at least user..idle are required.
/// nullopt when there is no well-formed `cpu ` line.
std::optional<CpuTimes> parse_proc_stat(std::string_view text);

/// Reads and parses `<procfs_root>/stat`. Fails with `cannot read <path>: <reason>` or
/// `no aggregate cpu line in <path>`.
Result<CpuTimes> read_cpu_times(const std::string& procfs_root);

}  // namespace defender
