// SPDX-License-Identifier: Apache-2.0
// validate_reports, what `defender check` does with what it read: concatenated reports from
// 100 KB to 10 MB (time per byte must stay flat), and hostile documents (as wide and as deep
// as the limits let through, and beyond).
#include <benchmark/benchmark.h>

#include <string>

#include "defender/encode.hpp"
#include "defender/validate.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

// Copies of one sampled report (about 6 KB as compact JSON) up to at least `bytes`.
std::string concatenated_reports(const EncodeOptions& options, std::size_t bytes) {
    const std::string one = encode(synthetic_report(1'000, 50), options);
    std::string input;
    input.reserve(bytes + one.size() + 1);
    while (input.size() < bytes) {
        input += one;
        if (options.format == Format::json) input += '\n';
    }
    return input;
}

void run(benchmark::State& state, const std::string& input, bool expect_valid) {
    std::size_t documents = 0;
    for (auto _ : state) {
        const auto results = validate_reports(input);
        documents = results.size();
        if (expect_valid && !results.front().valid()) state.SkipWithError("not valid");
        benchmark::DoNotOptimize(results.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<long>(input.size()));
    state.counters["reports"] = static_cast<double>(documents);
    // Seconds per byte (printed with an SI prefix: "n" is ns/byte).
    state.counters["per_byte"] = benchmark::Counter(
        static_cast<double>(input.size()),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_CheckReports_JsonCompact(benchmark::State& state) {
    run(state,
        concatenated_reports({Format::json, KeyStyle::long_names, false},
                             static_cast<std::size_t>(state.range(0))),
        true);
}
void BM_CheckReports_JsonPretty(benchmark::State& state) {
    run(state,
        concatenated_reports({Format::json, KeyStyle::long_names, true},
                             static_cast<std::size_t>(state.range(0))),
        true);
}
void BM_CheckReports_Cbor(benchmark::State& state) {
    run(state,
        concatenated_reports({Format::cbor, KeyStyle::short_names, false},
                             static_cast<std::size_t>(state.range(0))),
        true);
}

void input_sizes(benchmark::internal::Benchmark* benchmark) {
    for (const long bytes : {100'000L, 1'000'000L, 10'000'000L})
        benchmark->Arg(bytes);
}

BENCHMARK(BM_CheckReports_JsonCompact)->Apply(input_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckReports_JsonPretty)->Apply(input_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckReports_Cbor)->Apply(input_sizes)->Unit(benchmark::kMillisecond);

// One report whose custom_metrics object has `members` members ("0":0, "1":0, ...): at the
// limit (10 922) it is read and every member is a violation; above it, refused when read.
void BM_CheckWideObject(benchmark::State& state) {
    std::string json = R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{)";
    for (long i = 0; i < state.range(0); ++i)
        json += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    run(state, json + "}}", false);
}
BENCHMARK(BM_CheckWideObject)->Arg(10'922)->Arg(10'923)->Unit(benchmark::kMillisecond);

// A report followed by a document nested `levels` deep, refused by the pre-scan.
void BM_CheckDeepJson(benchmark::State& state) {
    const auto levels = static_cast<std::size_t>(state.range(0));
    run(state,
        encode(synthetic_report(100, 50), {}) + "{\"a\":" + std::string(levels, '[') +
            std::string(levels, ']') + "}",
        false);
}
BENCHMARK(BM_CheckDeepJson)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace defender::bench
