// SPDX-License-Identifier: Apache-2.0
// The console's reads of the Detect store (issue #16) on a fleet of 10 000 things, 3 datapoints
// each (metrics_json of a report of 100 sockets, lists sampled to 50, with cpu_usage), every
// tenth thing with 1 to 3 active violations, recorded through record() as the detector does:
// the fleet page's first 100 rows (sorted by name; by active violations, descending), a
// filtered page, and /metrics (fleet() of every thing + latest_datapoints() +
// prometheus_text()). The queries run on a read-only connection, as the console's would.
// docs/performance.md ("Console store") has the results and the command.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "synthetic_input.hpp"
#include "view/prometheus_text.hpp"

namespace defender::bench {
namespace {

using namespace defender::detect;

constexpr std::size_t kThings = 10'000;
constexpr int kDatapointsPerThing = 3;

ActiveViolation alarm(const std::string& thing, int index, Time now) {
    ActiveViolation violation;
    violation.violation_id = thing + "-v" + std::to_string(index);
    violation.thing_name = thing;
    violation.security_profile_name = "bench";
    violation.behavior.name = "Behavior" + std::to_string(index);
    violation.behavior.metric = "aws:all-bytes-in";
    violation.last_violation_value = MetricValue{};
    violation.last_violation_value->count = 5000;
    violation.last_violation_time = now;
    violation.violation_start_time = now;
    return violation;
}

// The fleet's store, made once for all the benchmarks and removed at exit.
class Fleet {
public:
    Fleet() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "defender-console-bench-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) return;
        dir_ = pattern;
        auto writer = open_sqlite_store(dir_ / "detect.db");
        if (!writer) return;
        const std::string metrics = metrics_json(synthetic_report(100, 50));
        Time now(std::chrono::milliseconds(1'700'000'100'000));
        for (int round = 0; round < kDatapointsPerThing; ++round) {
            for (std::size_t first = 0; first < kThings; first += 1000) {
                Evaluation evaluation;
                for (std::size_t i = first; i < first + 1000; ++i) {
                    char name[32];
                    std::snprintf(name, sizeof name, "thing-%05zu", i);
                    now += std::chrono::milliseconds(30);
                    evaluation.datapoints.push_back({name, now, metrics});
                    evaluation.tallies.push_back({name, "json", 1, i % 7 == 0 ? 1u : 0u, now});
                    if (round == 0) {
                        evaluation.states.emplace_back(name, ThingState{});
                        if (i % 10 == 0) {
                            for (int a = 0; a <= static_cast<int>(i / 10 % 3); ++a)
                                evaluation.active.push_back(alarm(name, a, now));
                        }
                    }
                }
                if (!(*writer)->record(evaluation).ok()) return;
            }
        }
        writer->reset();
        auto reader = open_sqlite_store(dir_ / "detect.db", StoreOptions{14, 30, true, 0});
        if (reader) store_ = std::move(*reader);
    }
    ~Fleet() {
        store_.reset();
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;
    Store* store() const { return store_.get(); }

private:
    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

Store* fleet_store(benchmark::State& state) {
    static Fleet fleet;
    if (fleet.store() == nullptr) state.SkipWithError("could not make the fleet's store");
    return fleet.store();
}

void run_fleet_query(benchmark::State& state, const FleetQuery& query) {
    Store* store = fleet_store(state);
    if (store == nullptr) return;
    std::size_t rows = 0;
    for (auto _ : state) {
        auto page = store->fleet(query);
        if (!page || page->things.empty()) {
            state.SkipWithError("fleet() failed");
            return;
        }
        rows = page->things.size();
        benchmark::DoNotOptimize(page->total);
    }
    state.counters["rows"] = static_cast<double>(rows);
}

// The first screen of the fleet page: 100 rows of 10 000, by name.
void BM_ConsoleFleet_FirstPageByName(benchmark::State& state) {
    run_fleet_query(state, FleetQuery{});
}
BENCHMARK(BM_ConsoleFleet_FirstPageByName)->Unit(benchmark::kMillisecond);

// The same, the things with the most active violations first.
void BM_ConsoleFleet_FirstPageByActiveViolations(benchmark::State& state) {
    FleetQuery query;
    query.sort = FleetQuery::Sort::active_violations;
    query.descending = true;
    run_fleet_query(state, query);
}
BENCHMARK(BM_ConsoleFleet_FirstPageByActiveViolations)->Unit(benchmark::kMillisecond);

// A name filter (111 of 10 000 match "-01") sorted by last report, newest first.
void BM_ConsoleFleet_FilteredByLastReport(benchmark::State& state) {
    FleetQuery query;
    query.name_contains = "-01";
    query.sort = FleetQuery::Sort::last_report;
    query.descending = true;
    run_fleet_query(state, query);
}
BENCHMARK(BM_ConsoleFleet_FilteredByLastReport)->Unit(benchmark::kMillisecond);

// GET /metrics without the HTTP: every thing's row, every latest datapoint, the text.
void BM_ConsoleMetrics_Page(benchmark::State& state) {
    Store* store = fleet_store(state);
    if (store == nullptr) return;
    DetectCounters counters;
    std::size_t bytes = 0;
    for (auto _ : state) {
        FleetQuery all;
        all.limit = static_cast<std::size_t>(-1);
        auto things = store->fleet(all);
        auto latest = store->latest_datapoints();
        if (!things || !latest || latest->size() != kThings) {
            state.SkipWithError("fleet() or latest_datapoints() failed");
            return;
        }
        const auto text = view::prometheus_text(things->things, *latest, counters);
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ConsoleMetrics_Page)->Unit(benchmark::kMillisecond);

// Its parts: the two reads, then the rendering alone.
void BM_ConsoleMetrics_StoreReads(benchmark::State& state) {
    Store* store = fleet_store(state);
    if (store == nullptr) return;
    for (auto _ : state) {
        FleetQuery all;
        all.limit = static_cast<std::size_t>(-1);
        auto things = store->fleet(all);
        auto latest = store->latest_datapoints();
        if (!things || !latest) {
            state.SkipWithError("read failed");
            return;
        }
        benchmark::DoNotOptimize(latest->data());
    }
}
BENCHMARK(BM_ConsoleMetrics_StoreReads)->Unit(benchmark::kMillisecond);

void BM_ConsoleMetrics_Render(benchmark::State& state) {
    Store* store = fleet_store(state);
    if (store == nullptr) return;
    FleetQuery all;
    all.limit = static_cast<std::size_t>(-1);
    auto things = store->fleet(all);
    auto latest = store->latest_datapoints();
    if (!things || !latest) {
        state.SkipWithError("read failed");
        return;
    }
    DetectCounters counters;
    for (auto _ : state) {
        const auto text = view::prometheus_text(things->things, *latest, counters);
        benchmark::DoNotOptimize(text.data());
    }
}
BENCHMARK(BM_ConsoleMetrics_Render)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace defender::bench
