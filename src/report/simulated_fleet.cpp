// SPDX-License-Identifier: Apache-2.0
#include "report/simulated_fleet.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace defender {
namespace {

// SplitMix64: a seed per thing from the fleet's seed, the same on every platform.
std::uint64_t mix(std::uint64_t value) {
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

// A number in [low, high], the same on every standard library (distributions are not).
std::uint64_t pick(std::mt19937_64& random, std::uint64_t low, std::uint64_t high) {
    return low + random() % (high - low + 1);
}

constexpr std::uint16_t kUsualTcpPorts[] = {22, 80, 443, 1883, 8080, 8443};
constexpr std::uint16_t kUsualUdpPorts[] = {53, 68, 123, 5353};
/// Ports a compromised device opens: telnet, backdoors, IRC, adb.
constexpr std::uint16_t kSuspiciousPorts[] = {23, 2323, 4444, 5555, 6667, 31337};

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return IpAddress::v4((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) |
                         (std::uint32_t{c} << 8) | d);
}

template <std::size_t N>
std::vector<std::uint16_t> some_of(const std::uint16_t (&ports)[N], std::size_t count,
                                   std::mt19937_64& random) {
    std::vector<std::uint16_t> chosen(std::begin(ports), std::end(ports));
    for (std::size_t i = 0; i + 1 < chosen.size(); ++i)
        std::swap(chosen[i], chosen[pick(random, i, chosen.size() - 1)]);
    chosen.resize(std::min(count, chosen.size()));
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

ThingProfile make_profile(std::string name, bool misbehaving, std::mt19937_64& random) {
    ThingProfile profile;
    profile.name = std::move(name);
    profile.misbehaving = misbehaving;
    profile.address = v4(10, static_cast<std::uint8_t>(pick(random, 0, 255)),
                         static_cast<std::uint8_t>(pick(random, 0, 255)),
                         static_cast<std::uint8_t>(pick(random, 1, 254)));
    profile.tcp_ports = some_of(kUsualTcpPorts, pick(random, 1, 3), random);
    if (misbehaving) {
        for (auto port : some_of(kSuspiciousPorts, pick(random, 1, 2), random))
            profile.tcp_ports.push_back(port);
    }
    profile.udp_ports = some_of(kUsualUdpPorts, pick(random, 0, 2), random);
    for (std::uint64_t i = pick(random, 1, 3); i > 0; --i)
        profile.destinations.push_back(
            v4(198, 51, 100, static_cast<std::uint8_t>(pick(random, 1, 254))));
    profile.bytes_per_report = pick(random, 20'000, 200'000);
    return profile;
}

}  // namespace

std::size_t misbehaving_things(std::size_t things, double fraction) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    return static_cast<std::size_t>(std::llround(static_cast<double>(things) * fraction));
}

SimulatedThing::SimulatedThing(ThingProfile profile, std::uint64_t seed)
    : profile_(std::move(profile)), random_(seed) {
    counters_.name = "eth0";
    counters_.bytes_in = pick(random_, 1'000'000, 50'000'000);
    counters_.bytes_out = pick(random_, 1'000'000, 50'000'000);
    counters_.packets_in = counters_.bytes_in / 600;
    counters_.packets_out = counters_.bytes_out / 600;
    baseline_.interfaces = {counters_};
}

Snapshot SimulatedThing::next_snapshot() {
    const std::uint64_t mean = profile_.bytes_per_report;
    std::uint64_t in = pick(random_, mean * 8 / 10, mean * 12 / 10);
    std::uint64_t out = pick(random_, mean * 4 / 10, mean * 6 / 10);
    if (profile_.misbehaving) {  // exfiltration or a flood: 20 to 100 times as much out
        out *= pick(random_, 20, 100);
        in *= pick(random_, 2, 5);
    }
    counters_.bytes_in += in;
    counters_.bytes_out += out;
    counters_.packets_in += in / pick(random_, 400, 1400) + 1;
    counters_.packets_out += out / pick(random_, 400, 1400) + 1;

    Snapshot snapshot;
    snapshot.interfaces = {counters_, {"lo", 0, 0, 0, 0, true}};
    snapshot.addresses = {{"eth0", profile_.address}, {"lo", v4(127, 0, 0, 1)}};
    for (auto port : profile_.tcp_ports)
        snapshot.tcp_listeners.push_back({IpAddress::v4(0), port});
    for (auto port : profile_.udp_ports)
        snapshot.udp_listeners.push_back({IpAddress::v4(0), port});
    const auto connect = [&](const IpAddress& remote, std::uint16_t remote_port) {
        snapshot.tcp_established.push_back({profile_.address,
                                            static_cast<std::uint16_t>(pick(random_, 32768, 60999)),
                                            remote, remote_port});
    };
    for (const auto& destination : profile_.destinations)
        connect(destination, 8883);
    if (profile_.misbehaving) {  // peers it never talked to: 203.0.113.0/24, random each time
        for (std::uint64_t i = pick(random_, 1, 3); i > 0; --i)
            connect(v4(203, 0, 113, static_cast<std::uint8_t>(pick(random_, 1, 254))),
                    static_cast<std::uint16_t>(pick(random_, 1024, 65535)));
    }
    return snapshot;
}

Report SimulatedThing::next_report(std::uint64_t report_id) {
    const Snapshot snapshot = next_snapshot();
    Report report = build_report(snapshot, &baseline_, report_id, BuildOptions{}, random_);
    baseline_ = baseline_of(snapshot);
    return report;
}

SimulatedFleet::SimulatedFleet(const FleetOptions& options) {
    std::mt19937_64 random(mix(options.seed));
    // Exactly round(things * fraction) misbehave, chosen by a shuffle of the seed.
    std::vector<std::size_t> order(options.things);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = 0; i + 1 < order.size(); ++i)
        std::swap(order[i], order[pick(random, i, order.size() - 1)]);
    std::vector<bool> misbehaving(options.things, false);
    const std::size_t bad = misbehaving_things(options.things, options.misbehaving);
    for (std::size_t i = 0; i < bad; ++i)
        misbehaving[order[i]] = true;
    things_.reserve(options.things);
    for (std::size_t i = 0; i < options.things; ++i) {
        std::mt19937_64 thing_random(mix(options.seed ^ mix(i + 1)));
        auto profile =
            make_profile(options.thing_prefix + std::to_string(i), misbehaving[i], thing_random);
        things_.emplace_back(std::move(profile), thing_random());
    }
}

std::size_t SimulatedFleet::misbehaving_count() const {
    return static_cast<std::size_t>(
        std::count_if(things_.begin(), things_.end(),
                      [](const SimulatedThing& thing) { return thing.profile().misbehaving; }));
}

}  // namespace defender
