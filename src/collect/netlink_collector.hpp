// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads sockets, interface counters and addresses from the kernel over netlink: much faster
// than parsing /proc/net with tens of thousands of sockets, and the same Snapshot. Internal:
// users get it from make_collector (defender/collector.hpp).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "defender/collector.hpp"

namespace defender {

/// Sockets from NETLINK_SOCK_DIAG (TCP LISTEN and ESTABLISHED, unconnected UDP; IPv4 and IPv6),
/// interface counters and addresses from rtnetlink, CPU times from `<procfs>/stat`.
/// Sees the network namespace of the calling process, like the host's own `/proc/net`, so use it
/// only when the options name that procfs (make_collector decides this).
/// CollectorOptions::address_source is not used: addresses come from RTM_GETADDR.
class NetlinkCollector final : public Collector {
public:
    /// Reads sockets with NETLINK_SOCK_DIAG and the rest from procfs.
    explicit NetlinkCollector(CollectorOptions options);
    /// Fails with one line naming the dump that failed and why, e.g.
    /// "netlink sock_diag dump of tcp/ipv6 failed: Operation not permitted".
    Result<Snapshot> collect() override;

    /// Whether the last collect() failed because the kernel refused netlink (EPERM, EACCES),
    /// e.g. under a seccomp or LSM policy: then the /proc collector is the way to go.
    bool last_failure_was_permission() const { return permission_denied_; }

    /// Whether a NETLINK_SOCK_DIAG socket can be opened in this process.
    static bool available();

private:
    Error fail(std::string_view what, int error_number);

    CollectorOptions options_;
    std::string procfs_root_;
    /// One datagram at a time: dumps stream through this buffer, never held whole.
    std::vector<std::byte> receive_buffer_;
    bool permission_denied_ = false;
};

}  // namespace defender
