// SPDX-License-Identifier: Apache-2.0
// sample_lists alone: uniform sampling of an unsampled report's lists down to 50 entries.
#include <benchmark/benchmark.h>

#include <random>

#include "defender/limits.hpp"
#include "report/sampling.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

void BM_SampleListsTo50(benchmark::State& state) {
    const Report unsampled = synthetic_report(static_cast<std::size_t>(state.range(0)), 0);
    std::mt19937_64 random{7};
    for (auto _ : state) {
        state.PauseTiming();
        Report report = unsampled;  // the copy is not what is measured
        state.ResumeTiming();
        sample_lists(report, kDefaultMaxListSize, random);
        benchmark::DoNotOptimize(report.metrics);
        state.PauseTiming();
        report = Report{};  // neither is freeing the copy
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() *
                            static_cast<long>(unsampled.metrics->established_connections->total));
}

void socket_counts(benchmark::internal::Benchmark* benchmark) {
    for (const long count : kSocketCounts)
        benchmark->Arg(count);
}

BENCHMARK(BM_SampleListsTo50)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
