// SPDX-License-Identifier: Apache-2.0
// `collect --format table` (src/view/table.hpp): the table of a snapshot shows exactly the
// ports, connections and traffic of the JSON report of the same snapshot; columns align;
// color only when asked; peer-controlled text is printed sanitized.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "defender/encode.hpp"
#include "defender/report_builder.hpp"
#include "view/table.hpp"

namespace defender::view {
namespace {

IpAddress ip(const char* text) {
    return IpAddress::parse(text).value();
}

// Two samples of a gateway: wildcard and bound listeners, v4 and v6 peers, two connections to
// one remote address, a long interface name.
Snapshot first_snapshot() {
    Snapshot snapshot;
    snapshot.addresses = {{"eth0", ip("192.0.2.5")},
                          {"eth0", ip("2001:db8::5")},
                          {"br-lan", ip("10.0.0.1")},
                          {"wwan-modem-long0", ip("100.64.1.2")},
                          {"lo", ip("127.0.0.1")}};
    snapshot.tcp_listeners = {{ip("0.0.0.0"), 22},
                              {ip("::"), 22},
                              {ip("10.0.0.1"), 53},
                              {ip("100.64.1.2"), 8443},
                              {ip("2001:db8::5"), 443}};
    snapshot.udp_listeners = {{ip("0.0.0.0"), 5353}, {ip("10.0.0.1"), 53}};
    snapshot.tcp_established = {
        {ip("192.0.2.5"), 22, ip("198.51.100.7"), 51000},
        {ip("192.0.2.5"), 22, ip("198.51.100.7"), 51002},
        {ip("2001:db8::5"), 443, ip("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"), 40001},
        {ip("100.64.1.2"), 40100, ip("203.0.113.9"), 8883},
    };
    snapshot.interfaces = {{"eth0", 1000, 10, 2000, 20, false},
                           {"wwan-modem-long0", 0, 0, 0, 0, false}};
    return snapshot;
}

Snapshot second_snapshot() {
    Snapshot snapshot = first_snapshot();
    snapshot.interfaces = {{"eth0", 5000, 50, 3000, 30, false},
                           {"wwan-modem-long0", 1200, 3, 600, 2, false}};
    return snapshot;
}

Report second_report() {
    std::mt19937_64 random{7};
    const Baseline baseline = baseline_of(first_snapshot());
    return build_report(second_snapshot(), &baseline, 2, {}, random);
}

using Row = std::map<std::string, std::string>;

// The rows of the section whose title starts with `title`: cells cut at the columns of the
// header line, which every row must respect (a cell starts at its column, after a space).
std::vector<Row> section(const std::string& table, const std::string& title) {
    std::vector<std::string> lines;
    std::istringstream in(table);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::size_t at = 0;
    while (at < lines.size() && !lines[at].starts_with(title))
        ++at;
    EXPECT_LT(at + 1, lines.size()) << "no section " << title << " in\n" << table;
    if (at + 1 >= lines.size()) return {};
    const std::string& header = lines[at + 1];
    std::vector<std::pair<std::string, std::size_t>> columns;
    for (std::size_t i = 0; i < header.size();) {
        const std::size_t end = header.find("  ", i);
        const std::string name = header.substr(i, end == std::string::npos ? end : end - i);
        columns.emplace_back(name, i);
        if (end == std::string::npos) break;
        i = header.find_first_not_of(' ', end);
    }
    std::vector<Row> rows;
    for (std::size_t r = at + 2; r < lines.size() && !lines[r].empty(); ++r) {
        const std::string& line = lines[r];
        Row row;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::size_t start = columns[c].second;
            const std::size_t stop =
                c + 1 < columns.size() ? columns[c + 1].second : std::string::npos;
            if (start >= line.size()) {
                row[columns[c].first] = "";
                continue;
            }
            if (start > 0) {
                EXPECT_EQ(line[start - 1], ' ') << "misaligned: " << line;
            }
            std::string cell = line.substr(start, stop == std::string::npos ? stop : stop - start);
            while (!cell.empty() && cell.back() == ' ')
                cell.pop_back();
            EXPECT_EQ(cell.find("  "), std::string::npos) << "misaligned: " << line;
            row[columns[c].first] = cell;
        }
        rows.push_back(row);
    }
    return rows;
}

TEST(TableView, ShowsExactlyThePortsConnectionsAndTrafficOfTheJsonReport) {
    const Report report = second_report();
    const auto json = nlohmann::json::parse(encode(report, {Format::json, KeyStyle::long_names}));
    const std::string table = render_table(report, {});
    const auto& metrics = json.at("metrics");

    // Listening ports: (protocol, port, interface or "*").
    std::multiset<std::tuple<std::string, std::string, std::string>> json_ports, table_ports;
    for (const auto& [protocol, key] :
         {std::pair{"tcp", "listening_tcp_ports"}, std::pair{"udp", "listening_udp_ports"}}) {
        for (const auto& entry : metrics.at(key).at("ports"))
            json_ports.emplace(protocol, std::to_string(entry.at("port").get<int>()),
                               entry.value("interface", "*"));
    }
    for (const Row& row : section(table, "Listening ports"))
        table_ports.emplace(row.at("PROTO"), row.at("PORT"), row.at("INTERFACE"));
    EXPECT_EQ(table_ports, json_ports) << table;
    EXPECT_EQ(json_ports.size(), 6u);  // 22 once (v4 and v6 wildcards), 53 bound, ...

    // Connections: (remote address, local port, interface); the table writes a remote address
    // once, on the first row of its group.
    std::multiset<std::tuple<std::string, std::string, std::string>> json_connections,
        table_connections;
    for (const auto& entry :
         metrics.at("tcp_connections").at("established_connections").at("connections")) {
        json_connections.emplace(entry.at("remote_addr").get<std::string>(),
                                 std::to_string(entry.at("local_port").get<int>()),
                                 entry.value("local_interface", "-"));
    }
    std::string group;
    for (const Row& row : section(table, "Established TCP connections")) {
        if (!row.at("REMOTE ADDRESS").empty()) group = row.at("REMOTE ADDRESS");
        const std::string address =
            group.find(':') != std::string::npos ? "[" + group + "]" : group;
        table_connections.emplace(address + ":" + row.at("REMOTE PORT"), row.at("LOCAL PORT"),
                                  row.at("INTERFACE"));
    }
    EXPECT_EQ(table_connections, json_connections) << table;
    EXPECT_EQ(json_connections.size(), 4u);
    EXPECT_NE(table.find("Established TCP connections (4, 3 remote addresses)"), std::string::npos)
        << table;

    // Traffic since the previous sample.
    const auto traffic = section(table, "Traffic since the previous sample");
    ASSERT_EQ(traffic.size(), 2u) << table;
    const auto& stats = metrics.at("network_stats");
    EXPECT_EQ(traffic[0].at("DIRECTION"), "in");
    EXPECT_EQ(traffic[0].at("BYTES"), std::to_string(stats.at("bytes_in").get<std::uint64_t>()));
    EXPECT_EQ(traffic[0].at("PACKETS"),
              std::to_string(stats.at("packets_in").get<std::uint64_t>()));
    EXPECT_EQ(traffic[1].at("DIRECTION"), "out");
    EXPECT_EQ(traffic[1].at("BYTES"), std::to_string(stats.at("bytes_out").get<std::uint64_t>()));
    EXPECT_EQ(traffic[1].at("PACKETS"),
              std::to_string(stats.at("packets_out").get<std::uint64_t>()));
    EXPECT_EQ(traffic[0].at("BYTES"), "5200");  // 4000 on eth0, 1200 on the modem
}

TEST(TableView, GroupsConnectionsByRemoteAddressOnePerRow) {
    const std::string table = render_table(second_report(), {});
    const auto rows = section(table, "Established TCP connections");
    ASSERT_EQ(rows.size(), 4u) << table;
    // 198.51.100.7 has two connections: its address heads the first row only.
    std::size_t first = 0;
    while (first < rows.size() && rows[first].at("REMOTE ADDRESS") != "198.51.100.7")
        ++first;
    ASSERT_LT(first + 1, rows.size()) << table;
    EXPECT_EQ(rows[first].at("REMOTE PORT"), "51000");
    EXPECT_EQ(rows[first + 1].at("REMOTE ADDRESS"), "");
    EXPECT_EQ(rows[first + 1].at("REMOTE PORT"), "51002");
    // IPv6 without brackets, full width: the column grows to it.
    EXPECT_NE(table.find("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1  40001"), std::string::npos) << table;
}

TEST(TableView, RatesPerSecondWhenTheTimeBetweenSamplesIsKnown) {
    const std::string table = render_table(second_report(), {false, 2.0});
    const auto traffic = section(table, "Traffic since the previous sample, 2.0 s");
    ASSERT_EQ(traffic.size(), 2u) << table;
    EXPECT_EQ(traffic[0].at("BYTES/S"), "2600.0");
    EXPECT_EQ(traffic[0].at("PACKETS/S"), "21.5");  // 43 packets in 2 s
    EXPECT_EQ(traffic[1].at("BYTES/S"), "800.0");
}

TEST(TableView, TheFirstSampleHasNoTrafficYet) {
    std::mt19937_64 random{7};
    const std::string table =
        render_table(build_report(first_snapshot(), nullptr, 1, {}, random), {});
    EXPECT_NE(table.find("Traffic\n(needs a previous sample: -n 2 -s 1, or --watch SECONDS)"),
              std::string::npos)
        << table;
}

TEST(TableView, ColumnsAlignInEverySection) {
    Report report = second_report();
    report.custom_metrics = {{"cpu_usage", NumberValue{0.25}},
                             {"a_much_longer_metric_name", NumberListValue{{1, 2.5}}},
                             {"peers", IpListValue{{"10.0.0.1", "2001:db8::1"}}}};
    const std::string table = render_table(report, {});
    // section() checks every row against its header's columns.
    EXPECT_EQ(section(table, "Listening ports").size(), 6u);
    EXPECT_EQ(section(table, "Established TCP connections").size(), 4u);
    const auto custom = section(table, "Custom metrics (3)");
    ASSERT_EQ(custom.size(), 3u) << table;
    EXPECT_EQ(custom[0].at("NAME"), "cpu_usage");
    EXPECT_EQ(custom[0].at("TYPE"), "number");
    EXPECT_EQ(custom[0].at("VALUE"), "0.25");
    EXPECT_EQ(custom[1].at("VALUE"), "1, 2.5");
    EXPECT_EQ(custom[2].at("TYPE"), "ip_list");
    EXPECT_EQ(custom[2].at("VALUE"), "10.0.0.1, 2001:db8::1");
    // No trailing spaces.
    EXPECT_EQ(table.find(" \n"), std::string::npos) << table;
}

TEST(TableView, ColorOnlyWhenAskedAndTheSameTextOtherwise) {
    const Report report = second_report();
    const std::string plain = render_table(report, {false, 1.0});
    const std::string colored = render_table(report, {true, 1.0});
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    EXPECT_NE(colored.find("\x1b[1m"), std::string::npos);
    // Without its SGR sequences, the colored table is the plain one.
    std::string stripped;
    for (std::size_t i = 0; i < colored.size(); ++i) {
        if (colored[i] == '\x1b') {
            i = colored.find('m', i);
            continue;
        }
        stripped += colored[i];
    }
    EXPECT_EQ(stripped, plain);
}

TEST(TableView, UseColorFollowsTheTerminalTheOptionAndNoColor) {
    EXPECT_TRUE(use_color(true, false, nullptr));
    EXPECT_TRUE(use_color(true, false, ""));  // no-color.org: set but empty does not count
    EXPECT_FALSE(use_color(true, false, "1"));
    EXPECT_FALSE(use_color(true, false, "0"));  // any non-empty value
    EXPECT_FALSE(use_color(true, true, nullptr));
    EXPECT_FALSE(use_color(false, false, nullptr));  // piped or a file
}

TEST(TableView, PeerTextIsPrintedSanitized) {
    Report report = second_report();
    const std::string hostile =
        "x\x1b[2J\x1b]0;owned\x07y\r\nACCEPTED\t\xc2\x9b"
        "31m\xe2\x80\xae"
        "txt.exe\xff\xfe";
    report.custom_metrics = {{"name\x1b[31m", StringListValue{{hostile, "ok"}}},
                             {"long", StringListValue{{std::string(1000, 'a')}}}};
    report.metrics->listening_tcp_ports->ports.push_back({9, "if\x1b[1mname"});
    report.metrics->listening_tcp_ports->total += 1;
    const std::string table = render_table(report, {});
    for (const char* forbidden : {"\x1b", "\x07", "\r", "\xc2\x9b", "\xe2\x80\xae", "\xff"})
        EXPECT_EQ(table.find(forbidden), std::string::npos) << table;
    EXPECT_NE(table.find("x\\x1b[2J\\x1b]0;owned\\x07y\\r\\nACCEPTED\\t\\u{009b}31m\\u{202e}"
                         "txt.exe\\xff\\xfe, ok"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("if\\x1b[1mname"), std::string::npos) << table;
    EXPECT_NE(table.find("name\\x1b[31m"), std::string::npos) << table;
    // A long value is cut, and says how much.
    EXPECT_NE(table.find("…(936 more bytes)"), std::string::npos) << table;
    // Still one line per row, aligned.
    EXPECT_EQ(section(table, "Custom metrics (2)").size(), 2u) << table;
    EXPECT_EQ(section(table, "Listening ports").size(), 7u) << table;
}

TEST(TableView, CellTextKeepsUtf8AndMeasuresItsWidth) {
    EXPECT_EQ(cell_text("température °C"), "température °C");
    EXPECT_EQ(display_width("température °C"), 14u);
    EXPECT_EQ(cell_text("\xe2\x82"), "\\xe2\\x82");           // cut short
    EXPECT_EQ(cell_text("\xc0\xaf"), "\\xc0\\xaf");           // overlong
    EXPECT_EQ(cell_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(cell_text("abcdef", 3), "abc…(3 more bytes)");
}

TEST(TableView, SampledListsSayHowManyOfTheTotalAreShown) {
    Report report = second_report();
    report.metrics->listening_tcp_ports->total = 40;
    report.metrics->established_connections->total = 9;
    const std::string table = render_table(report, {});
    EXPECT_NE(table.find("Listening ports (TCP 4 shown of 40, UDP 2)"), std::string::npos) << table;
    EXPECT_NE(table.find("Established TCP connections (4 shown of 9, 3 remote addresses)"),
              std::string::npos)
        << table;
}

}  // namespace
}  // namespace defender::view
