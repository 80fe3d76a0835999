// SPDX-License-Identifier: Apache-2.0
// defender-prometheus-sample: prints the console's /metrics text for a fleet recorded in a
// throw-away SQLite store (through record(), fleet() and latest_datapoints(), as the console
// reads it), for `promtool check metrics` (tests/console/promtool_test.sh, test
// console.promtool). `realistic`: 50 things with every device metric and custom metrics of
// each type; `hostile`: thing and metric names with quotes, backslashes, newlines and markup.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "view/prometheus_text.hpp"

namespace {

using namespace defender;
using namespace defender::detect;

Report sample_report(int i, const std::string& custom_name) {
    Report report;
    report.metrics.emplace();
    PortList tcp;
    for (std::uint16_t port : {22, 80, 443})
        tcp.ports.push_back({port, std::string("eth0")});
    tcp.total = tcp.ports.size();
    report.metrics->listening_tcp_ports = tcp;
    PortList udp;
    udp.ports.push_back({53, std::nullopt});
    udp.total = 1;
    report.metrics->listening_udp_ports = udp;
    ConnectionList connections;
    connections.connections.push_back(
        {"10.0.0." + std::to_string(i % 250 + 1) + ":443", 50000, std::string("eth0")});
    connections.total = 1;
    report.metrics->established_connections = connections;
    report.metrics->network_stats = NetworkStats{1000u + static_cast<unsigned>(i), 2000, 10, 20};
    report.custom_metrics.push_back({custom_name, NumberValue{21.5 + i}});
    report.custom_metrics.push_back({"load", NumberListValue{{1, 2.5}}});
    report.custom_metrics.push_back({"users", StringListValue{{"root"}}});
    report.custom_metrics.push_back({"peers", IpListValue{{"10.0.0.1"}}});
    return report;
}

int fail(const std::string& what) {
    std::cerr << "defender-prometheus-sample: " << what << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view mode = argc > 1 ? argv[1] : "";
    if (mode != "realistic" && mode != "hostile") {
        std::cerr << "usage: defender-prometheus-sample realistic|hostile\n";
        return 2;
    }
    std::string dir = (std::filesystem::temp_directory_path() / "defender-prom-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return fail("mkdtemp failed");
    int rc = 0;
    {
        auto store = open_sqlite_store(std::filesystem::path(dir) / "detect.db");
        if (!store) return fail(store.error().message);
        std::vector<std::string> names;
        if (mode == "realistic") {
            for (int i = 0; i < 50; ++i)
                names.push_back("gateway-" + std::to_string(i));
        } else {
            names = {"a\"b\\c\nd",
                     "<script>alert(1)</script>",
                     "} 1\n# TYPE x counter",
                     "'; DROP TABLE thing_summary; --",
                     "tab\there",
                     "\xc3\xa9t\xc3\xa9",
                     "\\",
                     "\"",
                     "not-utf8-\xff\xc0\xaf"};
        }
        Evaluation evaluation;
        const Time now = Time(std::chrono::milliseconds(1'700'000'100'250));
        for (std::size_t i = 0; i < names.size(); ++i) {
            const std::string custom = mode == "hostile" ? names[i] : "temperature";
            evaluation.datapoints.push_back(
                {names[i], now, metrics_json(sample_report(static_cast<int>(i), custom))});
            ReportTally tally;
            tally.thing_name = names[i];
            tally.format = i % 2 ? "cbor" : "json";
            tally.accepted = 1 + i;
            tally.rejected = i % 3;
            tally.last_received = now;
            evaluation.tallies.push_back(tally);
        }
        // One thing that only ever sent rejects: listed, without gauges.
        evaluation.tallies.push_back({"rejects-only", "json", 0, 4, now});
        if (auto recorded = (*store)->record(evaluation); !recorded)
            return fail(recorded.error().message);
        FleetQuery all;
        all.limit = static_cast<std::size_t>(-1);
        auto page = (*store)->fleet(all);
        if (!page) return fail(page.error().message);
        auto latest = (*store)->latest_datapoints();
        if (!latest) return fail(latest.error().message);
        DetectCounters counters;
        counters.received = 120;
        counters.evaluated = 100;
        counters.duplicates = 3;
        counters.malformed = 10;
        counters.invalid = 7;
        counters.events = 12;
        counters.evaluation_seconds = 0.0421;
        std::cout << view::prometheus_text(page->things, *latest, counters);
        if (!std::cout) rc = 1;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return rc;
}
