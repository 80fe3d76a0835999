// SPDX-License-Identifier: Apache-2.0
#pragma once
// Parser for /proc/net/dev, the cumulative counters of every network interface.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "defender/collector.hpp"
#include "defender/result.hpp"
#include "defender/snapshot.hpp"

namespace defender {

struct NetDevTable {
    std::vector<InterfaceCounters> interfaces;  ///< `loopback` is left false
    std::size_t malformed_lines = 0;
};

/// Skips the two header lines; each further line is `<name>: <16 unsigned 64-bit columns>`,
/// the name being everything before the first ':' (trimmed). Blank lines are ignored,
/// malformed ones counted and skipped.
NetDevTable parse_proc_net_dev(std::string_view text);

/// Reads `<procfs_root>/net/dev` and sets `loopback` from `source.is_loopback` (or, without one,
/// from the name `lo`). Malformed lines add one line to `warnings`.
/// Fails with `cannot read <path>: <reason>`.
Result<std::vector<InterfaceCounters>> read_interface_counters(const std::string& procfs_root,
                                                               const AddressSource& source,
                                                               std::vector<std::string>& warnings);

}  // namespace defender
