// SPDX-License-Identifier: Apache-2.0
// InterfaceIndex::find: which interface owns the local address of every socket.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "report/interface_index.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

std::vector<IpAddress> local_addresses_of(std::size_t sockets) {
    const Snapshot snapshot = synthetic_snapshot(sockets);
    std::vector<IpAddress> addresses;
    for (const auto& socket : snapshot.tcp_listeners)
        addresses.push_back(socket.address);
    for (const auto& connection : snapshot.tcp_established)
        addresses.push_back(connection.local);
    return addresses;
}

/// `extra` more interfaces with one IPv4 and one IPv6 address each, after the host's own.
std::vector<InterfaceAddress> index_addresses(std::size_t extra) {
    auto addresses = host_addresses();
    for (std::size_t i = 0; i < extra; ++i) {
        const std::string name = "veth" + std::to_string(i);
        addresses.push_back({name, IpAddress::v4(0xAC100000u + static_cast<std::uint32_t>(i))});
        addresses.push_back({name, *IpAddress::parse("fd01::" + std::to_string(i + 1))});
    }
    return addresses;
}

void benchmark_find(benchmark::State& state, std::size_t extra_interfaces) {
    const auto lookups = local_addresses_of(static_cast<std::size_t>(state.range(0)));
    const InterfaceIndex index(index_addresses(extra_interfaces));
    long found = 0;
    for (auto _ : state) {
        found = 0;
        for (const auto& address : lookups)
            found += index.find(address) != InterfaceIndex::kNone;
        benchmark::DoNotOptimize(found);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(lookups.size()));
    state.counters["found"] = static_cast<double>(found);
}

void BM_InterfaceIndexFind_HostAddresses(benchmark::State& state) {
    benchmark_find(state, 0);
}
void BM_InterfaceIndexFind_1000Interfaces(benchmark::State& state) {
    benchmark_find(state, 1000);
}

void socket_counts(benchmark::internal::Benchmark* benchmark) {
    for (const long count : kSocketCounts)
        benchmark->Arg(count);
}

BENCHMARK(BM_InterfaceIndexFind_HostAddresses)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InterfaceIndexFind_1000Interfaces)
    ->Apply(socket_counts)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
