// SPDX-License-Identifier: Apache-2.0
// `defender agent --log-reports DIR`: the last reports, byte for byte as the service received
// them, each with its outcome; older ones removed.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ReportLog, KeepsTheLastReportsAsPublishedWithTheirReplies) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto log_dir = rig.work() / "reports";
    ChildProcess agent(rig.agent({"-t", "thing-log", "-i", "0.5", "--exit-after", "4",
                                  "--log-reports", log_dir.string(), "--log-reports-count", "2"}));
    const auto status = agent.wait_for(40s);
    ASSERT_TRUE(status.has_value() && status->success()) << agent.stderr_text();

    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(log_dir))
        names.insert(entry.path().filename().string());
    const auto lines = rig.emulator_lines();
    ASSERT_EQ(lines.size(), 4u);
    // The two newest reports, each with its reply.
    std::set<std::string> expected;
    for (std::size_t i = 2; i < 4; ++i) {
        const auto id = std::to_string(lines[i].report_id);
        expected.insert(id + ".json");
        expected.insert(id + ".reply.json");
        const auto reply = nlohmann::json::parse(read_text(log_dir / (id + ".reply.json")));
        EXPECT_EQ(reply["outcome"], "accepted");
        EXPECT_EQ(reply["report_id"], lines[i].report_id);
    }
    EXPECT_EQ(names, expected);

    // Byte for byte what the service received (the emulator stores every report it gets).
    std::set<std::string> received;
    for (const auto& entry : fs::directory_iterator(rig.store_dir()))
        received.insert(read_text(entry.path()));
    const auto newest = std::to_string(lines[3].report_id) + ".json";
    EXPECT_EQ(received.count(read_text(log_dir / newest)), 1u);
}

}  // namespace
}  // namespace defender::test
