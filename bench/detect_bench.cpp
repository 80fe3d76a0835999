// SPDX-License-Identifier: Apache-2.0
// Detect's evaluator: reports per second for a 10-behavior profile (windowed sums, last-value
// counts, per-report counts, a port set, a CIDR set, a custom metric) over a fleet of things
// reporting every 300 s, so windows close as they would; and the memory one thing's state
// takes, typical and with every behavior in alarm (target: under 2 KiB).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "defender/detect.hpp"
#include "synthetic_input.hpp"

namespace defender::bench {
namespace {

using namespace defender::detect;

// Ten behaviors; `strict` makes every one of them violate the synthetic report.
SecurityProfile ten_behaviors(bool strict) {
    const std::string n = strict ? "0" : "1000000000";
    const std::string json =
        R"({"securityProfileName": "bench", "behaviors": [
      {"name": "BytesIn", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": )" +
        n + R"(}, "durationSeconds": 300}},
      {"name": "BytesOut", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": )" +
        n + R"(}, "durationSeconds": 300}},
      {"name": "PacketsIn", "metric": "aws:all-packets-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": )" +
        n + R"(}, "durationSeconds": 300, "consecutiveDatapointsToAlarm": 2}},
      {"name": "PacketsOut", "metric": "aws:all-packets-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": )" +
        n + R"(}, "durationSeconds": 600}},
      {"name": "NumTcpPorts", "metric": "aws:num-listening-tcp-ports", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": )" +
        n + R"(}, "durationSeconds": 300}},
      {"name": "NumUdpPorts", "metric": "aws:num-listening-udp-ports", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": )" +
        n + R"(}}},
      {"name": "Established", "metric": "aws:num-established-tcp-connections", "criteria": {"comparisonOperator": "less-than", "value": {"count": )" +
        n + R"(}, "consecutiveDatapointsToClear": 3}},
      {"name": "TcpPorts", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": ")" +
        (strict ? "in" : "not-in") +
        R"(-port-set", "value": {"ports": [23, 2323]}}},
      {"name": "Destinations", "metric": "aws:destination-ip-addresses", "criteria": {"comparisonOperator": ")" +
        (strict ? "in" : "not-in") +
        R"(-cidr-set", "value": {"cidrs": ["12.8.0.0/16", "2001:db8:dead::/48"]}}},
      {"name": "Cpu", "metric": "cpu_usage", "criteria": {"comparisonOperator": "less-than", "value": {"number": )" +
        (strict ? "-1" : "101") + R"(}}}
    ]})";
    return parse_security_profile(json).value();
}

std::size_t heap_of(const std::string& text) {
    return text.capacity() > 15 ? text.capacity() + 1 : 0;
}

std::size_t heap_of(const StoredValue& value) {
    if (const auto* ports = std::get_if<std::vector<std::uint16_t>>(&value)) {
        return ports->capacity() * sizeof(std::uint16_t);
    }
    if (const auto* numbers = std::get_if<std::vector<double>>(&value)) {
        return numbers->capacity() * sizeof(double);
    }
    if (const auto* texts = std::get_if<std::vector<std::string>>(&value)) {
        std::size_t bytes = texts->capacity() * sizeof(std::string);
        for (const auto& text : *texts)
            bytes += heap_of(text);
        return bytes;
    }
    if (const auto* packed = std::get_if<PackedAddresses>(&value)) return packed->bytes.capacity();
    return 0;
}

// The bytes one thing costs: its state, its heap blocks, and its map entry in the evaluator
// (node header, key, the profile index list).
std::size_t bytes_of(const std::string& thing, const ThingState& state) {
    std::size_t bytes = sizeof(ThingState) + 32 + sizeof(std::string) + heap_of(thing) +
                        sizeof(std::vector<std::size_t>) + state.profiles.size() * 8;
    bytes += state.profiles.capacity() * sizeof(ProfileState);
    for (const auto& profile : state.profiles) {
        bytes += heap_of(profile.profile) + profile.behaviors.capacity() * sizeof(BehaviorState);
        for (const auto& behavior : profile.behaviors) {
            bytes += heap_of(behavior.behavior);
            if (behavior.alarm) bytes += heap_of(behavior.alarm->last_value);
        }
    }
    return bytes;
}

void BM_DetectEvaluate_10Behaviors(benchmark::State& state) {
    const bool strict = state.range(1) != 0;
    auto evaluator = Evaluator::create({ten_behaviors(strict)}).value();
    const Report report = synthetic_report(100, 50);
    const auto things = static_cast<std::size_t>(state.range(0));
    std::vector<std::string> names;
    for (std::size_t i = 0; i < things; ++i)
        names.push_back("thing-" + std::to_string(i));
    // Each thing reports every 300 s, the fleet's reports spread evenly over the interval.
    const auto step = std::chrono::microseconds(300'000'000 / static_cast<long>(things));
    auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
        Time(std::chrono::milliseconds(1'700'000'100'000)));
    std::size_t next = 0;
    std::size_t events = 0;
    for (auto _ : state) {
        now += step;
        events += evaluator
                      .on_report(names[next], report,
                                 std::chrono::time_point_cast<std::chrono::milliseconds>(now))
                      .size();
        if (++next == things) next = 0;
    }
    state.SetItemsProcessed(static_cast<long>(state.iterations()));
    state.counters["events"] = static_cast<double>(events);
    std::size_t largest = 0;
    for (const auto& name : evaluator.things()) {
        largest = std::max(largest, bytes_of(name, *evaluator.thing_state(name)));
    }
    state.counters["state_bytes_per_thing"] = static_cast<double>(largest);
    state.counters["sizeof_behavior_state"] = static_cast<double>(sizeof(BehaviorState));
}
// Args: things in the fleet, every behavior violating (1) or none (0).
BENCHMARK(BM_DetectEvaluate_10Behaviors)
    ->Args({1'000, 0})
    ->Args({10'000, 0})
    ->Args({1'000, 1})
    ->Args({10'000, 1});

void BM_DetectParseProfile_10Behaviors(benchmark::State& state) {
    for (auto _ : state) {
        auto profile = ten_behaviors(false);
        benchmark::DoNotOptimize(profile.behaviors.data());
    }
    state.SetItemsProcessed(static_cast<long>(state.iterations()));
}
BENCHMARK(BM_DetectParseProfile_10Behaviors);

}  // namespace
}  // namespace defender::bench
