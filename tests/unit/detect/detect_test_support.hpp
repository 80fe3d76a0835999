// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers of the Detect tests: profiles from JSON text, reports built field by field, times.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "defender/detect.hpp"
#include "defender/report.hpp"

namespace defender::detect::test {

/// Epoch seconds as a Time.
inline Time seconds(std::int64_t s) {
    return Time(std::chrono::seconds(s));
}

/// A profile from JSON; fails the test when it does not parse.
inline SecurityProfile profile_from(std::string_view json) {
    auto profile = parse_security_profile(json);
    EXPECT_TRUE(profile.ok()) << (profile.ok() ? "" : profile.error().message);
    return profile.ok() ? *profile : SecurityProfile{};
}

/// A profile named "p" with these behaviors (a JSON list).
inline SecurityProfile profile_with(std::string_view behaviors_json) {
    return profile_from(R"({"securityProfileName": "p", "behaviors": )" +
                        std::string(behaviors_json) + "}");
}

/// An evaluator of the profiles; fails the test when it cannot be made.
inline Evaluator evaluator_of(std::vector<SecurityProfile> profiles, double time_scale = 1.0) {
    auto evaluator = Evaluator::create(std::move(profiles), EvaluatorOptions{time_scale});
    if (!evaluator.ok()) {
        ADD_FAILURE() << evaluator.error().message;
        return Evaluator::create({}).value();
    }
    return std::move(*evaluator);
}

/// A report with traffic deltas.
inline Report traffic(std::uint64_t bytes_in, std::uint64_t bytes_out = 0,
                      std::uint64_t packets_in = 0, std::uint64_t packets_out = 0) {
    Report report;
    report.metrics.emplace();
    report.metrics->network_stats = NetworkStats{bytes_in, bytes_out, packets_in, packets_out};
    return report;
}

/// A report listening on these TCP ports.
inline Report tcp_ports(std::vector<std::uint16_t> ports) {
    Report report;
    report.metrics.emplace();
    PortList list;
    for (auto port : ports)
        list.ports.push_back({port, std::nullopt});
    list.total = ports.size();
    report.metrics->listening_tcp_ports = list;
    return report;
}

/// A report with established connections to these `remote_addr`s.
inline Report connections(std::vector<std::string> remote_addrs) {
    Report report;
    report.metrics.emplace();
    ConnectionList list;
    for (auto& addr : remote_addrs)
        list.connections.push_back({addr, 5000, std::nullopt});
    list.total = remote_addrs.size();
    report.metrics->established_connections = list;
    return report;
}

/// A report of one custom metric.
inline Report custom(std::string name, CustomValue value) {
    Report report;
    report.custom_metrics.push_back({std::move(name), std::move(value)});
    return report;
}

/// The event types, in order.
inline std::vector<ViolationEventType> types_of(const std::vector<ViolationEvent>& events) {
    std::vector<ViolationEventType> types;
    for (const auto& event : events)
        types.push_back(event.violation_event_type);
    return types;
}

}  // namespace defender::detect::test
