// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <random>

#include "defender/report_builder.hpp"

namespace defender {
namespace {

IpAddress ip(const char* text) {
    return IpAddress::parse(text).value();
}

Snapshot sample_snapshot() {
    Snapshot snapshot;
    snapshot.addresses = {{"eth0", ip("192.0.2.5")},
                          {"eth0", ip("2001:db8::5")},
                          {"br-lan", ip("10.0.0.1")},
                          {"lo", ip("127.0.0.1")},
                          {"lo", ip("::1")}};
    snapshot.tcp_listeners = {
        {ip("0.0.0.0"), 22},          // wildcard v4
        {ip("::"), 22},               // wildcard v6: same entry as above
        {ip("10.0.0.1"), 53},         // bound
        {ip("::ffff:10.0.0.1"), 53},  // same, through a dual-stack socket
        {ip("192.0.2.77"), 8080},     // address of no interface
        {ip("127.0.0.1"), 631},
    };
    snapshot.udp_listeners = {{ip("0.0.0.0"), 5353}, {ip("::1"), 323}};
    snapshot.tcp_established = {
        {ip("192.0.2.5"), 22, ip("198.51.100.7"), 51000},
        {ip("2001:db8::5"), 443, ip("2001:db8:0:0:1:0:0:1"), 40001},
        {ip("::ffff:192.0.2.5"), 443, ip("::ffff:203.0.113.9"), 40002},
    };
    snapshot.interfaces = {{"eth0", 1000, 10, 2000, 20, false}, {"lo", 500, 5, 500, 5, true}};
    snapshot.cpu = CpuTimes{250, 1000};
    return snapshot;
}

TEST(BuildReport, ListenersDedupedWithInterfaceNamesAndNoneForWildcards) {
    std::mt19937_64 random{1};
    const Report report = build_report(sample_snapshot(), nullptr, 42, {}, random);
    EXPECT_EQ(report.report_id, 42u);
    EXPECT_EQ(report.version, "1.0");
    ASSERT_TRUE(report.metrics.has_value());
    const PortList expected_tcp{
        {{22, std::nullopt}, {53, "br-lan"}, {631, "lo"}, {8080, std::nullopt}}, 4};
    EXPECT_EQ(report.metrics->listening_tcp_ports, expected_tcp);
    const PortList expected_udp{{{323, "lo"}, {5353, std::nullopt}}, 2};
    EXPECT_EQ(report.metrics->listening_udp_ports, expected_udp);
}

TEST(BuildReport, ConnectionsUseBracketedCompressedV6AndPlainV4ForMapped) {
    std::mt19937_64 random{1};
    const Report report = build_report(sample_snapshot(), nullptr, 1, {}, random);
    const auto& list = report.metrics->established_connections.value();
    EXPECT_EQ(list.total, 3u);
    const std::vector<ConnectionEntry> expected{
        {"198.51.100.7:51000", 22, "eth0"},
        {"203.0.113.9:40002", 443, "eth0"},
        {"[2001:db8::1:0:0:1]:40001", 443, "eth0"},
    };
    auto connections = list.connections;
    std::sort(connections.begin(), connections.end());
    auto sorted_expected = expected;
    std::sort(sorted_expected.begin(), sorted_expected.end());
    EXPECT_EQ(connections, sorted_expected);
}

TEST(BuildReport, ConnectionsDifferingOnlyInLocalAddressAreOnePerInterface) {
    Snapshot snapshot;
    snapshot.addresses = {{"eth0", ip("192.0.2.5")},
                          {"eth0", ip("192.0.2.6")},
                          {"br-lan", ip("10.0.0.1")},
                          {"wlan0", ip("10.1.0.1")}};
    const IpAddress remote = ip("198.51.100.7");
    snapshot.tcp_established = {
        {ip("10.1.0.1"), 22, remote, 51000},    // wlan0
        {ip("192.0.2.6"), 22, remote, 51000},   // eth0
        {ip("10.0.0.1"), 22, remote, 51000},    // br-lan
        {ip("192.0.2.5"), 22, remote, 51000},   // eth0 again: the same entry
        {ip("192.0.2.77"), 22, remote, 51000},  // no interface
        {ip("192.0.2.78"), 22, remote, 51000},  // no interface again: the same entry
        {ip("192.0.2.5"), 22, remote, 51001},   // another remote port
        {ip("192.0.2.5"), 22, remote, 51000},   // an exact duplicate
    };
    std::mt19937_64 random{1};
    const Report report = build_report(snapshot, nullptr, 1, {}, random);
    const auto& list = report.metrics->established_connections.value();
    EXPECT_EQ(list.total, 5u);
    auto connections = list.connections;
    std::sort(connections.begin(), connections.end());
    std::vector<ConnectionEntry> expected{
        {"198.51.100.7:51000", 22, std::nullopt}, {"198.51.100.7:51000", 22, "eth0"},
        {"198.51.100.7:51000", 22, "br-lan"},     {"198.51.100.7:51000", 22, "wlan0"},
        {"198.51.100.7:51001", 22, "eth0"},
    };
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(connections, expected);
}

TEST(BuildReport, FirstReportHasNoNetworkStatsAndCpuSinceBoot) {
    std::mt19937_64 random{1};
    const Report report = build_report(sample_snapshot(), nullptr, 1, {false, true}, random);
    EXPECT_FALSE(report.metrics->network_stats.has_value());
    ASSERT_EQ(report.custom_metrics.size(), 1u);
    EXPECT_EQ(report.custom_metrics[0].name, "cpu_usage");
    EXPECT_EQ(report.custom_metrics[0].value, CustomValue{NumberValue{25.0}});
}

TEST(BuildReport, NoCpuMetricUnlessAsked) {
    std::mt19937_64 random{1};
    EXPECT_TRUE(build_report(sample_snapshot(), nullptr, 1, {}, random).custom_metrics.empty());
}

TEST(BuildReport, DeltasOfThePythonSampleTests100To125To150) {
    std::mt19937_64 random{1};
    Snapshot first = sample_snapshot();
    first.interfaces = {{"eth0", 100, 100, 100, 100, false}};
    Snapshot second = first;
    second.interfaces = {{"eth0", 125, 125, 125, 125, false}};
    Snapshot third = first;
    third.interfaces = {{"eth0", 150, 150, 150, 150, false}};
    const Baseline after_first = baseline_of(first);
    const Report r2 = build_report(second, &after_first, 2, {}, random);
    EXPECT_EQ(r2.metrics->network_stats, (NetworkStats{25, 25, 25, 25}));
    const Baseline after_second = baseline_of(second);
    const Report r3 = build_report(third, &after_second, 3, {}, random);
    EXPECT_EQ(r3.metrics->network_stats, (NetworkStats{25, 25, 25, 25}));
}

TEST(NetworkDelta, LoopbackExcludedUnlessAskedCounterResetCountsFromZeroNewInterfaceInFull) {
    const std::vector<InterfaceCounters> before{{"eth0", 1000, 10, 5000, 50, false},
                                                {"lo", 100, 1, 100, 1, true},
                                                {"wlan0", 7, 7, 7, 7, false}};
    const std::vector<InterfaceCounters> after{{"eth0", 300, 3, 6000, 60, false},  // reset
                                               {"lo", 200, 2, 200, 2, true},
                                               {"eth0.100", 40, 4, 50, 5, false}};  // new
    EXPECT_EQ(network_delta(before, after, false), (NetworkStats{340, 1050, 7, 15}));
    EXPECT_EQ(network_delta(before, after, true), (NetworkStats{440, 1150, 8, 16}));
}

TEST(NetworkDelta, SixtyFourBitCounters) {
    const std::uint64_t big = 29358693495ull;  // the docs' own example is above 2^32
    EXPECT_EQ(network_delta({{"eth0", big, 1, big, 1, false}},
                            {{"eth0", big * 2, 2, big * 3, 3, false}}, false),
              (NetworkStats{big, 2 * big, 1, 2}));
}

TEST(CpuUsage, BetweenReadingsAndSinceBootAndAfterReset) {
    EXPECT_EQ(cpu_usage_percent(CpuTimes{100, 1000}, CpuTimes{400, 2000}), 30.0);
    EXPECT_EQ(cpu_usage_percent(std::nullopt, CpuTimes{1, 3}), 33.33);
    EXPECT_EQ(cpu_usage_percent(CpuTimes{100, 1000}, CpuTimes{100, 1000}), std::nullopt);
    EXPECT_EQ(cpu_usage_percent(CpuTimes{5000, 9000}, CpuTimes{10, 100}), 10.0);
}

TEST(BuildReport, SamplingKeepsTheTrueTotalAndIsUniform) {
    Snapshot snapshot;
    for (std::uint16_t port = 1; port <= 200; ++port)
        snapshot.tcp_listeners.push_back({ip("0.0.0.0"), port});
    BuildOptions options;
    options.max_list_size = 10;
    std::mt19937_64 random{7};
    std::vector<int> seen(201, 0);
    for (int round = 0; round < 2000; ++round) {
        const Report report = build_report(snapshot, nullptr, 1, options, random);
        const auto& list = *report.metrics->listening_tcp_ports;
        ASSERT_EQ(list.total, 200u);
        ASSERT_EQ(list.ports.size(), 10u);
        ASSERT_TRUE(std::is_sorted(list.ports.begin(), list.ports.end()));
        for (const auto& entry : list.ports)
            ++seen[entry.port];
    }
    // Each port is expected 2000 * 10 / 200 = 100 times; a biased sampler (e.g. always the
    // first ones) lands far outside this band.
    for (int port = 1; port <= 200; ++port) {
        EXPECT_GT(seen[port], 50) << port;
        EXPECT_LT(seen[port], 160) << port;
    }
}

TEST(BuildReport, NoLimitKeepsEverything) {
    Snapshot snapshot;
    for (std::uint16_t port = 1; port <= 300; ++port)
        snapshot.udp_listeners.push_back({ip("::"), port});
    BuildOptions options;
    options.max_list_size = 0;
    std::mt19937_64 random{7};
    const Report report = build_report(snapshot, nullptr, 1, options, random);
    EXPECT_EQ(report.metrics->listening_udp_ports->ports.size(), 300u);
}

}  // namespace
}  // namespace defender
