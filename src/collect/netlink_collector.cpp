// SPDX-License-Identifier: Apache-2.0
#include "collect/netlink_collector.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "collect/netlink_dump.hpp"
#include "collect/netlink_inet_diag.hpp"
#include "collect/netlink_route.hpp"
#include "collect/proc_file.hpp"
#include "collect/proc_stat.hpp"
#include "util/unique_fd.hpp"

namespace defender {
namespace {

using netlink::Bytes;
using netlink::DiagProtocol;

// Big enough for any datagram: the kernel fills dump datagrams up to 32 KiB, more only for a
// single huge message.
constexpr std::size_t kReceiveBufferBytes = 64 * 1024;
// Every dump runs on its own fresh socket, so one sequence number suffices.
constexpr std::uint32_t kSequence = 1;

struct SocketDump {
    int family;
    DiagProtocol protocol;
    const char* name;
    netlink::TcpStates states = netlink::TcpStates::ListenAndEstablished;
};
// The TCP/IPv6 dump is split: a dump of non-listening sockets walks the kernel's whole
// established hash table (262 144 buckets on a 24 GiB machine: most of a report cycle's
// CPU), and many hosts have IPv6 listeners but no IPv6 connection. The second half runs only
// when net/sockstat6 counts more IPv6 TCP sockets than the first half found listening.
constexpr SocketDump kTcp6Listeners{AF_INET6, DiagProtocol::tcp,
                                    "sock_diag dump of tcp/ipv6 listeners",
                                    netlink::TcpStates::Listen};
constexpr SocketDump kTcp6Established{AF_INET6, DiagProtocol::tcp,
                                      "sock_diag dump of tcp/ipv6 connections",
                                      netlink::TcpStates::Established};
constexpr SocketDump kSocketDumps[] = {
    {AF_INET, DiagProtocol::tcp, "sock_diag dump of tcp/ipv4"},
    kTcp6Listeners,
    kTcp6Established,
    {AF_INET, DiagProtocol::udp, "sock_diag dump of udp/ipv4"},
    {AF_INET6, DiagProtocol::udp, "sock_diag dump of udp/ipv6"},
};
constexpr std::string_view kLinkDump = "rtnetlink link dump";
constexpr std::string_view kAddressDump = "rtnetlink address dump";

template <class Request>
Bytes bytes_of(const Request& request) {
    return std::as_bytes(std::span(&request, 1));
}

/// Errors end the collection; survivable oddities become warnings.
struct DumpReport {
    std::string_view what;
    netlink::DumpStatus status;
    std::size_t skipped = 0;  ///< malformed messages
};

void add_warnings(const DumpReport& report, Snapshot& snapshot) {
    if (report.status.interrupted) {
        snapshot.warnings.push_back(
            "netlink " + std::string(report.what) + " still inconsistent after " +
            std::to_string(netlink::kDumpAttempts) + " attempts (changed while read)");
    }
    if (report.skipped > 0) {
        snapshot.warnings.push_back("skipped " + std::to_string(report.skipped) +
                                    " malformed messages in netlink " + std::string(report.what));
    }
}

DumpReport dump_sockets(const SocketDump& target, std::span<std::byte> buffer, Snapshot& snapshot) {
    DumpReport report{.what = target.name, .status = {}};
    auto& listeners =
        target.protocol == DiagProtocol::tcp ? snapshot.tcp_listeners : snapshot.udp_listeners;
    const std::size_t listeners_before = listeners.size();
    const std::size_t established_before = snapshot.tcp_established.size();
    const auto request =
        netlink::make_sock_diag_request(target.family, target.protocol, kSequence, target.states);
    report.status = netlink::dump(
        NETLINK_SOCK_DIAG, bytes_of(request), buffer,
        [&](std::uint16_t type, Bytes payload) {
            if (type != SOCK_DIAG_BY_FAMILY) {
                return;
            }
            if (const auto socket = netlink::parse_inet_diag(payload)) {
                netlink::add_socket(*socket, target.protocol, snapshot);
            } else {
                ++report.skipped;
            }
        },
        [&] {
            listeners.resize(listeners_before);
            snapshot.tcp_established.resize(established_before);
            report.skipped = 0;
        });
    return report;
}

using InterfaceByIndex = std::unordered_map<int, std::size_t>;  // position in interfaces

DumpReport dump_links(std::span<std::byte> buffer, Snapshot& snapshot,
                      InterfaceByIndex& interface_by_index) {
    DumpReport report{.what = kLinkDump, .status = {}};
    const auto request = netlink::make_link_dump_request(kSequence);
    report.status = netlink::dump(
        NETLINK_ROUTE, bytes_of(request), buffer,
        [&](std::uint16_t type, Bytes payload) {
            if (type != RTM_NEWLINK) {
                return;
            }
            if (auto link = netlink::parse_link(payload)) {
                interface_by_index[link->index] = snapshot.interfaces.size();
                snapshot.interfaces.push_back(std::move(link->counters));
            } else {
                ++report.skipped;
            }
        },
        [&] {
            snapshot.interfaces.clear();
            interface_by_index.clear();
            report.skipped = 0;
        });
    return report;
}

DumpReport dump_addresses(std::span<std::byte> buffer, const InterfaceByIndex& interface_by_index,
                          Snapshot& snapshot) {
    DumpReport report{.what = kAddressDump, .status = {}};
    std::size_t of_unknown_interface = 0;
    const auto request = netlink::make_address_dump_request(kSequence);
    report.status = netlink::dump(
        NETLINK_ROUTE, bytes_of(request), buffer,
        [&](std::uint16_t type, Bytes payload) {
            if (type != RTM_NEWADDR) {
                return;
            }
            const auto address = netlink::parse_address(payload);
            if (!address) {
                ++report.skipped;
                return;
            }
            const auto found = interface_by_index.find(address->index);
            if (found == interface_by_index.end()) {
                ++of_unknown_interface;  // its link appeared after the link dump
                return;
            }
            snapshot.addresses.push_back(
                {snapshot.interfaces[found->second].name, address->address});
        },
        [&] {
            snapshot.addresses.clear();
            report.skipped = 0;
            of_unknown_interface = 0;
        });
    if (report.status.error == 0 && of_unknown_interface > 0) {
        snapshot.warnings.push_back("skipped " + std::to_string(of_unknown_interface) +
                                    " addresses of interfaces that appeared while reading");
    }
    return report;
}

struct SocketsInUse {
    std::optional<std::size_t> tcp;   ///< `TCP: inuse N` in net/sockstat
    std::optional<std::size_t> tcp6;  ///< `TCP6: inuse N` in net/sockstat6
};

// The kernel's counts of TCP sockets in use; nullopt when a count cannot be read.
SocketsInUse tcp_sockets_in_use(const std::string& procfs_root) {
    const auto count = [&](const char* file, std::string_view label) -> std::optional<std::size_t> {
        const auto text = read_small_file(procfs_root + file);
        if (!text) return std::nullopt;
        const auto at = text->find(label);
        if (at == std::string::npos) return std::nullopt;
        return std::strtoull(text->c_str() + at + label.size(), nullptr, 10);
    };
    return {count("/net/sockstat", "TCP: inuse "), count("/net/sockstat6", "TCP6: inuse ")};
}

}  // namespace

NetlinkCollector::NetlinkCollector(CollectorOptions options)
    : options_(std::move(options)),
      procfs_root_(resolve_procfs_root(options_.procfs)),
      receive_buffer_(kReceiveBufferBytes) {}

bool NetlinkCollector::available() {
    const util::UniqueFd probe(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    return probe.valid();
}

Error NetlinkCollector::fail(std::string_view what, int error_number) {
    permission_denied_ = error_number == EPERM || error_number == EACCES;
    return Error{"netlink " + std::string(what) +
                 " failed: " + std::generic_category().message(error_number)};
}

Result<Snapshot> NetlinkCollector::collect() {
    permission_denied_ = false;
    Snapshot snapshot;
    snapshot.taken_at = std::chrono::steady_clock::now();
    // Sized once from the kernel's own count: growing by doubling would briefly hold 1.5 times
    // the list (megabytes on a gateway with 60 000 connections).
    const SocketsInUse in_use = tcp_sockets_in_use(procfs_root_);
    snapshot.tcp_established.reserve(in_use.tcp.value_or(0) + in_use.tcp6.value_or(0));

    std::size_t tcp6_listeners = 0;
    for (const SocketDump& target : kSocketDumps) {
        if (&target == &kSocketDumps[2] && in_use.tcp6 && *in_use.tcp6 <= tcp6_listeners) {
            continue;  // every IPv6 TCP socket is a listener: no connection to look for
        }
        const std::size_t listeners_before = snapshot.tcp_listeners.size();
        const DumpReport report = dump_sockets(target, receive_buffer_, snapshot);
        if (&target == &kSocketDumps[1]) {
            tcp6_listeners = snapshot.tcp_listeners.size() - listeners_before;
        }
        if (report.status.error != 0) {
            return fail(report.what, report.status.error);
        }
        add_warnings(report, snapshot);
    }

    InterfaceByIndex interface_by_index;
    const DumpReport links = dump_links(receive_buffer_, snapshot, interface_by_index);
    if (links.status.error != 0) {
        return fail(links.what, links.status.error);
    }
    add_warnings(links, snapshot);

    const DumpReport addresses = dump_addresses(receive_buffer_, interface_by_index, snapshot);
    if (addresses.status.error != 0) {
        return fail(addresses.what, addresses.status.error);
    }
    add_warnings(addresses, snapshot);

    if (options_.cpu) {
        auto cpu = read_cpu_times(procfs_root_);
        if (!cpu) {
            return cpu.error();
        }
        snapshot.cpu = *cpu;
    }
    return snapshot;
}

}  // namespace defender
