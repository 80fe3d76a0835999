// SPDX-License-Identifier: Apache-2.0
// The Detect store (SQLite, WAL, synchronous=FULL): how much one thing-day of history takes
// on disk and how many evaluations per second record() writes. A fleet reports every 300 s
// (288 reports per thing-day) against a 10-behavior profile; each report is evaluated and
// recorded as `defender detect` does: the thing's state, the report's datapoints
// (metrics_json of a report of 100 sockets, lists sampled to 50), its events and alarms.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

using namespace defender::detect;

// The profile of detect_bench.cpp (not violated by the synthetic report).
SecurityProfile ten_behaviors() {
    return parse_security_profile(R"({"securityProfileName": "bench", "behaviors": [
      {"name": "BytesIn", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1000000000}, "durationSeconds": 300}},
      {"name": "BytesOut", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1000000000}, "durationSeconds": 300}},
      {"name": "PacketsIn", "metric": "aws:all-packets-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1000000000}, "durationSeconds": 300, "consecutiveDatapointsToAlarm": 2}},
      {"name": "PacketsOut", "metric": "aws:all-packets-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1000000000}, "durationSeconds": 600}},
      {"name": "NumTcpPorts", "metric": "aws:num-listening-tcp-ports", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": 1000000000}, "durationSeconds": 300}},
      {"name": "NumUdpPorts", "metric": "aws:num-listening-udp-ports", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": 1000000000}}},
      {"name": "Established", "metric": "aws:num-established-tcp-connections", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1000000000}, "consecutiveDatapointsToClear": 3}},
      {"name": "TcpPorts", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "not-in-port-set", "value": {"ports": [23, 2323]}}},
      {"name": "Destinations", "metric": "aws:destination-ip-addresses", "criteria": {"comparisonOperator": "not-in-cidr-set", "value": {"cidrs": ["12.8.0.0/16", "2001:db8:dead::/48"]}}},
      {"name": "Cpu", "metric": "cpu_usage", "criteria": {"comparisonOperator": "less-than", "value": {"number": 101}}}
    ]})")
        .value();
}

std::filesystem::path temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "defender-store-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return std::filesystem::temp_directory_path();
    return pattern;
}

// One iteration: one day of a fleet of `things`, every report evaluated and recorded.
void BM_StoreGrowth_ThingDay(benchmark::State& state) {
    const auto things = static_cast<std::size_t>(state.range(0));
    const Report report = synthetic_report(100, 50);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < things; ++i)
        names.push_back("thing-" + std::to_string(i));
    const auto dir = temp_dir();
    const auto path = dir / "detect.db";
    std::size_t records = 0;
    std::size_t events = 0;
    std::uintmax_t bytes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::filesystem::remove(path);
        auto evaluator = Evaluator::create({ten_behaviors()}).value();
        auto store = std::move(open_sqlite_store(path).value());
        state.ResumeTiming();
        Time now(std::chrono::milliseconds(1'700'000'100'000));
        const auto step = std::chrono::milliseconds(300'000 / static_cast<long>(things));
        for (int report_index = 0; report_index < 288; ++report_index) {
            for (const auto& name : names) {
                now += step;
                Evaluation evaluation;
                evaluation.events = evaluator.on_report(name, report, now);
                evaluation.states = {{name, *evaluator.thing_state(name)}};
                evaluation.datapoints = {Datapoint{name, now, metrics_json(report)}};
                evaluation.active = evaluator.active_violations(name);
                if (!store->record(evaluation).ok()) state.SkipWithError("record failed");
                events += evaluation.events.size();
                ++records;
            }
        }
        state.PauseTiming();
        store.reset();  // the last connection checkpoints the WAL into the file
        bytes = std::filesystem::file_size(path);
        state.ResumeTiming();
    }
    std::filesystem::remove_all(dir);
    state.SetItemsProcessed(static_cast<long>(records));
    state.counters["bytes_per_thing_day"] =
        static_cast<double>(bytes) / static_cast<double>(things);
    state.counters["datapoint_json_bytes"] = static_cast<double>(metrics_json(report).size());
    state.counters["events"] = static_cast<double>(events);
}
// Arg: things in the fleet. One day each: 2 880 and 28 800 records.
// Real time: the fsync of each commit is the cost, and it is not CPU time.
BENCHMARK(BM_StoreGrowth_ThingDay)
    ->Arg(10)
    ->Arg(100)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace defender::bench
