// SPDX-License-Identifier: Apache-2.0
// A custom agent in a few lines: collect the system once, add a metric of our own, build a
// Device Defender report and print it as JSON. A real agent would publish the bytes with
// Defender::mqtt (defender/mqtt_transport.hpp) or run defender::Agent (defender/agent.hpp).
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

#include "defender/defender.hpp"

namespace {

// The value of a custom metric named `device_clock_seconds` (create it in AWS first, type
// number): any function returning a Result<CustomValue>.
defender::Result<defender::CustomValue> clock_seconds() {
    return defender::CustomValue{
        defender::NumberValue{static_cast<std::int64_t>(std::time(nullptr))}};
}

}  // namespace

int main() {
    const auto collector = defender::make_collector(defender::CollectorOptions{});
    auto snapshot = collector->collect();
    if (!snapshot) {
        std::fprintf(stderr, "custom-agent: %s\n", snapshot.error().message.c_str());
        return 3;
    }

    std::mt19937_64 random{std::random_device{}()};
    const std::uint64_t report_id = static_cast<std::uint64_t>(std::time(nullptr));
    defender::Report report =
        defender::build_report(*snapshot, nullptr, report_id, defender::BuildOptions{}, random);

    defender::CustomMetricSet custom_metrics;
    if (auto added = custom_metrics.add_callback("device_clock_seconds",
                                                 defender::CustomMetricType::number, clock_seconds);
        !added) {
        std::fprintf(stderr, "custom-agent: %s\n", added.error().message.c_str());
        return 2;
    }
    for (auto& metric : custom_metrics.read().metrics)
        report.custom_metrics.push_back(std::move(metric));

    const auto json = defender::encode(report, defender::EncodeOptions{.pretty = true});
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}
