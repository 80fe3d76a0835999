// SPDX-License-Identifier: Apache-2.0
// The live collectors on this machine, with whatever sockets it has at the time
// (run bench/hold_sockets.py first for a known count). items = sockets in the snapshot.
#include <benchmark/benchmark.h>

#include "collect/netlink_collector.hpp"
#include "defender/collector.hpp"

namespace defender::bench {
namespace {

long sockets_in(const Snapshot& snapshot) {
    return static_cast<long>(snapshot.tcp_listeners.size() + snapshot.tcp_established.size() +
                             snapshot.udp_listeners.size());
}

void benchmark_collect(benchmark::State& state, Collector& collector) {
    long sockets = 0;
    for (auto _ : state) {
        auto snapshot = collector.collect();
        if (!snapshot) {
            state.SkipWithError(snapshot.error().message.c_str());
            return;
        }
        sockets = sockets_in(*snapshot);
        benchmark::DoNotOptimize(snapshot->tcp_established.data());
    }
    state.SetItemsProcessed(state.iterations() * sockets);
    state.counters["sockets"] = static_cast<double>(sockets);
}

void BM_LiveProcCollector(benchmark::State& state) {
    ProcCollector collector{CollectorOptions{}};
    benchmark_collect(state, collector);
}

void BM_LiveNetlinkCollector(benchmark::State& state) {
    if (!NetlinkCollector::available()) {
        state.SkipWithError("NETLINK_SOCK_DIAG is not available here");
        return;
    }
    NetlinkCollector collector{CollectorOptions{}};
    benchmark_collect(state, collector);
}

BENCHMARK(BM_LiveProcCollector)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LiveNetlinkCollector)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace defender::bench
