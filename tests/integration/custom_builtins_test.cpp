// SPDX-License-Identifier: Apache-2.0
// Each built-in custom metric against an independent reading of the same thing.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "defender/custom_metrics.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

CustomValue read_builtin(const std::string& builtin, const std::string& extra = "") {
    CustomMetricSet set;
    const auto added =
        set.add(parse_custom_metric_definition("name=m,builtin=" + builtin + extra).value());
    EXPECT_TRUE(added.ok());
    auto reading = set.read();
    EXPECT_TRUE(reading.notices.empty()) << reading.notices.front().message;
    EXPECT_EQ(reading.metrics.size(), 1u);
    return reading.metrics.empty() ? CustomValue{} : reading.metrics.front().value;
}

double number_of(const CustomValue& value) {
    const auto number = std::get<NumberValue>(value).value;
    return std::visit([](auto n) { return static_cast<double>(n); }, number);
}

bool is_integer(const CustomValue& value) {
    return std::holds_alternative<std::int64_t>(std::get<NumberValue>(value).value);
}

std::uint64_t meminfo_kb(const std::string& key) {
    std::ifstream meminfo("/proc/meminfo");
    std::string name;
    std::uint64_t value = 0;
    std::string unit;
    while (meminfo >> name >> value >> unit) {
        if (name == key + ":") return value;
    }
    ADD_FAILURE() << key << " not in /proc/meminfo";
    return 0;
}

double first_field(const std::string& path) {
    std::ifstream file(path);
    double value = 0;
    file >> value;
    return value;
}

nlohmann::json run_json(const std::vector<std::string>& argv) {
    const auto result = run_process(argv, 20s);
    EXPECT_TRUE(result.status.success()) << result.stderr_text;
    return nlohmann::json::parse(result.stdout_text);
}

TEST(CustomBuiltins, MemoryUsedPercentMatchesMeminfo) {
    const double ours = number_of(read_builtin("memory_used_percent"));
    const double total = static_cast<double>(meminfo_kb("MemTotal"));
    const double expected =
        100.0 * (total - static_cast<double>(meminfo_kb("MemAvailable"))) / total;
    EXPECT_NEAR(ours, expected, 1.0);
    EXPECT_GT(ours, 0.0);
    EXPECT_EQ(ours, std::round(ours * 100) / 100) << "not rounded to hundredths";
}

TEST(CustomBuiltins, UptimeSecondsMatchesProcUptime) {
    const double before = first_field("/proc/uptime");
    const auto value = read_builtin("uptime_seconds");
    const double after = first_field("/proc/uptime");
    EXPECT_TRUE(is_integer(value));
    EXPECT_GE(number_of(value), std::floor(before));
    EXPECT_LE(number_of(value), after);
}

TEST(CustomBuiltins, ProcessCountMatchesFind) {
    const auto value = read_builtin("process_count");
    const auto find = run_process({"find", "/proc", "-mindepth", "1", "-maxdepth", "1", "-type",
                                   "d", "-regex", "/proc/[0-9]+"},
                                  20s);
    ASSERT_TRUE(find.status.success()) << find.stderr_text;
    const auto lines = std::count(find.stdout_text.begin(), find.stdout_text.end(), '\n');
    EXPECT_TRUE(is_integer(value));
    EXPECT_NEAR(number_of(value), static_cast<double>(lines), 5.0);  // find itself, test helpers
    EXPECT_GT(number_of(value), 0.0);
}

TEST(CustomBuiltins, DiskUsedPercentMatchesDf) {
    for (const std::string path : {"/", "/tmp"}) {
        const double ours = number_of(read_builtin("disk_used_percent", ",path=" + path));
        const auto df = run_process({"df", "--output=pcent", path}, 20s);
        ASSERT_TRUE(df.status.success()) << df.stderr_text;
        std::istringstream lines(df.stdout_text);
        std::string header;
        double percent = -1;
        lines >> header >> percent;
        // df rounds up to a whole percent.
        EXPECT_LE(ours, percent) << path;
        EXPECT_GT(ours, percent - 1.0) << path;
    }
}

TEST(CustomBuiltins, DiskUsedPercentOfAMissingPathIsAFailureNotAValue) {
    CustomMetricSet set;
    ASSERT_TRUE(set.add(parse_custom_metric_definition(
                            "name=d,builtin=disk_used_percent,path=/nonexistent/disk")
                            .value())
                    .ok());
    const auto reading = set.read();
    EXPECT_TRUE(reading.metrics.empty());
    ASSERT_EQ(reading.notices.size(), 1u);
    EXPECT_EQ(reading.notices[0].message,
              "custom metric \"d\" left out: cannot statvfs /nonexistent/disk: No such file or "
              "directory");
}

TEST(CustomBuiltins, InterfaceNamesMatchIpLink) {
    const auto ours = std::get<StringListValue>(read_builtin("interface_names")).values;
    std::vector<std::string> expected;
    for (const auto& link : run_json({"ip", "-j", "link"}))
        expected.push_back(link.at("ifname").get<std::string>());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ours, expected);
}

TEST(CustomBuiltins, InterfaceAddressesMatchIpAddrWithoutLoopback) {
    const auto ours = std::get<IpListValue>(read_builtin("interface_addresses")).values;
    std::set<std::string> expected;
    for (const auto& link : run_json({"ip", "-j", "addr"})) {
        const auto flags = link.value("flags", nlohmann::json::array());
        if (std::find(flags.begin(), flags.end(), "LOOPBACK") != flags.end()) continue;
        for (const auto& address : link.value("addr_info", nlohmann::json::array()))
            expected.insert(address.at("local").get<std::string>());
    }
    EXPECT_EQ(std::set<std::string>(ours.begin(), ours.end()), expected);
    EXPECT_EQ(ours.size(), expected.size()) << "duplicates";
    EXPECT_FALSE(check_custom_value(IpListValue{ours}, CustomMetricType::ip_address_list, 0));
}

TEST(CustomBuiltins, LoadAverageMatchesProcLoadavg) {
    const double before = first_field("/proc/loadavg");
    const double ours = number_of(read_builtin("load_average_1m"));
    const double after = first_field("/proc/loadavg");
    EXPECT_TRUE(ours == before || ours == after) << ours << " vs " << before << ", " << after;
}

TEST(CustomBuiltins, OpenFileCountMatchesFileNr) {
    std::ifstream file_nr("/proc/sys/fs/file-nr");
    std::int64_t allocated = 0;
    std::int64_t unused = 0;
    file_nr >> allocated >> unused;
    const auto value = read_builtin("open_file_count");
    EXPECT_TRUE(is_integer(value));
    EXPECT_NEAR(number_of(value), static_cast<double>(allocated - unused), 100.0);
}

TEST(CustomBuiltins, CpuUsageIsAPercentAndCoversTheTimeSinceTheLastReading) {
    CustomMetricSet set;
    ASSERT_TRUE(set.add(parse_custom_metric_definition("name=cpu,builtin=cpu_usage").value()).ok());
    for (int i = 0; i < 2; ++i) {
        if (i > 0) std::this_thread::sleep_for(200ms);
        const auto reading = set.read();
        ASSERT_EQ(reading.metrics.size(), 1u);
        const double percent = number_of(reading.metrics[0].value);
        EXPECT_GE(percent, 0.0);
        EXPECT_LE(percent, 100.0);
    }
}

TEST(CustomBuiltins, ProcfsRootIsHonoured) {
    CustomMetricSet set(CustomMetricOptions{"/nonexistent-proc", 50, {}});
    ASSERT_TRUE(
        set.add(parse_custom_metric_definition("name=mem,builtin=memory_used_percent").value())
            .ok());
    const auto reading = set.read();
    EXPECT_TRUE(reading.metrics.empty());
    ASSERT_EQ(reading.notices.size(), 1u);
    EXPECT_EQ(reading.notices[0].message,
              "custom metric \"mem\" left out: cannot read /nonexistent-proc/meminfo: No such file "
              "or directory");
}

}  // namespace
}  // namespace defender::test
