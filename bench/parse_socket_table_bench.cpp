// SPDX-License-Identifier: Apache-2.0
// Parsing /proc/net/{tcp,tcp6,udp} text held in memory (no kernel, no I/O).
#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "collect/proc_net_sockets.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

void benchmark_parse(benchmark::State& state, const std::string& text, SocketProtocol protocol) {
    std::size_t kept = 0;
    for (auto _ : state) {
        const SocketTable table = parse_socket_table(text, protocol);
        kept = table.listeners.size() + table.established.size();
        benchmark::DoNotOptimize(kept);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<long>(text.size()));
    state.counters["kept"] = static_cast<double>(kept);
}

void BM_ParseProcNetTcp(benchmark::State& state) {
    const auto text = proc_net_tcp_text(static_cast<std::size_t>(state.range(0)));
    benchmark_parse(state, text, SocketProtocol::tcp);
}

void BM_ParseProcNetTcp6(benchmark::State& state) {
    const auto text = proc_net_tcp6_text(static_cast<std::size_t>(state.range(0)));
    benchmark_parse(state, text, SocketProtocol::tcp);
}

void BM_ParseProcNetUdp(benchmark::State& state) {
    const auto text = proc_net_udp_text(static_cast<std::size_t>(state.range(0)));
    benchmark_parse(state, text, SocketProtocol::udp);
}

void socket_counts(benchmark::internal::Benchmark* benchmark) {
    for (const long count : kSocketCounts)
        benchmark->Arg(count);
}

BENCHMARK(BM_ParseProcNetTcp)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseProcNetTcp6)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseProcNetUdp)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
