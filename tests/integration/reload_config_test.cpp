// SPDX-License-Identifier: Apache-2.0
// SIGHUP makes `defender agent` read its --config file again and apply interval, format, short
// names and custom metrics from the next report on, without reconnecting.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

std::size_t accepted_in(const AgentRig& rig, const std::string& format) {
    std::size_t count = 0;
    for (const auto& line : rig.emulator_lines())
        count += line.accepted && line.format == format ? 1 : 0;
    return count;
}

std::string newest_stored_report(const AgentRig& rig) {
    std::filesystem::path newest;
    for (const auto& entry : std::filesystem::directory_iterator(rig.store_dir()))
        if (newest.empty() || entry.path().filename() > newest.filename()) newest = entry.path();
    std::ifstream in(newest, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ReloadConfig, SighupAppliesFormatIntervalNamesAndMetricsOnTheSameConnection) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto config = rig.work() / "agent.conf";
    // An hour between reports: only the first one comes before the reload.
    write_file(config, "format = \"json\"\ninterval = 3600\n");
    ChildProcess agent(rig.agent(
        {"--config", config.string(), "--client-id", "reload-agent", "-t", "reload-thing"}));
    ASSERT_TRUE(eventually([&] { return accepted_in(rig, "json") >= 1; }, 30s))
        << agent.stderr_text();

    write_file(config,
               "# changed\nformat = \"cbor\"\ninterval = 1\nshort-names = true\n"
               "custom-metric = [\"name=uptime_seconds,builtin=uptime_seconds\"]\n");
    agent.send_signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return accepted_in(rig, "cbor") >= 2; }, 30s))
        << agent.stderr_text() << rig.emulator_lines().size();
    EXPECT_EQ(accepted_in(rig, "json"), 1u);
    EXPECT_NE(agent.stderr_text().find("configuration reloaded"), std::string::npos);

    const std::string report = newest_stored_report(rig);
    EXPECT_NE(report.find("hed"), std::string::npos);  // short names, in CBOR text strings
    EXPECT_EQ(report.find("header"), std::string::npos);
    EXPECT_NE(report.find("uptime_seconds"), std::string::npos);

    const auto status = agent.stop(5s);
    EXPECT_TRUE(status.success()) << status.describe() << agent.stderr_text();
    // One connection for the agent's whole life.
    EXPECT_EQ(count_of(rig.broker().log(), " as reload-agent "), 1u) << rig.broker().log();
    EXPECT_EQ(count_of(agent.stderr_text(), "connection lost"), 0u);
}

TEST(ReloadConfig, ABrokenFileKeepsTheRunningSettings) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto config = rig.work() / "agent.conf";
    write_file(config, "interval = 1\n");
    ChildProcess agent(rig.agent({"--config", config.string(), "-t", "reload-broken"}));
    ASSERT_TRUE(rig.wait_for_accepted(1, 30s)) << agent.stderr_text();

    // An unknown key, then a NaN interval (which CLI11's range check alone lets through and
    // which once killed the agent with SIGFPE).
    const std::vector<std::pair<std::string, std::string>> broken{
        {"interval = 1\nno-such-option = 3\n",
         ":2: INI was not able to parse agent.no-such-option"},
        {"interval = nan\n", ":1: --interval: Value nan is not a finite number"}};
    for (std::size_t i = 0; i < broken.size(); ++i) {
        write_file(config, broken[i].first);
        agent.send_signal(SIGHUP);
        ASSERT_TRUE(eventually(
            [&] { return count_of(agent.stderr_text(), "configuration not reloaded") > i; }, 20s))
            << agent.stderr_text();
        EXPECT_NE(agent.stderr_text().find(broken[i].second), std::string::npos)
            << agent.stderr_text();
    }
    const auto before = rig.emulator_lines().size();
    ASSERT_TRUE(rig.wait_for_accepted(before + 1, 30s)) << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    EXPECT_TRUE(agent.stop(5s).success());
}

TEST(ReloadConfig, ChangesThatNeedARestartAreNamed) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto config = rig.work() / "agent.conf";
    write_file(config, "interval = 1\nkeep-alive = 60\n");
    ChildProcess agent(rig.agent({"--config", config.string(), "-t", "reload-restart"}));
    ASSERT_TRUE(rig.wait_for_accepted(1, 30s)) << agent.stderr_text();
    write_file(config, "interval = 1\nkeep-alive = 30\n");
    agent.send_signal(SIGHUP);
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("apply at the next restart") != std::string::npos; },
        20s))
        << agent.stderr_text();
    EXPECT_TRUE(agent.stop(5s).success());
}

}  // namespace
}  // namespace defender::test
