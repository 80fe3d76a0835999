#include "defender/report_builder.hpp"

#include <algorithm>
#include <tuple>

#include "report/interface_index.hpp"

namespace defender {
namespace {

// Compact keys so that deduplication and sampling of tens of thousands of sockets happen
// before any string is made: only the entries that are reported get formatted.
struct PortKey {
    std::uint16_t port;
    int interface;
    auto operator<=>(const PortKey&) const = default;
};

struct ConnectionKey {
    IpAddress remote;
    std::uint16_t remote_port;
    std::uint16_t local_port;
    int interface;
    auto operator<=>(const ConnectionKey&) const = default;
};

template <class Key>
std::uint64_t dedup_and_sample(std::vector<Key>& keys, std::size_t max_entries,
                               std::mt19937_64& random) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const auto total = static_cast<std::uint64_t>(keys.size());
    if (max_entries != 0 && keys.size() > max_entries) {
        for (std::size_t i = 0; i < max_entries; ++i) {
            std::uniform_int_distribution<std::size_t> pick(i, keys.size() - 1);
            std::swap(keys[i], keys[pick(random)]);
        }
        keys.resize(max_entries);
        std::sort(keys.begin(), keys.end());
    }
    return total;
}

std::optional<std::string> interface_name(const InterfaceIndex& index, int interface) {
    if (interface == InterfaceIndex::kNone)
        return std::nullopt;
    return index.name(interface);
}

PortList port_list(const std::vector<ListeningSocket>& sockets, const InterfaceIndex& index,
                   std::size_t max_entries, std::mt19937_64& random) {
    std::vector<PortKey> keys;
    keys.reserve(sockets.size());
    for (const auto& socket : sockets)
        keys.push_back({socket.port, index.find(socket.address)});
    PortList list;
    list.total = dedup_and_sample(keys, max_entries, random);
    list.ports.reserve(keys.size());
    for (const auto& key : keys)
        list.ports.push_back({key.port, interface_name(index, key.interface)});
    return list;
}

ConnectionList connection_list(const std::vector<TcpConnection>& connections,
                               const InterfaceIndex& index, std::size_t max_entries,
                               std::mt19937_64& random) {
    std::vector<ConnectionKey> keys;
    keys.reserve(connections.size());
    for (const auto& connection : connections) {
        keys.push_back({connection.remote.normalized(), connection.remote_port,
                        connection.local_port, index.find(connection.local)});
    }
    ConnectionList list;
    list.total = dedup_and_sample(keys, max_entries, random);
    list.connections.reserve(keys.size());
    for (const auto& key : keys) {
        list.connections.push_back({key.remote.with_port(key.remote_port), key.local_port,
                                    interface_name(index, key.interface)});
    }
    return list;
}

}  // namespace

Baseline baseline_of(const Snapshot& snapshot) {
    return {snapshot.interfaces, snapshot.cpu};
}

Report build_report(const Snapshot& now, const Baseline* since, std::uint64_t report_id,
                    const BuildOptions& options, std::mt19937_64& random) {
    const InterfaceIndex index(now.addresses);
    Report report;
    report.report_id = report_id;
    Metrics& metrics = report.metrics.emplace();
    metrics.listening_tcp_ports =
        port_list(now.tcp_listeners, index, options.max_list_size, random);
    metrics.listening_udp_ports =
        port_list(now.udp_listeners, index, options.max_list_size, random);
    metrics.established_connections =
        connection_list(now.tcp_established, index, options.max_list_size, random);
    if (since) {
        metrics.network_stats =
            network_delta(since->interfaces, now.interfaces, options.include_loopback);
    }
    if (options.cpu_usage && now.cpu) {
        const auto usage = cpu_usage_percent(since ? since->cpu : std::nullopt, *now.cpu);
        if (usage)
            report.custom_metrics.push_back({"cpu_usage", NumberValue{*usage}});
    }
    return report;
}

}  // namespace defender
