// SPDX-License-Identifier: Apache-2.0
#pragma once
// The things `defender simulate` pretends to be: each with a profile fixed by the seed (its
// address, listening ports, usual destinations, traffic) and counters that only grow, so that
// every report it makes is a valid v1.0 report with deltas. A chosen fraction misbehaves:
// extra listening ports, traffic bursts and new remote destinations in every report. Pure:
// the same seed gives the same fleet and the same reports; no clock, no network.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "defender/report.hpp"
#include "defender/report_builder.hpp"
#include "defender/snapshot.hpp"

namespace defender {

struct FleetOptions {
    std::size_t things = 100;
    double misbehaving = 0;  ///< fraction 0..1; round(things * fraction) things misbehave
    std::uint64_t seed = 1;
    std::string thing_prefix = "sim-";  ///< thing i is <prefix><i>
};

/// What a thing is like, fixed when it is made.
struct ThingProfile {
    std::string name;
    bool misbehaving = false;
    IpAddress address;                     ///< its eth0 address (10.x.y.z)
    std::vector<std::uint16_t> tcp_ports;  ///< listening TCP ports (misbehaving: extra ones)
    std::vector<std::uint16_t> udp_ports;  ///< bound UDP ports
    std::vector<IpAddress> destinations;   ///< the usual remote peers (198.51.100.0/24)
    std::uint64_t bytes_per_report = 0;    ///< mean bytes in and out between two reports
};

/// One simulated thing: its profile and its counters.
class SimulatedThing {
public:
    SimulatedThing(ThingProfile profile, std::uint64_t seed);

    const ThingProfile& profile() const { return profile_; }
    /// The snapshot of its next report: counters grown since the last one (a burst when
    /// misbehaving), its ports, established connections (new destinations when misbehaving).
    Snapshot next_snapshot();
    /// The next report, with deltas against the previous snapshot (the first against the
    /// counters at creation, so every report has network_stats). `report_id` must increase.
    Report next_report(std::uint64_t report_id);

private:
    ThingProfile profile_;
    std::mt19937_64 random_;
    InterfaceCounters counters_;
    Baseline baseline_;
};

/// The whole fleet, made from the options; thing i is `<prefix><i>`.
class SimulatedFleet {
public:
    explicit SimulatedFleet(const FleetOptions& options);

    std::size_t size() const { return things_.size(); }
    SimulatedThing& thing(std::size_t index) { return things_.at(index); }
    const SimulatedThing& thing(std::size_t index) const { return things_.at(index); }
    std::size_t misbehaving_count() const;

private:
    std::vector<SimulatedThing> things_;
};

/// How many of `things` misbehave with fraction `fraction` (rounded to nearest).
std::size_t misbehaving_things(std::size_t things, double fraction);

}  // namespace defender
