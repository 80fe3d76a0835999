// SPDX-License-Identifier: Apache-2.0
// metrics_json: a report's metrics by AWS name, each value in the MetricValue member AWS uses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "defender/detect.hpp"
#include "detect_test_support.hpp"

namespace defender::detect {
namespace {

using nlohmann::json;

TEST(DetectMetricsJson, DeviceSideMetricsByAwsName) {
    Report report = test::traffic(100, 200, 3, 4);
    PortList tcp;
    tcp.ports = {{443, std::nullopt}, {22, std::nullopt}};
    tcp.total = 5;  // sampled: the count is the total
    report.metrics->listening_tcp_ports = tcp;
    PortList udp;
    udp.ports = {{53, std::nullopt}};
    udp.total = 1;
    report.metrics->listening_udp_ports = udp;
    ConnectionList connections;
    connections.connections = {{"10.0.0.1:443", 5000, std::nullopt},
                               {"[2001:db8::1]:80", 5001, std::nullopt},
                               {"10.0.0.1:8443", 5002, std::nullopt}};
    connections.total = 3;
    report.metrics->established_connections = connections;

    const json metrics = json::parse(metrics_json(report));
    EXPECT_EQ(metrics["aws:all-bytes-in"], json({{"count", 100}}));
    EXPECT_EQ(metrics["aws:all-bytes-out"], json({{"count", 200}}));
    EXPECT_EQ(metrics["aws:all-packets-in"], json({{"count", 3}}));
    EXPECT_EQ(metrics["aws:all-packets-out"], json({{"count", 4}}));
    EXPECT_EQ(metrics["aws:num-listening-tcp-ports"], json({{"count", 5}}));
    EXPECT_EQ(metrics["aws:num-listening-udp-ports"], json({{"count", 1}}));
    EXPECT_EQ(metrics["aws:num-established-tcp-connections"], json({{"count", 3}}));
    EXPECT_EQ(metrics["aws:listening-tcp-ports"], json::parse(R"({"ports": [443, 22]})"));
    EXPECT_EQ(metrics["aws:listening-udp-ports"], json::parse(R"({"ports": [53]})"));
    EXPECT_EQ(metrics["aws:destination-ip-addresses"],
              json::parse(R"({"cidrs": ["10.0.0.1", "2001:db8::1"]})"));
    EXPECT_EQ(metrics.size(), 10u);
}

TEST(DetectMetricsJson, MissingMetricsAreLeftOut) {
    EXPECT_EQ(metrics_json(Report{}), "{}");
    const json metrics = json::parse(metrics_json(test::tcp_ports({8080})));
    EXPECT_EQ(metrics, json::parse(
                           R"({"aws:num-listening-tcp-ports": {"count": 1},
                               "aws:listening-tcp-ports": {"ports": [8080]}})"));
}

TEST(DetectMetricsJson, CustomMetricsByTheirNames) {
    Report report;
    report.custom_metrics = {{"cpu_usage", NumberValue{std::int64_t{42}}},
                             {"temperatures", NumberListValue{{1.5, std::int64_t{2}}}},
                             {"users", StringListValue{{"root", "pi"}}},
                             {"peers", IpListValue{{"192.0.2.7", "2001:db8::7"}}}};
    const json metrics = json::parse(metrics_json(report));
    EXPECT_EQ(metrics, json::parse(R"({"cpu_usage": {"number": 42.0},
                                       "temperatures": {"numbers": [1.5, 2.0]},
                                       "users": {"strings": ["root", "pi"]},
                                       "peers": {"cidrs": ["192.0.2.7", "2001:db8::7"]}})"));
}

TEST(DetectMetricsJson, ExactBytesWithEscapesAndRepeatedNames) {
    Report report = test::traffic(1, 2, 3, 4);
    report.custom_metrics = {{"aws:all-bytes-in", NumberValue{std::int64_t{7}}},
                             {"q\"u\u00e9", StringListValue{{"tab\t", "bad \xff"}}},
                             {"q\"u\u00e9", NumberValue{std::int64_t{1}}},
                             {"ratio", NumberValue{0.25}}};
    EXPECT_EQ(metrics_json(report),
              R"({"aws:all-bytes-in":{"count":1},"aws:all-bytes-out":{"count":2},)"
              R"("aws:all-packets-in":{"count":3},"aws:all-packets-out":{"count":4},)"
              "\"q\\\"u\u00e9\":{\"strings\":[\"tab\\t\",\"bad \xef\xbf\xbd\"]},"
              R"("ratio":{"number":0.25}})");
}

}  // namespace
}  // namespace defender::detect
