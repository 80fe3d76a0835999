// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file collector.hpp
/// Reads the system into a Snapshot.
/// Target: Defender::defender (stage collect).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "defender/result.hpp"
#include "defender/snapshot.hpp"

namespace defender {

/// Supplies the addresses of all interfaces (and which interfaces are loopback).
struct AddressSource {
    /// The interface addresses (IPv4 and IPv6) of the host.
    std::function<Result<std::vector<InterfaceAddress>>()> addresses;
    /// Whether the named interface is a loopback interface.
    std::function<bool(const std::string& interface)> is_loopback;
};

/// The host's own interfaces, from getifaddrs(3).
AddressSource system_address_source();

/// Where and what a Collector reads.
struct CollectorOptions {
    /// Root of the procfs to read: `/proc`, or the host's procfs mounted elsewhere.
    std::string procfs = "/proc";
    /// Also read `<procfs>/stat` for CPU usage.
    bool cpu = false;
    /// Source of the host's interface addresses.
    AddressSource address_source = system_address_source();
};

/// Collects sockets, interface counters and CPU times.
class Collector {
public:
    virtual ~Collector() = default;
    /// Fails (with the file named) when a required source cannot be read; survives
    /// malformed content, reporting it in Snapshot::warnings.
    virtual Result<Snapshot> collect() = 0;
};

/// Reads `<procfs>/net/{tcp,tcp6,udp,udp6,dev}` and `<procfs>/stat`.
class ProcCollector final : public Collector {
public:
    /// Reads `<procfs>/net/*` text files (and `<procfs>/stat` when options.cpu).
    explicit ProcCollector(CollectorOptions options);
    Result<Snapshot> collect() override;

private:
    CollectorOptions options_;
};

/// The fastest collector for the options: netlink (sock_diag, rtnetlink) when reading the host's
/// own /proc and netlink is permitted, else the /proc reader.
std::unique_ptr<Collector> make_collector(CollectorOptions options);

/// The procfs root to use: `explicit_root` if non-empty, else `$PROCFS_PATH`, else `/proc`.
std::string resolve_procfs_root(const std::string& explicit_root);

}  // namespace defender
