// SPDX-License-Identifier: Apache-2.0
// Parsing /proc/net/dev text held in memory.
#include <benchmark/benchmark.h>

#include "collect/proc_net_dev.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

void BM_ParseProcNetDev(benchmark::State& state) {
    const auto text = proc_net_dev_text(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        const NetDevTable table = parse_proc_net_dev(text);
        benchmark::DoNotOptimize(table.interfaces.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<long>(text.size()));
}

// Interfaces, not sockets: 4 is this machine; 1000 a container host full of veths.
BENCHMARK(BM_ParseProcNetDev)->Arg(4)->Arg(64)->Arg(1'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
