// SPDX-License-Identifier: Apache-2.0
// `defender simulate` against mosquitto and `defender emulate`: every simulated report is
// acknowledged and accepted, one thing per name, ids increasing per thing; the summary counts
// them; bad options exit with code 2 before any traffic.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> simulate_args(AgentRig& rig, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{DEFENDER_BINARY, "simulate"};
    const auto tls = rig.agent_tls_args();
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

void expect_all_accepted(AgentRig& rig, const std::string& format, std::size_t reports,
                         std::size_t things) {
    ASSERT_TRUE(rig.wait_for_accepted(reports, 15s)) << rig.emulator().stdout_text();
    std::map<std::string, std::vector<std::uint64_t>> ids;
    for (const auto& line : rig.emulator_lines()) {
        EXPECT_TRUE(line.accepted) << line.thing << " " << line.detail;
        EXPECT_EQ(line.format, format);
        EXPECT_TRUE(line.thing.starts_with("sim-")) << line.thing;
        ids[line.thing].push_back(line.report_id);
    }
    EXPECT_EQ(ids.size(), things);
    for (const auto& [thing, list] : ids) {
        for (std::size_t i = 1; i < list.size(); ++i)
            EXPECT_LT(list[i - 1], list[i]) << thing;
    }
}

TEST(SimulateCommand, EveryReportIsAcceptedAndTheJsonSummaryCountsThem) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto run =
        run_process(simulate_args(rig, {"--things", "20", "--interval", "0.5", "--reports", "40",
                                        "--misbehaving", "0.25", "--json"}),
                    60s);
    ASSERT_TRUE(run.status.success()) << run.status.describe() << "\n" << run.stderr_text;
    const auto summary = nlohmann::json::parse(run.stdout_text);
    EXPECT_EQ(summary["things"], 20);
    EXPECT_EQ(summary["misbehaving"], 5);
    EXPECT_EQ(summary["published"], 40);
    EXPECT_EQ(summary["acknowledged"], 40);
    EXPECT_EQ(summary["failed"], 0);
    EXPECT_EQ(summary["accepted"], 40) << run.stdout_text;
    EXPECT_EQ(summary["rejected"], 0);
    EXPECT_GT(summary["reports_per_second"].get<double>(), 0);
    expect_all_accepted(rig, "json", 40, 20);
}

TEST(SimulateCommand, CborShortNamesOverThreeConnections) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto run =
        run_process(simulate_args(rig, {"--things", "9", "--interval", "0.3", "--reports", "27",
                                        "--format", "cbor", "--names", "short", "--connections",
                                        "3", "--misbehaving", "1", "--seed", "5"}),
                    60s);
    ASSERT_TRUE(run.status.success()) << run.status.describe() << "\n" << run.stderr_text;
    EXPECT_TRUE(
        run.stdout_text.starts_with("simulate: published 27, acknowledged 27, failed 0, "
                                    "accepted 27, rejected 0 in "))
        << run.stdout_text;
    expect_all_accepted(rig, "cbor", 27, 9);
}

TEST(SimulateCommand, BadOptionsExitWithCode2) {
    AgentRig rig;
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"--misbehaving", "1.5"}, "--misbehaving"},
        {{"--interval", "0"}, "--interval"},
        {{"--interval", "nan"}, "--interval"},
        {{"--things", "2", "--connections", "3"}, "--connections 3 is more than --things 2"},
        {{"--thing-prefix", "bad prefix"}, "--thing-prefix \"bad prefix\""},
        {{"--format", "xml"}, "--format"},
    };
    for (const auto& [extra, expected] : cases) {
        const auto run = run_process(simulate_args(rig, extra), 20s);
        EXPECT_TRUE(run.status.exited && run.status.code == 2)
            << extra[0] << ": " << run.status.describe() << "\n"
            << run.stderr_text;
        EXPECT_NE(run.stderr_text.find(expected), std::string::npos)
            << extra[0] << ": " << run.stderr_text;
    }
}

}  // namespace
}  // namespace defender::test
