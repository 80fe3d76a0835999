// SPDX-License-Identifier: Apache-2.0
#include <cerrno>
#include <cstdlib>

#include "collect/malformed_warning.hpp"
#include "collect/proc_file.hpp"
#include "collect/proc_net_dev.hpp"
#include "collect/proc_net_sockets.hpp"
#include "collect/proc_stat.hpp"
#include "defender/collector.hpp"

namespace defender {
namespace {

/// Which socket table, and whether its absence is fine.
struct SocketFile {
    const char* name;
    SocketProtocol protocol;
    bool ipv6;  ///< missing on kernels without IPv6: ENOENT is not an error
};

constexpr SocketFile kSocketFiles[] = {
    {"tcp", SocketProtocol::tcp, false},
    {"tcp6", SocketProtocol::tcp, true},
    {"udp", SocketProtocol::udp, false},
    {"udp6", SocketProtocol::udp, true},
};

}  // namespace

ProcCollector::ProcCollector(CollectorOptions options) : options_(std::move(options)) {}

Result<Snapshot> ProcCollector::collect() {
    Snapshot snapshot;
    SocketTable tcp;
    SocketTable udp;
    for (const auto& file : kSocketFiles) {
        const auto path = options_.procfs + "/net/" + file.name;
        auto& table = file.protocol == SocketProtocol::tcp ? tcp : udp;
        const auto malformed_before = table.malformed_lines;
        const int error_number = read_socket_table(path, file.protocol, table);
        if (error_number == ENOENT && file.ipv6) {
            continue;
        }
        if (error_number != 0) {
            return Error{cannot_read_message(path, error_number)};
        }
        if (table.malformed_lines > malformed_before) {
            snapshot.warnings.push_back(
                malformed_warning(table.malformed_lines - malformed_before, path));
        }
    }
    snapshot.tcp_listeners = std::move(tcp.listeners);
    snapshot.tcp_established = std::move(tcp.established);
    snapshot.udp_listeners = std::move(udp.listeners);

    auto interfaces =
        read_interface_counters(options_.procfs, options_.address_source, snapshot.warnings);
    if (!interfaces) {
        return interfaces.error();
    }
    snapshot.interfaces = std::move(*interfaces);

    if (options_.address_source.addresses) {
        auto addresses = options_.address_source.addresses();
        if (addresses) {
            snapshot.addresses = std::move(*addresses);
        } else {
            snapshot.warnings.push_back(addresses.error().message);
        }
    }

    if (options_.cpu) {
        const auto path = options_.procfs + "/stat";
        const auto text = read_small_file(path);
        if (!text) {
            return text.error();
        }
        snapshot.cpu = parse_proc_stat(*text);
        if (!snapshot.cpu) {
            snapshot.warnings.push_back("no aggregate cpu line in " + path);
        }
    }

    snapshot.taken_at = std::chrono::steady_clock::now();
    return snapshot;
}

std::string resolve_procfs_root(const std::string& explicit_root) {
    if (!explicit_root.empty()) {
        return explicit_root;
    }
    const char* from_environment = std::getenv("PROCFS_PATH");
    if (from_environment != nullptr && *from_environment != '\0') {
        return from_environment;
    }
    return "/proc";
}

}  // namespace defender
