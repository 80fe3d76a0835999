// SPDX-License-Identifier: Apache-2.0
// `defender collect` as users run it: live and on fixture trees, every output valid for
// `defender check`.

#include <gtest/gtest.h>

#include <thread>

#include "child_process.hpp"
#include "defender/encode.hpp"
#include "defender/validate.hpp"
#include "encode/document.hpp"
#include "temp_dir.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

const std::string kGateway = std::string(DEFENDER_FIXTURES) + "/proc/gateway";

std::vector<Report> decode_all(const std::string& output) {
    std::vector<Report> reports;
    const auto documents = parse_documents(output);
    EXPECT_TRUE(documents.ok()) << output;
    if (!documents) return reports;
    for (const auto& document : *documents) {
        const auto bytes = serialize_document(document.document, document.format);
        reports.push_back(decode(bytes).value());
    }
    return reports;
}

TEST(CollectCommand, TwoSamplesTheSecondWithNetworkStatsAndCpuUsage) {
    const auto result =
        run_process({DEFENDER_BINARY, "collect", "-n", "2", "-s", "1", "--custom-metrics"}, 20s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    const auto reports = decode_all(result.stdout_text);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_FALSE(reports[0].metrics->network_stats.has_value());
    EXPECT_TRUE(reports[1].metrics->network_stats.has_value());
    EXPECT_GT(reports[1].report_id, reports[0].report_id);
    for (const auto& report : reports) {
        ASSERT_EQ(report.custom_metrics.size(), 1u);
        EXPECT_EQ(report.custom_metrics[0].name, "cpu_usage");
    }
    // Pretty JSON by default.
    EXPECT_EQ(result.stdout_text.rfind("{\n  \"header\": {\n", 0), 0u) << result.stdout_text;
}

TEST(CollectCommand, EveryOutputModeIsAcceptedByCheck) {
    TempDir dir;
    const std::vector<std::vector<std::string>> modes = {
        {},
        {"--short-names"},
        {"--compact", "--custom-metrics"},
        {"-f", "cbor"},
        {"-f", "cbor", "--short-names", "--custom-metrics", "-n", "2", "-s", "0"},
        {"-l", "0", "--include-loopback", "-n", "2", "-s", "0"},
        {"-l", "1", "--procfs", kGateway},
    };
    for (const auto& mode : modes) {
        std::vector<std::string> argv{DEFENDER_BINARY, "collect", "-o", (dir / "out").string()};
        argv.insert(argv.end(), mode.begin(), mode.end());
        const auto collected = run_process(argv, 20s);
        ASSERT_TRUE(collected.status.success()) << collected.stderr_text;
        const auto bytes = read_file(dir / "out");
        for (const auto& result : validate_reports(bytes)) {
            EXPECT_TRUE(result.valid())
                << ::testing::PrintToString(mode) << ": " << result.violations.front().pointer
                << " " << result.violations.front().reason;
        }
        const auto checked = run_process({DEFENDER_BINARY, "check", (dir / "out").string()}, 20s);
        EXPECT_EQ(checked.status.code, 0) << ::testing::PrintToString(mode) << checked.stdout_text;
    }
}

TEST(CollectCommand, CborThroughAPipeIntoCheck) {
    const auto result = run_process(
        {"sh", "-c",
         std::string(DEFENDER_BINARY) + " collect --format cbor | " + DEFENDER_BINARY + " check -"},
        20s);
    EXPECT_TRUE(result.status.success()) << result.stdout_text << result.stderr_text;
    EXPECT_NE(result.stdout_text.find("valid: 1 report (cbor, long names"), std::string::npos)
        << result.stdout_text;
}

TEST(CollectCommand, FixtureTreeGivesExactListsAndSamplingKeepsTotals) {
    const auto result = run_process(
        {DEFENDER_BINARY, "collect", "--procfs", kGateway, "-l", "2", "--compact"}, 20s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    const auto report = decode(result.stdout_text).value();
    EXPECT_EQ(report.metrics->listening_tcp_ports->total, 6u);
    EXPECT_EQ(report.metrics->listening_tcp_ports->ports.size(), 2u);
    EXPECT_EQ(report.metrics->listening_udp_ports->total, 5u);
    EXPECT_EQ(report.metrics->established_connections->total, 4u);
    EXPECT_EQ(report.metrics->established_connections->connections.size(), 2u);

    const auto full =
        decode(run_process({DEFENDER_BINARY, "collect", "--procfs", kGateway, "--compact"}, 20s)
                   .stdout_text)
            .value();
    std::vector<std::string> remotes;
    for (const auto& connection : full.metrics->established_connections->connections) {
        remotes.push_back(connection.remote_addr);
    }
    EXPECT_EQ(remotes, (std::vector<std::string>{"192.0.2.10:443", "192.168.0.10:54321",
                                                 "192.168.0.20:50123", "[2001:db8::abcd]:40000"}));
}

TEST(CollectCommand, ProcfsFromTheEnvironmentAndErrorsNameTheFile) {
    const auto from_env = run_process(
        {"env", "PROCFS_PATH=" + kGateway, DEFENDER_BINARY, "collect", "--compact"}, 20s);
    ASSERT_TRUE(from_env.status.success()) << from_env.stderr_text;
    EXPECT_EQ(decode(from_env.stdout_text)->metrics->listening_tcp_ports->total, 6u);

    const auto missing = run_process({DEFENDER_BINARY, "collect", "--procfs", "/nonexistent"}, 20s);
    EXPECT_EQ(missing.status.code, 3);
    EXPECT_EQ(missing.stderr_text,
              "defender: error: cannot read /nonexistent/net/tcp: No such file or directory\n");
    EXPECT_TRUE(missing.stdout_text.empty());

    const auto bad_option = run_process({DEFENDER_BINARY, "collect", "--format", "xml"}, 20s);
    EXPECT_EQ(bad_option.status.code, 2);
    EXPECT_NE(bad_option.stderr_text.find("--format"), std::string::npos) << bad_option.stderr_text;
}

TEST(CollectCommand, MalformedLinesAreSkippedWithOneWarning) {
    const auto result =
        run_process({DEFENDER_BINARY, "collect", "--procfs",
                     std::string(DEFENDER_FIXTURES) + "/proc/malformed", "--compact"},
                    20s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("defender: warning: skipped"), std::string::npos)
        << result.stderr_text;
    EXPECT_TRUE(validate_report(result.stdout_text).valid());
}

TEST(AgentDryRun, PrintsReportsOnTheScheduleAndReadsAConfigFile) {
    TempDir dir;
    write_file(dir / "agent.conf",
               "thing-name = \"dry-thing\"\ninterval = 1\nallow-short-interval = true\n"
               "short-names = true\nexit-after = 2\n");
    const auto result = run_process(
        {DEFENDER_BINARY, "agent", "--dry-run", "--config", (dir / "agent.conf").string()}, 20s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    const auto documents = parse_documents(result.stdout_text);
    ASSERT_TRUE(documents.ok()) << result.stdout_text;
    ASSERT_EQ(documents->size(), 2u);
    EXPECT_TRUE(documents->at(0).document.contains("hed"));
    EXPECT_FALSE(documents->at(0).document["met"].contains("ns"));
    EXPECT_TRUE(documents->at(1).document["met"].contains("ns"));
}

TEST(AgentDryRun, ShortIntervalIsRaisedWithAWarning) {
    TempDir dir;
    ChildProcess logged(
        ProcessOptions{{DEFENDER_BINARY, "agent", "--dry-run", "-i", "10", "-t", "x"},
                       dir / "out",
                       dir / "err",
                       {},
                       {}});
    std::this_thread::sleep_for(1s);
    EXPECT_TRUE(logged.stop(5s).success());
    EXPECT_NE(logged.stderr_text().find(
                  "interval 10 s is below Device Defender's minimum of 300 s; using 300 s"),
              std::string::npos)
        << logged.stderr_text();
    EXPECT_TRUE(validate_report(logged.stdout_text()).valid()) << logged.stdout_text();
}

}  // namespace
}  // namespace defender::test

namespace defender::test {
namespace {

TEST(MqttModule, CollectRunsWithoutItAndTheAgentNamesThePathsItTried) {
    TempDir dir;
    const auto lonely = dir / "defender";
    std::filesystem::copy_file(DEFENDER_BINARY, lonely);
    const auto collected = run_process({lonely.string(), "collect", "--compact"}, 20s);
    EXPECT_TRUE(collected.status.success()) << collected.stderr_text;
    const auto agent = run_process({lonely.string(), "agent", "-e", "localhost", "-r", "/x/ca.pem",
                                    "-c", "/x/c.pem", "-k", "/x/k.pem", "-t", "t"},
                                   20s);
    EXPECT_EQ(agent.status.code, 2);
    EXPECT_NE(agent.stderr_text.find("cannot load the MQTT module (" +
                                     (dir / "defender-mqtt.so").string() + ": not found"),
              std::string::npos)
        << agent.stderr_text;
    const auto with_env = run_process(
        {"env",
         "DEFENDER_MQTT_MODULE=" +
             (std::filesystem::path(DEFENDER_BINARY).parent_path() / "defender-mqtt.so").string(),
         lonely.string(), "agent", "-e", "localhost", "-r", "/x/ca.pem", "-c", "/x/c.pem", "-k",
         "/x/k.pem", "-t", "t"},
        20s);
    EXPECT_EQ(with_env.status.code, 2);
    EXPECT_NE(with_env.stderr_text.find("/x/ca.pem"), std::string::npos) << with_env.stderr_text;
}

// Issue #18 item 6: `collect --config agent.conf` previews the service's reports from its own
// file; the agent's connection keys are skipped, the report keys apply.
TEST(CollectCommand, ReadsTheAgentsConfigurationAndSkipsItsConnectionKeys) {
    TempDir dir("defender-collect-conf-");
    const auto config = dir / "agent.conf";
    write_file(config,
               "endpoint = \"abc123-ats.iot.eu-west-1.amazonaws.com\"\n"
               "cert = \"/etc/defender/device.pem.crt\"\nthing-name = \"gw\"\ninterval = 600\n"
               "short-names = true\ncustom-metrics = true\n");
    const auto result =
        run_process({DEFENDER_BINARY, "collect", "--compact", "--config", config.string()}, 20s);
    ASSERT_EQ(result.status.code, 0) << result.stderr_text;
    EXPECT_NE(result.stdout_text.find("\"hed\""), std::string::npos) << result.stdout_text;
    EXPECT_NE(result.stdout_text.find("cpu_usage"), std::string::npos) << result.stdout_text;
    // A key neither command knows is still an error, with its line.
    write_file(config, "short-names = true\nbogus = 1\n");
    const auto unknown =
        run_process({DEFENDER_BINARY, "collect", "--config", config.string()}, 20s);
    EXPECT_EQ(unknown.status.code, 2);
    EXPECT_NE(unknown.stderr_text.find(config.string() + ":2: "), std::string::npos)
        << unknown.stderr_text;
}

}  // namespace
}  // namespace defender::test
