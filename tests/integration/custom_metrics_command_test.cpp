// SPDX-License-Identifier: Apache-2.0
// `--custom-metric` in `defender agent` and `defender collect`: all four types accepted by the
// emulator in JSON and CBOR, bad values left out with one warning, bad definitions exit 2.

#include <gtest/gtest.h>

#include <algorithm>

#include "agent_test_rig.hpp"
#include "defender/encode.hpp"
#include "defender/validate.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++count;
    return count;
}

const std::vector<CustomMetric> kExpected{
    {"temperature", NumberValue{21.5}},
    {"queue_depths", NumberListValue{{std::int64_t{64}, std::int64_t{128}, std::int64_t{-3}}}},
    {"logged_in", StringListValue{{"root", "user_1"}}},
    {"peers", IpListValue{{"10.0.0.1", "2001:db8::1"}}},
};

std::vector<std::string> custom_metric_options(const TempDir& work) {
    write_file(work / "queue", "64, 128\n-3\n");
    write_file(work / "peers", "10.0.0.1\n2001:db8::1\n");
    return {
        "--custom-metric", "name=temperature,type=number,command=echo 21.5",
        "--custom-metric", "name=queue_depths,type=number-list,file=" + (work / "queue").string(),
        "--custom-metric", "name=logged_in,type=string-list,command=printf 'root\\nuser_1\\n'",
        "--custom-metric", "name=peers,type=ip-address-list,file=" + (work / "peers").string(),
        "--custom-metric", "name=macs,type=ip-address-list,command=echo 08:00:27:d1:ea:38",
        "--custom-metric", "name=hung,type=number,timeout=0.3,command=sleep 30"};
}

class CustomMetricsAgent : public ::testing::TestWithParam<Format> {};

TEST_P(CustomMetricsAgent, AllFourTypesAreAcceptedAndBadOnesLeftOutWithOneWarning) {
    const Format format = GetParam();
    AgentRig rig;
    rig.start_emulator(0);
    std::vector<std::string> extra{
        "-t", "thing-cm", "-i", "1", "--exit-after", "2", "-f", std::string(to_string(format))};
    const auto custom = custom_metric_options(rig.work());
    extra.insert(extra.end(), custom.begin(), custom.end());
    ChildProcess agent(rig.agent(extra));
    const auto status = agent.wait_for(40s);
    ASSERT_TRUE(status.has_value()) << "agent still running: " << agent.stderr_text();
    ASSERT_TRUE(status->success()) << status->describe() << "\n" << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(2, 5s));
    for (const auto& line : rig.emulator_lines())
        EXPECT_TRUE(line.accepted) << line.detail;

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(rig.store_dir()))
        files.push_back(entry.path());
    ASSERT_GE(files.size(), 2u);
    for (const auto& file : files) {
        const auto bytes = read_file(file);
        EXPECT_TRUE(validate_report(bytes).valid()) << file;
        const auto report = decode(bytes).value();
        EXPECT_EQ(report.custom_metrics, kExpected) << file;
    }
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_of(log,
                       "custom metric \"macs\" left out: ip-list addresses: "
                       "\"08:00:27:d1:ea:38\" is not an IPv4 or IPv6 address"),
              1u)
        << log;
    EXPECT_EQ(count_of(log,
                       "custom metric \"hung\" left out: command sleep 30 timed out after "
                       "300 ms (killed)"),
              1u)
        << log;
}

INSTANTIATE_TEST_SUITE_P(JsonCbor, CustomMetricsAgent,
                         ::testing::Values(Format::json, Format::cbor),
                         [](const ::testing::TestParamInfo<Format>& info) {
                             return std::string(to_string(info.param));
                         });

TEST(CustomMetricsCollect, ConfigFileTomlArrayGivesTheSameMetrics) {
    TempDir work("defender-custom-");
    const auto custom = custom_metric_options(work);
    // CLI11 2.1 keeps backslashes of TOML strings as they are, so no escapes here.
    write_file(work / "users", "root\nuser_1\n");
    const std::vector<std::string> definitions{
        custom[1], custom[3], "name=logged_in,type=string-list,file=" + (work / "users").string(),
        custom[7]};
    std::string array;
    for (const auto& definition : definitions) {
        ASSERT_EQ(definition.find_first_of("\\\""), std::string::npos) << definition;
        array += (array.empty() ? "\"" : ", \"") + definition + "\"";
    }
    write_file(work / "defender.toml", "custom-metric = [" + array + "]\ncompact = true\n");
    const auto result =
        run_process({DEFENDER_BINARY, "collect", "--config", (work / "defender.toml").string()});
    ASSERT_TRUE(result.status.success()) << result.status.describe() << result.stderr_text;
    EXPECT_EQ(decode(result.stdout_text).value().custom_metrics, kExpected);
    EXPECT_EQ(result.stderr_text, "");
}

TEST(CustomMetricsCollect, BadDefinitionExitsWith2AndNamesIt) {
    const auto result = run_process({DEFENDER_BINARY, "collect", "--custom-metric",
                                     "name=ok,builtin=uptime_seconds", "--custom-metric",
                                     "name=aws:temp,type=number,file=/x"});
    EXPECT_EQ(result.status.code, 2);
    EXPECT_EQ(result.stdout_text, "");
    EXPECT_EQ(result.stderr_text,
              "defender: error: --custom-metric \"name=aws:temp,type=number,file=/x\": metric "
              "names starting with \"aws:\" are reserved\n");
}

TEST(CustomMetricsCollect, CpuUsageFlagStillWorksAlongsideDefinitions) {
    const auto result = run_process({DEFENDER_BINARY, "collect", "--compact", "--custom-metrics",
                                     "--custom-metric", "name=up,builtin=uptime_seconds"});
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    const auto report = decode(result.stdout_text).value();
    ASSERT_EQ(report.custom_metrics.size(), 2u);
    EXPECT_EQ(report.custom_metrics[0].name, "cpu_usage");
    EXPECT_EQ(report.custom_metrics[1].name, "up");
    const auto clash = run_process({DEFENDER_BINARY, "agent", "--dry-run", "--custom-metrics",
                                    "--custom-metric", "name=cpu_usage,builtin=cpu_usage"});
    EXPECT_EQ(clash.status.code, 2);
    EXPECT_EQ(clash.stderr_text.substr(clash.stderr_text.find("error")),
              "error: --custom-metric \"name=cpu_usage,builtin=cpu_usage\": cpu_usage is already "
              "added by --custom-metrics\n");
}

}  // namespace
}  // namespace defender::test
