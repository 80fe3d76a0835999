#pragma once
/// @file snapshot.hpp
/// What a collector read from the system at one moment, as plain values.
/// Knows nothing of reports, names or limits.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "defender/ip_address.hpp"

namespace defender {

/// A TCP socket in LISTEN state, or an unconnected (no remote peer) UDP socket.
struct ListeningSocket {
    IpAddress address;  ///< local address, normalized (v4-mapped shown as v4)
    std::uint16_t port = 0;
};

/// A TCP socket in ESTABLISHED state. Collectors give normalized addresses (v4-mapped as v4).
struct TcpConnection {
    IpAddress local;
    std::uint16_t local_port = 0;
    IpAddress remote;
    std::uint16_t remote_port = 0;
};

/// Cumulative counters of one network interface since it came up.
struct InterfaceCounters {
    std::string name;
    std::uint64_t bytes_in = 0;
    std::uint64_t packets_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t packets_out = 0;
    bool loopback = false;
};

/// One address assigned to an interface (primary or secondary, v4 or v6).
struct InterfaceAddress {
    std::string interface;
    IpAddress address;
};

/// Aggregate CPU time over all CPUs, in clock ticks since boot.
struct CpuTimes {
    std::uint64_t busy = 0;  ///< everything but idle and iowait
    std::uint64_t total = 0;
};

struct Snapshot {
    std::vector<ListeningSocket> tcp_listeners;
    std::vector<ListeningSocket> udp_listeners;
    std::vector<TcpConnection> tcp_established;
    std::vector<InterfaceCounters> interfaces;
    std::vector<InterfaceAddress> addresses;
    std::optional<CpuTimes> cpu;
    /// One line per problem the collector survived (e.g. "skipped 2 malformed lines in ...").
    std::vector<std::string> warnings;
    std::chrono::steady_clock::time_point taken_at{};
};

}  // namespace defender
