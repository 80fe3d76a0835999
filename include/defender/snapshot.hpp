// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file snapshot.hpp
/// What a collector read from the system at one moment, as plain values.
/// Knows nothing of reports, names or limits.
/// Target: Defender::defender (stage collect).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "defender/ip_address.hpp"

namespace defender {

/// A TCP socket in LISTEN state, or an unconnected (no remote peer) UDP socket.
struct ListeningSocket {
    IpAddress address;       ///< local address, normalized (v4-mapped shown as v4)
    std::uint16_t port = 0;  ///< port number
};

/// A TCP socket in ESTABLISHED state. Collectors give normalized addresses (v4-mapped as v4).
struct TcpConnection {
    IpAddress local;                ///< local address
    std::uint16_t local_port = 0;   ///< local port
    IpAddress remote;               ///< remote address
    std::uint16_t remote_port = 0;  ///< remote port
};

/// Cumulative counters of one network interface since it came up.
struct InterfaceCounters {
    std::string name;               ///< interface name, as in /proc/net/dev
    std::uint64_t bytes_in = 0;     ///< bytes received
    std::uint64_t packets_in = 0;   ///< packets received
    std::uint64_t bytes_out = 0;    ///< bytes sent
    std::uint64_t packets_out = 0;  ///< packets sent
    bool loopback = false;          ///< true for loopback interfaces
};

/// One address assigned to an interface (primary or secondary, v4 or v6).
struct InterfaceAddress {
    std::string interface;  ///< interface name
    IpAddress address;      ///< one of its addresses
};

/// Aggregate CPU time over all CPUs, in clock ticks since boot.
struct CpuTimes {
    std::uint64_t busy = 0;   ///< everything but idle and iowait
    std::uint64_t total = 0;  ///< sum of all fields of the cpu line
};

/// Everything one collection read from the system, before it becomes a report.
struct Snapshot {
    std::vector<ListeningSocket> tcp_listeners;  ///< TCP sockets in LISTEN state
    std::vector<ListeningSocket> udp_listeners;  ///< bound UDP sockets
    std::vector<TcpConnection> tcp_established;  ///< established TCP connections
    std::vector<InterfaceCounters> interfaces;   ///< per-interface counters
    std::vector<InterfaceAddress> addresses;     ///< interface addresses
    std::optional<CpuTimes> cpu;                 ///< CPU times, when asked for
    /// One line per problem the collector survived (e.g. "skipped 2 malformed lines in ...").
    std::vector<std::string> warnings;
    /// When the snapshot was taken (monotonic clock).
    std::chrono::steady_clock::time_point taken_at{};
};

}  // namespace defender
