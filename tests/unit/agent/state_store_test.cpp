// SPDX-License-Identifier: Apache-2.0
// What the agent keeps across restarts: report ids, the synced id reserve, the baseline of this
// boot, the totals of earlier runs. Real files in a temporary directory; a hand-moved clock.

#include "agent/state_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/state_file.hpp"
#include "manual_clock.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

class StateStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("defender-store-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        boot("boot-a");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void boot(const std::string& id) { std::ofstream(dir_ / "boot_id") << id << "\n"; }
    StateStore store() {
        return StateStore(dir_ / "state.json", dir_ / "boot_id", 1h, clock_,
                          [this](LogLevel level, const std::string& line) {
                              log_.push_back({level, line});
                          });
    }
    std::uint64_t reserve_on_disk() const {
        return load_id_reserve(id_reserve_file(dir_ / "state.json"));
    }
    bool logged(const std::string& text) const {
        for (const auto& entry : log_) {
            if (entry.second.find(text) != std::string::npos) return true;
        }
        return false;
    }

    std::filesystem::path dir_;
    ManualClock clock_;
    std::vector<std::pair<LogLevel, std::string>> log_;
};

Baseline counters(std::uint64_t bytes_in) {
    Baseline baseline;
    baseline.interfaces.push_back({"eth0", bytes_in, 0, 0, 0, false});
    return baseline;
}

TEST_F(StateStoreTest, TheReserveIsRaisedOnlyWhenIdsAreUsed) {
    {
        auto first = store();
        first.load();
        first.save(nullptr, AgentStatus{}, AgentCounts{});  // started, never reported
    }
    EXPECT_EQ(reserve_on_disk(), 0u);
    auto second = store();
    second.load();
    const auto id = second.next_report_id();
    EXPECT_EQ(id, static_cast<std::uint64_t>(ManualClock::kWallStart.count()));
    second.save(nullptr, AgentStatus{}, AgentCounts{});
    EXPECT_EQ(reserve_on_disk(), id + kReportIdReserve);
    clock_.advance(5min);
    EXPECT_EQ(second.next_report_id(), id + 300);
    second.save(nullptr, AgentStatus{}, AgentCounts{});
    EXPECT_EQ(reserve_on_disk(), id + kReportIdReserve);  // still ahead: not written again
}

TEST_F(StateStoreTest, AfterARebootIdsContinueAboveTheReserve) {
    std::uint64_t reserve = 0;
    {
        auto before = store();
        before.load();
        before.next_report_id();
        before.save(nullptr, AgentStatus{}, AgentCounts{});
        reserve = before.reserved_through();
    }
    boot("boot-b");
    auto after = store();
    after.load();
    EXPECT_EQ(after.next_report_id(), reserve + 1);
    EXPECT_TRUE(logged("report ids continue above " + std::to_string(reserve)));
}

TEST_F(StateStoreTest, OnTheSameBootIdsContinueFromTheStateFile) {
    std::uint64_t last = 0;
    {
        auto before = store();
        before.load();
        last = before.next_report_id();
        before.save(nullptr, AgentStatus{}, AgentCounts{});
    }
    clock_.step_wall_clock(-1h);  // the clock stepped back meanwhile
    auto after = store();
    after.load();
    EXPECT_EQ(after.next_report_id(), last + 1);
    EXPECT_FALSE(logged("report ids continue above"));
}

TEST_F(StateStoreTest, TheBaselineIsKeptOnlyOnItsBoot) {
    {
        auto before = store();
        before.load();
        const auto baseline = counters(4096);
        before.save(&baseline, AgentStatus{}, AgentCounts{});
    }
    {
        auto same_boot = store();
        const auto earlier = same_boot.load();
        ASSERT_TRUE(earlier.baseline);
        EXPECT_EQ(earlier.baseline->interfaces.at(0).bytes_in, 4096u);
    }
    boot("boot-b");
    auto new_boot = store();
    EXPECT_FALSE(new_boot.load().baseline);
    EXPECT_TRUE(logged("new boot since the saved baseline; network deltas start afresh"));
}

TEST_F(StateStoreTest, TotalsAndTheLastReportOfEarlierRunsAddUp) {
    {
        auto first = store();
        first.load();
        AgentStatus status;
        status.last_report_id = 42;
        status.last_outcome = ReportOutcome::accepted;
        first.save(nullptr, status, AgentCounts{3, 2, 1, 0, 0});
    }
    auto second = store();
    const auto earlier = second.load();
    ASSERT_TRUE(earlier.status);
    EXPECT_EQ(earlier.status->last_report_id, 42u);
    EXPECT_EQ(earlier.status->last_outcome, ReportOutcome::accepted);
    const auto lifetime = second.lifetime(AgentCounts{1, 1, 0, 0, 0});
    EXPECT_EQ(lifetime.published, 4u);
    EXPECT_EQ(lifetime.accepted, 3u);
    EXPECT_EQ(lifetime.rejected, 1u);
    EXPECT_TRUE(logged("earlier runs: accepted 2, rejected 1, unanswered 0"));
}

TEST_F(StateStoreTest, WithoutAStateFileNothingIsWrittenAndIdsFollowTheClock) {
    StateStore none({}, {}, 1h, clock_, [](LogLevel, const std::string&) {});
    EXPECT_FALSE(none.load().baseline);
    EXPECT_EQ(none.next_report_id(), static_cast<std::uint64_t>(ManualClock::kWallStart.count()));
    none.save(nullptr, AgentStatus{}, AgentCounts{});
    EXPECT_FALSE(std::filesystem::exists(dir_ / "state.json"));
}

}  // namespace
}  // namespace defender
