// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent/backoff.hpp"
#include "agent/report_ids.hpp"
#include "agent/state_file.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;

class StateFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("defender-state-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
        std::filesystem::remove_all(dir_);
    }
    void write(const std::string& text) { std::ofstream(dir_ / "state.json") << text; }
    std::filesystem::path dir_;
};

TEST_F(StateFileTest, MissingFileIsAFreshStart) {
    EXPECT_EQ(load_state(dir_ / "state.json").value(), AgentState{});
}

TEST_F(StateFileTest, SavedStateLoadsBackAndLeavesNoTemporaryFile) {
    ASSERT_TRUE(save_state(dir_ / "state.json", {1700000123}).ok());
    EXPECT_EQ(load_state(dir_ / "state.json").value(), AgentState{1700000123});
    EXPECT_FALSE(std::filesystem::exists(dir_ / "state.json.tmp"));
    struct stat info {};
    ASSERT_EQ(::stat((dir_ / "state.json").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(StateFileTest, CorruptTruncatedAndFutureFilesAreErrorsNamingTheFile) {
    const auto file = (dir_ / "state.json").string();
    write("{\"version\":1,\"last_rep");
    EXPECT_EQ(load_state(file).error().message,
              "state file " + file + " is corrupt (not a JSON object)");
    write("{\"version\":2,\"last_report_id\":5}");
    EXPECT_EQ(load_state(file).error().message,
              "state file " + file + " has version 2; this agent reads version 1");
    write("{\"version\":1,\"last_report_id\":-5}");
    EXPECT_EQ(load_state(file).error().message,
              "state file " + file + " has no valid last_report_id");
}

TEST_F(StateFileTest, UnwritableDirectoryIsAnError) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
    std::filesystem::permissions(
        dir_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    EXPECT_FALSE(save_state(dir_ / "state.json", {1}).ok());
}

TEST(ReportIds, StrictlyIncreasingFromTheClockAndAboveTheLastOne) {
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    ReportIdSequence from_clock;
    const auto first = from_clock.next();
    EXPECT_GE(first, now);
    EXPECT_GT(from_clock.next(), first);
    // A last id in the future (the clock stepped back): continue above it.
    ReportIdSequence after_step_back(now + 3600);
    EXPECT_EQ(after_step_back.next(), now + 3601);
    EXPECT_EQ(after_step_back.next(), now + 3602);
}

TEST(Backoff, GrowsWithJitterUpToTheMaximumAndResets) {
    Backoff backoff(1000ms, 120000ms, 42);
    std::vector<std::chrono::milliseconds> waits;
    for (int i = 0; i < 12; ++i)
        waits.push_back(backoff.next());
    EXPECT_GE(waits[0], 500ms);
    EXPECT_LE(waits[0], 1000ms);
    EXPECT_GE(waits[3], 4000ms);
    EXPECT_LE(waits[3], 8000ms);
    for (int i = 8; i < 12; ++i) {
        EXPECT_GE(waits[i], 60000ms);
        EXPECT_LE(waits[i], 120000ms);
    }
    backoff.reset();
    EXPECT_LE(backoff.next(), 1000ms);
}

}  // namespace
}  // namespace defender
