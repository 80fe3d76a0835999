// SPDX-License-Identifier: Apache-2.0
// `defender simulate`'s things: valid reports in every format, ids and counters that only
// grow, the misbehaving fraction held exactly, the same fleet from the same seed.

#include "report/simulated_fleet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "defender/encode.hpp"
#include "defender/validate.hpp"

namespace defender {
namespace {

FleetOptions fleet_options(std::size_t things, double misbehaving, std::uint64_t seed) {
    FleetOptions options;
    options.things = things;
    options.misbehaving = misbehaving;
    options.seed = seed;
    return options;
}

TEST(SimulatedFleet, EveryReportPassesValidationInEveryFormat) {
    SimulatedFleet fleet(fleet_options(40, 0.25, 7));
    const EncodeOptions encodings[] = {{Format::json, KeyStyle::long_names, false},
                                       {Format::json, KeyStyle::short_names, false},
                                       {Format::cbor, KeyStyle::long_names, false},
                                       {Format::cbor, KeyStyle::short_names, false}};
    for (std::size_t i = 0; i < fleet.size(); ++i) {
        for (std::uint64_t n = 0; n < 4; ++n) {
            const Report report = fleet.thing(i).next_report(1000 + n);
            ASSERT_TRUE(report.metrics.has_value());
            EXPECT_TRUE(report.metrics->network_stats.has_value()) << i;  // deltas from the first
            for (const auto& encoding : encodings) {
                const auto result = validate_report(encode(report, encoding));
                EXPECT_TRUE(result.valid())
                    << fleet.thing(i).profile().name << " report " << n << ": "
                    << (result.violations.empty()
                            ? ""
                            : result.violations[0].pointer + " " + result.violations[0].reason);
            }
        }
    }
}

TEST(SimulatedFleet, CountersOnlyGrowAndDeltasAreTheirDifferences) {
    SimulatedFleet fleet(fleet_options(5, 0.4, 3));
    for (std::size_t i = 0; i < fleet.size(); ++i) {
        auto& thing = fleet.thing(i);
        std::uint64_t last_in = 0;
        std::uint64_t last_out = 0;
        for (int n = 0; n < 10; ++n) {
            const auto snapshot = thing.next_snapshot();
            const auto& eth0 = snapshot.interfaces.at(0);
            EXPECT_GT(eth0.bytes_in, last_in);
            EXPECT_GT(eth0.bytes_out, last_out);
            last_in = eth0.bytes_in;
            last_out = eth0.bytes_out;
        }
    }
}

TEST(SimulatedFleet, TheMisbehavingFractionHoldsExactly) {
    EXPECT_EQ(SimulatedFleet(fleet_options(100, 0.1, 1)).misbehaving_count(), 10u);
    EXPECT_EQ(SimulatedFleet(fleet_options(100, 0.0, 1)).misbehaving_count(), 0u);
    EXPECT_EQ(SimulatedFleet(fleet_options(100, 1.0, 1)).misbehaving_count(), 100u);
    EXPECT_EQ(SimulatedFleet(fleet_options(7, 0.5, 1)).misbehaving_count(), 4u);  // 3.5 rounds up
    EXPECT_EQ(SimulatedFleet(fleet_options(1000, 0.333, 9)).misbehaving_count(), 333u);
}

// A misbehaving thing listens on a port no well-behaved thing opens, sends bursts and talks
// to peers outside the usual range.
TEST(SimulatedFleet, MisbehavingThingsShowAllThreeSigns) {
    SimulatedFleet fleet(fleet_options(60, 0.5, 11));
    const std::set<std::uint16_t> suspicious = {23, 2323, 4444, 5555, 6667, 31337};
    for (std::size_t i = 0; i < fleet.size(); ++i) {
        auto& thing = fleet.thing(i);
        const auto& ports = thing.profile().tcp_ports;
        const bool odd_port = std::any_of(
            ports.begin(), ports.end(), [&](std::uint16_t port) { return suspicious.count(port); });
        const auto snapshot = thing.next_snapshot();
        const bool new_peer = std::any_of(
            snapshot.tcp_established.begin(), snapshot.tcp_established.end(),
            [](const TcpConnection& c) { return c.remote.to_string().starts_with("203.0.113."); });
        EXPECT_EQ(odd_port, thing.profile().misbehaving) << thing.profile().name;
        EXPECT_EQ(new_peer, thing.profile().misbehaving) << thing.profile().name;
    }
    // Bursts: a misbehaving thing sends more than any well-behaved one (at least 160 kB a
    // report against at most 120 kB).
    SimulatedFleet pair(fleet_options(2, 0.5, 5));
    std::uint64_t sent[2] = {};
    for (std::size_t i = 0; i < 2; ++i) {
        const auto report = pair.thing(i).next_report(1);
        sent[pair.thing(i).profile().misbehaving] = report.metrics->network_stats->bytes_out;
    }
    EXPECT_GT(sent[1], sent[0]);
}

TEST(SimulatedFleet, TheSameSeedMakesTheSameReports) {
    SimulatedFleet a(fleet_options(20, 0.3, 42));
    SimulatedFleet b(fleet_options(20, 0.3, 42));
    SimulatedFleet c(fleet_options(20, 0.3, 43));
    bool differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a.thing(i).profile().misbehaving, b.thing(i).profile().misbehaving);
        const EncodeOptions json{Format::json, KeyStyle::long_names, false};
        for (std::uint64_t n = 1; n <= 3; ++n) {
            const auto report_a = encode(a.thing(i).next_report(n), json);
            EXPECT_EQ(report_a, encode(b.thing(i).next_report(n), json));
            differs = differs || report_a != encode(c.thing(i).next_report(n), json);
        }
    }
    EXPECT_TRUE(differs);
}

TEST(SimulatedFleet, ThingsAreNamedWithThePrefix) {
    FleetOptions options = fleet_options(3, 0, 1);
    options.thing_prefix = "lab-";
    SimulatedFleet fleet(options);
    EXPECT_EQ(fleet.thing(0).profile().name, "lab-0");
    EXPECT_EQ(fleet.thing(2).profile().name, "lab-2");
}

}  // namespace
}  // namespace defender
