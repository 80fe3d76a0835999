// SPDX-License-Identifier: Apache-2.0
#include "defender/report_builder.hpp"

#include <algorithm>
#include <tuple>

#include "report/interface_index.hpp"

namespace defender {
namespace {

// Deduplication and sampling happen on compact keys, before any string is made: only the
// entries that are reported get formatted.
struct PortKey {
    std::uint16_t port;
    int interface;
    auto operator<=>(const PortKey&) const = default;
};

// Keeps a uniform random subset of at most `max_entries` (0 = all), in sorted order.
template <class Item>
void sample_positions(std::vector<Item>& items, std::size_t max_entries, std::mt19937_64& random) {
    if (max_entries == 0 || items.size() <= max_entries) return;
    for (std::size_t i = 0; i < max_entries; ++i) {
        std::uniform_int_distribution<std::size_t> pick(i, items.size() - 1);
        std::swap(items[i], items[pick(random)]);
    }
    items.resize(max_entries);
    std::sort(items.begin(), items.end());
}

template <class Key>
std::uint64_t dedup_and_sample(std::vector<Key>& keys, std::size_t max_entries,
                               std::mt19937_64& random) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const auto total = static_cast<std::uint64_t>(keys.size());
    sample_positions(keys, max_entries, random);
    return total;
}

std::optional<std::string> interface_name(const InterfaceIndex& index, int interface) {
    if (interface == InterfaceIndex::kNone) return std::nullopt;
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

// Connections that differ only in their local address are one entry when those addresses are on
// the same interface. Keeps one position per interface of the group [first, last) of positions
// with equal (remote, remote port, local port), ordered by interface, at `out`; returns the end.
std::vector<std::uint32_t>::iterator unique_by_interface(
    const std::vector<TcpConnection>& connections, const InterfaceIndex& index,
    std::vector<std::uint32_t>::iterator first, std::vector<std::uint32_t>::iterator last,
    std::vector<std::uint32_t>::iterator out) {
    if (last - first == 1) {
        *out = *first;
        return out + 1;
    }
    std::vector<std::pair<int, std::uint32_t>> group;
    group.reserve(static_cast<std::size_t>(last - first));
    for (auto at = first; at != last; ++at)
        group.emplace_back(index.find(connections[*at].local), *at);
    std::stable_sort(group.begin(), group.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (i == 0 || group[i].first != group[i - 1].first) *out++ = group[i].second;
    }
    return out;
}

// Sorts 4-byte positions into `connections` instead of copies of them, and looks interfaces up
// only where local addresses differ within a group and for the entries reported: the extra
// memory stays at 4 bytes per connection, which matters on gateways with tens of thousands.
ConnectionList connection_list(const std::vector<TcpConnection>& connections,
                               const InterfaceIndex& index, std::size_t max_entries,
                               std::mt19937_64& random) {
    std::vector<std::uint32_t> positions(connections.size());
    for (std::uint32_t i = 0; i < connections.size(); ++i)
        positions[i] = i;
    const auto group_key = [&](std::uint32_t i) {
        const TcpConnection& connection = connections[i];
        return std::tie(connection.remote, connection.remote_port, connection.local_port);
    };
    // The local address last, so equal ones are neighbours within a group.
    std::sort(positions.begin(), positions.end(), [&](std::uint32_t a, std::uint32_t b) {
        return std::tuple_cat(group_key(a), std::tie(connections[a].local)) <
               std::tuple_cat(group_key(b), std::tie(connections[b].local));
    });
    positions.erase(std::unique(positions.begin(), positions.end(),
                                [&](std::uint32_t a, std::uint32_t b) {
                                    return group_key(a) == group_key(b) &&
                                           connections[a].local == connections[b].local;
                                }),
                    positions.end());
    auto out = positions.begin();
    for (auto first = positions.begin(); first != positions.end();) {
        auto last = std::find_if(first + 1, positions.end(), [&](std::uint32_t i) {
            return group_key(i) != group_key(*first);
        });
        out = unique_by_interface(connections, index, first, last, out);
        first = last;
    }
    positions.erase(out, positions.end());
    ConnectionList list;
    list.total = positions.size();
    sample_positions(positions, max_entries, random);
    list.connections.reserve(positions.size());
    for (const std::uint32_t i : positions) {
        const TcpConnection& connection = connections[i];
        list.connections.push_back({connection.remote.with_port(connection.remote_port),
                                    connection.local_port,
                                    interface_name(index, index.find(connection.local))});
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
    // Collectors give normalized addresses; a hand-made snapshot may not.
    const bool mapped_remote = std::any_of(now.tcp_established.begin(), now.tcp_established.end(),
                                           [](const auto& c) { return c.remote.is_v4_mapped(); });
    std::vector<TcpConnection> normalized;
    if (mapped_remote) {
        normalized = now.tcp_established;
        for (auto& connection : normalized)
            connection.remote = connection.remote.normalized();
    }
    metrics.established_connections = connection_list(
        mapped_remote ? normalized : now.tcp_established, index, options.max_list_size, random);
    if (since) {
        metrics.network_stats =
            network_delta(since->interfaces, now.interfaces, options.include_loopback);
    }
    if (options.cpu_usage && now.cpu) {
        const auto usage = cpu_usage_percent(since ? since->cpu : std::nullopt, *now.cpu);
        if (usage) report.custom_metrics.push_back({"cpu_usage", NumberValue{*usage}});
    }
    return report;
}

}  // namespace defender
