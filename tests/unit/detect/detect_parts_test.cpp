// SPDX-License-Identifier: Apache-2.0
// The evaluator's parts: CIDRs, target globs, percentiles, windows, violation ids, the
// consecutive-datapoint counter.
#include <gtest/gtest.h>

#include "detect/alarm_step.hpp"
#include "detect/cidr.hpp"
#include "detect/statistics.hpp"
#include "detect/targets.hpp"
#include "detect/violation_id.hpp"
#include "detect/window.hpp"

namespace defender::detect {
namespace {

bool in(std::string_view block, std::string_view address) {
    const auto cidr = parse_cidr(block);
    const auto ip = IpAddress::parse(address);
    EXPECT_TRUE(cidr && ip) << block << " " << address;
    return cidr && ip && contains(*cidr, *ip);
}

TEST(DetectParts, CidrsOfBothFamilies) {
    EXPECT_TRUE(in("12.8.0.0/16", "12.8.255.1"));
    EXPECT_FALSE(in("12.8.0.0/16", "12.9.0.1"));
    EXPECT_TRUE(in("12.8.1.2/16", "12.8.0.0"));  // host bits of the block are ignored
    EXPECT_TRUE(in("0.0.0.0/0", "203.0.113.9"));
    EXPECT_TRUE(in("192.0.2.7", "192.0.2.7"));  // a bare address is a host
    EXPECT_FALSE(in("192.0.2.7", "192.0.2.8"));
    EXPECT_TRUE(in("2001:db8::/32", "2001:db8:1::5"));
    EXPECT_FALSE(in("2001:db8::/32", "2001:db9::5"));
    EXPECT_TRUE(in("2001:db8::/127", "2001:db8::1"));
    EXPECT_FALSE(in("2001:db8::/128", "2001:db8::1"));
    EXPECT_TRUE(in("::/0", "fe80::1"));
    EXPECT_FALSE(in("::/0", "10.0.0.1"));              // families never mix
    EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.2.3"));  // v4-mapped counts as IPv4
    EXPECT_TRUE(in("::ffff:10.0.0.0/104", "10.1.2.3"));
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "2001:db8::/129", "x/8",
                            "10.0.0.0/8/8", "10.0.0.0/-1", "", "/8"}) {
        EXPECT_FALSE(parse_cidr(bad)) << bad;
    }
}

TEST(DetectParts, RemoteAddressesOfReports) {
    EXPECT_EQ(remote_address("203.0.113.9:443")->to_string(), "203.0.113.9");
    EXPECT_EQ(remote_address("[2001:db8::1]:443")->to_string(), "2001:db8::1");
    EXPECT_FALSE(remote_address("[2001:db8::1:443"));
    EXPECT_FALSE(remote_address("nonsense"));
}

TEST(DetectParts, TargetGlobs) {
    EXPECT_TRUE(glob_match("camera-*", "camera-12"));
    EXPECT_TRUE(glob_match("camera-*", "camera-"));
    EXPECT_FALSE(glob_match("camera-*", "gateway-1"));
    EXPECT_TRUE(glob_match("*-eu-*", "cam-eu-1"));
    EXPECT_FALSE(glob_match("*-eu-*", "cam-us-1"));
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
    EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
    EXPECT_TRUE(glob_match("exact", "exact"));
    EXPECT_FALSE(glob_match("exact", "exact1"));
    EXPECT_TRUE(applies_to({}, "anything"));
    EXPECT_TRUE(applies_to({"x", "y*"}, "yes"));
    EXPECT_FALSE(applies_to({"x", "y*"}, "no"));
}

TEST(DetectParts, StatisticsAreTheElevenOfTheApi) {
    EXPECT_EQ(parse_statistic("p0"), 0.0);
    EXPECT_EQ(parse_statistic("p0.01"), 0.01);
    EXPECT_EQ(parse_statistic("p99.99"), 99.99);
    EXPECT_EQ(parse_statistic("p100"), 100.0);
    EXPECT_FALSE(parse_statistic("p95"));
    EXPECT_FALSE(parse_statistic("P50"));
}

TEST(DetectParts, NearestRankPercentiles) {
    std::vector<double> ten = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    EXPECT_EQ(percentile_of(ten, 0), 1);
    EXPECT_EQ(percentile_of(ten, 10), 1);
    EXPECT_EQ(percentile_of(ten, 50), 5);
    EXPECT_EQ(percentile_of(ten, 90), 9);
    EXPECT_EQ(percentile_of(ten, 99), 10);
    EXPECT_EQ(percentile_of(ten, 100), 10);
    std::vector<double> one = {5};
    EXPECT_FALSE(percentile_of(one, 50));  // a population of one gives no datapoint
    std::vector<double> negative = {5, -1, 3};
    EXPECT_FALSE(percentile_of(negative, 50));  // AWS computes no percentile then
}

TEST(DetectParts, WindowsAlignToTheirLength) {
    EXPECT_EQ(window_start(1'700'000'123'456, 300'000), 1'700'000'100'000);
    EXPECT_EQ(window_start(1'700'000'100'000, 300'000), 1'700'000'100'000);
    EXPECT_EQ(window_start(-1, 300'000), -300'000);
    EXPECT_EQ(scaled_millis(300, 1.0), 300'000);
    EXPECT_EQ(scaled_millis(300, 0.01), 3'000);
    EXPECT_EQ(scaled_millis(kInvalidationSeconds, 0.001), 172'800);
    EXPECT_EQ(scaled_millis(1, 1e-9), 1);
}

TEST(DetectParts, ViolationIdsAreUniquePerAlarm) {
    const auto a = make_violation_id("t", "p", "b", 1, 1000);
    EXPECT_NE(a, make_violation_id("t", "p", "b", 2, 1000));
    EXPECT_NE(a, make_violation_id("t", "p", "b", 1, 2000));
    EXPECT_NE(make_violation_id("ab", "c", "b", 1, 0), make_violation_id("a", "bc", "b", 1, 0));
    const auto text = format_violation_id(a.first, a.second);
    EXPECT_EQ(text.size(), 32u);
    EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(DetectParts, ConsecutiveDatapointsToAlarmAndToClear) {
    BehaviorState state;
    // Three to alarm, two to clear.
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, true, false, 3, 2), Transition::none);  // the run breaks
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::raise);
    state.alarm.emplace();
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);  // stays on
    EXPECT_EQ(count_datapoint(state, true, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, false, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, true, false, 3, 2), Transition::none);
    EXPECT_EQ(count_datapoint(state, true, false, 3, 2), Transition::clear);
    // An empty list clears at once.
    EXPECT_EQ(count_datapoint(state, true, true, 3, 10), Transition::clear);
    for (int i = 0; i < 300; ++i)
        (void)count_datapoint(state, true, false, 1, 1);
    EXPECT_EQ(state.conforming_run, 255);  // capped, never wraps
}

}  // namespace
}  // namespace defender::detect
