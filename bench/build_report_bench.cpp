// SPDX-License-Identifier: Apache-2.0
// build_report: deduplication, interface names and sampling of a collected snapshot.
#include <benchmark/benchmark.h>

#include <random>

#include "defender/report_builder.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

void benchmark_build(benchmark::State& state, std::size_t max_list_size) {
    const auto sockets = static_cast<std::size_t>(state.range(0));
    const Snapshot snapshot = synthetic_snapshot(sockets);
    const Baseline baseline = baseline_of(snapshot);
    BuildOptions options;
    options.cpu_usage = true;
    options.max_list_size = max_list_size;
    std::mt19937_64 random{7};
    std::uint64_t report_id = 1;
    for (auto _ : state) {
        Report report = build_report(snapshot, &baseline, report_id++, options, random);
        benchmark::DoNotOptimize(report.metrics);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(snapshot.tcp_listeners.size() +
                                                                   snapshot.tcp_established.size() +
                                                                   snapshot.udp_listeners.size()));
}

void BM_BuildReport_SampledTo50(benchmark::State& state) {
    benchmark_build(state, 50);
}
void BM_BuildReport_Unsampled(benchmark::State& state) {
    benchmark_build(state, 0);
}

void socket_counts(benchmark::internal::Benchmark* benchmark) {
    for (const long count : kSocketCounts)
        benchmark->Arg(count);
}

BENCHMARK(BM_BuildReport_SampledTo50)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuildReport_Unsampled)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
