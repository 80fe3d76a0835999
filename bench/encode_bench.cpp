// SPDX-License-Identifier: Apache-2.0
// encode() in JSON and CBOR, long and short names, of sampled (50) and unsampled reports;
// encode_within_limits of an unsampled report with 50 000 connections.
#include <benchmark/benchmark.h>

#include <random>

#include "defender/encode.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

void benchmark_encode(benchmark::State& state, Format format, KeyStyle keys,
                      std::size_t max_list_size) {
    const Report report = synthetic_report(static_cast<std::size_t>(state.range(0)), max_list_size);
    const EncodeOptions options{format, keys, false};
    std::size_t size = 0;
    for (auto _ : state) {
        const std::string bytes = encode(report, options);
        size = bytes.size();
        benchmark::DoNotOptimize(bytes.data());
    }
    const auto& connections = *report.metrics->established_connections;
    state.SetItemsProcessed(state.iterations() * static_cast<long>(connections.connections.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<long>(size));
    state.counters["bytes"] = static_cast<double>(size);
}

void BM_EncodeJsonLong_SampledTo50(benchmark::State& s) {
    benchmark_encode(s, Format::json, KeyStyle::long_names, 50);
}
void BM_EncodeJsonShort_SampledTo50(benchmark::State& s) {
    benchmark_encode(s, Format::json, KeyStyle::short_names, 50);
}
void BM_EncodeCborLong_SampledTo50(benchmark::State& s) {
    benchmark_encode(s, Format::cbor, KeyStyle::long_names, 50);
}
void BM_EncodeCborShort_SampledTo50(benchmark::State& s) {
    benchmark_encode(s, Format::cbor, KeyStyle::short_names, 50);
}
void BM_EncodeJsonLong_Unsampled(benchmark::State& s) {
    benchmark_encode(s, Format::json, KeyStyle::long_names, 0);
}
void BM_EncodeJsonShort_Unsampled(benchmark::State& s) {
    benchmark_encode(s, Format::json, KeyStyle::short_names, 0);
}
void BM_EncodeCborLong_Unsampled(benchmark::State& s) {
    benchmark_encode(s, Format::cbor, KeyStyle::long_names, 0);
}
void BM_EncodeCborShort_Unsampled(benchmark::State& s) {
    benchmark_encode(s, Format::cbor, KeyStyle::short_names, 0);
}

void socket_counts(benchmark::internal::Benchmark* benchmark) {
    for (const long count : kSocketCounts)
        benchmark->Arg(count);
}

// A sampled report has at most 50 entries per list whatever the socket count: one size shows it.
BENCHMARK(BM_EncodeJsonLong_SampledTo50)->Arg(50'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeJsonShort_SampledTo50)->Arg(50'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeCborLong_SampledTo50)->Arg(50'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeCborShort_SampledTo50)->Arg(50'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeJsonLong_Unsampled)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeJsonShort_Unsampled)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeCborLong_Unsampled)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeCborShort_Unsampled)->Apply(socket_counts)->Unit(benchmark::kMicrosecond);

void BM_EncodeWithinLimits_JsonLong(benchmark::State& state) {
    const Report unsampled = synthetic_report(static_cast<std::size_t>(state.range(0)), 0);
    const EncodeOptions options{Format::json, KeyStyle::long_names, false};
    std::mt19937_64 random{7};
    std::size_t size = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Report report = unsampled;  // encode_within_limits shrinks its argument
        state.ResumeTiming();
        const auto bytes = encode_within_limits(report, options, kMaxPayloadBytes, random);
        size = bytes ? bytes->size() : 0;
        benchmark::DoNotOptimize(size);
        state.PauseTiming();
        report = Report{};
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["bytes"] = static_cast<double>(size);
}

BENCHMARK(BM_EncodeWithinLimits_JsonLong)->Arg(50'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace defender::bench
