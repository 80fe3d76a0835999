// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared by the fault-matrix, durability and soak tests: log line counts, the agent's command
// line through another port, and the traffic the accepted reports account for.

#include <cstdint>
#include <string>
#include <vector>

#include "agent_test_rig.hpp"

namespace defender::test {

/// Lines of `log` containing `needle`.
std::size_t count_lines(const std::string& log, const std::string& needle);
/// Lines of `log` containing `needle` at warning level or above (not debug, not info).
std::size_t count_warnings(const std::string& log, const std::string& needle);

/// `options` with the value of `-p` replaced by `port` (e.g. a proxy in front of the broker).
ProcessOptions through_port(ProcessOptions options, std::uint16_t port);

struct TrafficSum {
    std::uint64_t bytes_in = 0, packets_in = 0, bytes_out = 0, packets_out = 0;
    std::size_t reports = 0;  ///< accepted reports counted (each report id once)
};
/// Sums the network_stats of the reports the emulator stored and accepted, each id once.
TrafficSum accepted_traffic(const AgentRig& rig);

/// The emulator's lines and the stored reports' ids and bytes_in, for failure messages.
std::string describe_reports(const AgentRig& rig);

/// Accepted report ids, in the order the emulator printed them.
std::vector<std::uint64_t> accepted_ids(const AgentRig& rig);

}  // namespace defender::test
