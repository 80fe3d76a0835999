// SPDX-License-Identifier: Apache-2.0
#pragma once
// Synthetic but realistic inputs for the benchmarks, in the kernel's exact text formats
// (Linux 6.x: /proc/net/tcp lines padded to 149 characters, udp to 127, tcp6/udp6 unpadded).

#include <cstddef>
#include <string>
#include <vector>

#include "defender/report.hpp"
#include "defender/snapshot.hpp"

namespace defender::bench {

/// The benchmark sizes, in sockets (lines of a socket table).
inline const std::vector<long> kSocketCounts = {100, 1'000, 10'000, 50'000, 60'000};

/// `/proc/net/tcp` with `sockets` lines: 1% LISTEN, 10% TIME_WAIT, the rest ESTABLISHED,
/// local addresses on loopback and eth0, remote addresses spread over many hosts and ports.
std::string proc_net_tcp_text(std::size_t sockets);

/// `/proc/net/tcp6`, the same mix; a third of the addresses are IPv4-mapped.
std::string proc_net_tcp6_text(std::size_t sockets);

/// `/proc/net/udp` with `sockets` lines: 90% unconnected, 10% connected.
std::string proc_net_udp_text(std::size_t sockets);

/// `/proc/net/dev` with `interfaces` interfaces (lo, eth0, then veth0, veth1, ...).
std::string proc_net_dev_text(std::size_t interfaces);

/// The addresses of this project's test machine: lo 127.0.0.1 and ::1, eth0 192.0.2.2,
/// fd00::2 and fe80::fc:ff:fe00:1.
std::vector<InterfaceAddress> host_addresses();

/// A snapshot as a collector would return it with `sockets` TCP sockets (half from the tcp
/// table, half from tcp6), some UDP listeners, host_addresses() and a few interfaces.
Snapshot synthetic_snapshot(std::size_t sockets);

/// The report of synthetic_snapshot(sockets) with lists sampled to `max_list_size`
/// (0 = unsampled), with network_stats and the cpu_usage custom metric.
Report synthetic_report(std::size_t sockets, std::size_t max_list_size);

}  // namespace defender::bench
