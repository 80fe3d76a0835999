// SPDX-License-Identifier: Apache-2.0
// What the agent keeps across restarts: report ids that never repeat or go down through 200
// SIGKILLs at random moments, a state file that always loads, network deltas that continue
// from the saved baseline on the same boot and start afresh on a new one, and a state
// directory that cannot be written costing one warning, not the reports.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "agent/state_file.hpp"
#include "agent_test_rig.hpp"
#include "defender/encode.hpp"
#include "fake_procfs.hpp"
#include "fault_rig.hpp"
#include "temp_dir.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint64_t> published_ids(const std::string& log) {
    static const std::regex published("published report ([0-9]+) ");
    std::vector<std::uint64_t> ids;
    for (std::sregex_iterator it(log.begin(), log.end(), published), end; it != end; ++it)
        ids.push_back(std::stoull((*it)[1]));
    return ids;
}

TEST(Durability, ReportIdsNeverRepeatOrGoDownThrough200KillsAtRandomMoments) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto state_file = rig.work() / "state" / "state.json";
    const auto seed = std::random_device{}();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> lifetime_ms(0, 150);
    SCOPED_TRACE("seed " + std::to_string(seed));

    std::uint64_t highest_published = 0;
    std::size_t runs_that_published = 0;
    for (int run = 0; run < 200; ++run) {
        ChildProcess agent(rig.agent({"-t", "thing-kill", "-i", "0.02"}, "agent-kill"));
        if (run % 8 == 0) {
            // Every eighth run dies while reporting, however slow start-up is on this machine.
            eventually(
                [&] { return agent.stderr_text().find("published report") != std::string::npos; },
                10s);
            std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(random) / 3));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(random)));
        }
        agent.kill();

        const auto state = load_state(state_file);
        ASSERT_TRUE(state.ok()) << "run " << run << ": " << state.error().message;
        const auto ids = published_ids(agent.stderr_text());
        for (const auto id : ids) {
            ASSERT_GT(id, highest_published) << "run " << run << " reused or went below an id";
            highest_published = id;
        }
        if (!ids.empty()) {
            ++runs_that_published;
            ASSERT_GE(state->last_report_id, ids.back()) << "run " << run;
        }
    }
    EXPECT_GT(runs_that_published, 20u) << "too few runs got as far as publishing";

    // What the service saw, in arrival order: unique and strictly increasing.
    ASSERT_TRUE(eventually(
        [&] {
            const auto lines = rig.emulator_lines();
            return !lines.empty() && lines.back().report_id >= highest_published;
        },
        10s));
    std::uint64_t previous = 0;
    std::size_t received = 0;
    for (const auto& line : rig.emulator_lines()) {
        EXPECT_GT(line.report_id, previous) << "the service saw an id repeat or go down";
        previous = line.report_id;
        ++received;
    }
    std::cout << "200 kills: " << runs_that_published << " runs published, the service received "
              << received << " reports, all ids unique and increasing\n";
}

class BaselineAcrossRestarts : public ::testing::Test {
protected:
    BaselineAcrossRestarts() : procfs_(rig_.work() / "procfs", DEFENDER_FIXTURES "/proc/gateway") {
        rig_.start_emulator(0);
    }

    // Runs the agent until one report is answered and returns that report as stored.
    Report run_once() {
        ChildProcess agent(rig_.agent(
            {"-t", "thing-base", "-i", "1", "--exit-after", "1", "--procfs", procfs_.root()},
            "agent-" + std::to_string(++runs_)));
        const auto status = agent.wait_for(20s);
        EXPECT_TRUE(status && status->success()) << agent.stderr_text();
        last_log_ = agent.stderr_text();
        std::optional<Report> newest;
        for (const auto& entry : std::filesystem::directory_iterator(rig_.store_dir())) {
            auto report = decode(read_file(entry.path()));
            if (report.ok() && (!newest || report->report_id > newest->report_id))
                newest = std::move(*report);
        }
        if (!newest) throw std::runtime_error("no report stored");
        return *newest;
    }

    AgentRig rig_;
    FakeProcfs procfs_;
    std::string last_log_;
    int runs_ = 0;
};

TEST_F(BaselineAcrossRestarts, SameBootContinuesFromTheSavedCountersSoNothingIsLost) {
    procfs_.set_counters(1000, 10, 2000, 20);
    const auto first = run_once();
    EXPECT_FALSE(first.metrics->network_stats) << "the very first report has no deltas";

    procfs_.set_counters(1500, 17, 2900, 31);  // traffic while the agent was down
    const auto second = run_once();
    ASSERT_TRUE(second.metrics->network_stats) << last_log_;
    EXPECT_EQ(second.metrics->network_stats->bytes_in, 500u);
    EXPECT_EQ(second.metrics->network_stats->packets_in, 7u);
    EXPECT_EQ(second.metrics->network_stats->bytes_out, 900u);
    EXPECT_EQ(second.metrics->network_stats->packets_out, 11u);
    EXPECT_EQ(count_lines(last_log_, "continue from the baseline saved"), 1u) << last_log_;
}

TEST_F(BaselineAcrossRestarts, LifetimeTotalsAddUpOverRuns) {
    for (int run = 0; run < 3; ++run)
        run_once();
    const auto state = load_state(rig_.work() / "state" / "state.json");
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(state->totals.published, 3u);
    EXPECT_EQ(state->totals.accepted, 3u);
    EXPECT_EQ(state->totals.rejected + state->totals.unanswered + state->totals.failed, 0u);
    EXPECT_EQ(count_lines(last_log_, "earlier runs: "), 1u) << last_log_;
}

TEST_F(BaselineAcrossRestarts, NewBootStartsAfresh) {
    procfs_.set_counters(1000, 10, 2000, 20);
    run_once();
    procfs_.set_boot_id("00000000-0000-4000-8000-000000000002");
    procfs_.set_counters(300, 3, 400, 4);  // counters restarted with the machine
    const auto after_reboot = run_once();
    EXPECT_FALSE(after_reboot.metrics->network_stats) << last_log_;
    EXPECT_EQ(count_lines(last_log_, "new boot since the saved baseline"), 1u) << last_log_;

    procfs_.set_counters(350, 5, 400, 4);
    const auto next = run_once();
    ASSERT_TRUE(next.metrics->network_stats);
    EXPECT_EQ(next.metrics->network_stats->bytes_in, 50u);
}

// The state file is written without fsync; a power cut may bring back an older one. The
// synced id reserve keeps ids unique: after a reboot they continue above it.
TEST_F(BaselineAcrossRestarts, AfterARebootIdsContinueAboveTheSyncedReserve) {
    const auto state_file = rig_.work() / "state" / "state.json";
    const auto reserve_file = id_reserve_file(state_file);
    const auto first = run_once();
    ASSERT_EQ(load_id_reserve(reserve_file), first.report_id + kReportIdReserve);

    // Same boot: the state file is trusted, ids follow the clock (the reserve stays ahead).
    const auto second = run_once();
    EXPECT_GT(second.report_id, first.report_id);
    EXPECT_LT(second.report_id, first.report_id + kReportIdReserve);
    EXPECT_EQ(load_id_reserve(reserve_file), first.report_id + kReportIdReserve)
        << "no synced write while the reserve is ahead";

    // A power cut lost the last state writes (the file holds the first run's id) and the
    // machine came back with a new boot id.
    AgentState stale{first.report_id - 1, std::nullopt, "00000000-0000-4000-8000-000000000001"};
    ASSERT_TRUE(save_state(state_file, stale).ok());
    procfs_.set_boot_id("00000000-0000-4000-8000-000000000003");
    const auto after_reboot = run_once();
    EXPECT_EQ(after_reboot.report_id, first.report_id + kReportIdReserve + 1) << last_log_;
    EXPECT_EQ(count_lines(last_log_, "report ids continue above"), 1u) << last_log_;
    EXPECT_EQ(load_id_reserve(reserve_file), after_reboot.report_id + kReportIdReserve);
}

TEST(StateFileReserve, ReadsWhatItWritesAndZeroForAnythingElse) {
    TempDir dir;
    const auto file = dir / "state.json.id-reserve";
    EXPECT_EQ(load_id_reserve(file), 0u) << "missing";
    ASSERT_TRUE(save_id_reserve(file, 1795830000).ok());
    EXPECT_EQ(load_id_reserve(file), 1795830000u);
    for (const std::string damage : {"", "12x\n", "-5\n", "99999999999999999999999\n"}) {
        write_file(file, damage);
        EXPECT_EQ(load_id_reserve(file), 0u) << damage;
    }
}

TEST_F(BaselineAcrossRestarts, DamagedStateFileWarnsOnceAndIdsStayAboveTheClock) {
    const auto first = run_once();
    for (const std::string damage : {"{\"version\":1,\"last_rep", "\x01\x02 not json",
                                     "{\"version\":7,\"last_report_id\":1}"}) {
        write_file(rig_.work() / "state" / "state.json", damage);
        const auto epoch = static_cast<std::uint64_t>(::time(nullptr));
        const auto report = run_once();
        EXPECT_GE(report.report_id, epoch);
        EXPECT_FALSE(report.metrics->network_stats) << "a damaged file carries no baseline";
        EXPECT_EQ(count_lines(last_log_, "starting afresh with report ids from the clock"), 1u)
            << last_log_;
        EXPECT_TRUE(load_state(rig_.work() / "state" / "state.json").ok()) << "rewritten";
    }
}

TEST(DurabilityStateDirectory, UnwritableStateWarnsOnceAndReportingGoesOn) {
    AgentRig rig;
    rig.start_emulator(0);
    // A directory where the temporary file must go: every write of the state fails.
    std::filesystem::create_directories(rig.work() / "state" / "state.json.tmp");
    ChildProcess agent(rig.agent({"-t", "thing-ro", "-i", "0.1"}));
    ASSERT_TRUE(rig.wait_for_accepted(10, 30s)) << agent.stderr_text();
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_GT(count_lines(log, "cannot write state file"), 5u) << "every failure is logged";
    EXPECT_EQ(count_warnings(log, "cannot write state file"), 1u) << log;
}

TEST(DurabilityStateDirectory, FullFileSystemWarnsOnceAndRecoversWhenSpaceReturns) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
    AgentRig rig;
    const auto state_dir = rig.work() / "state";
    std::filesystem::create_directories(state_dir);
    if (::mount("tmpfs", state_dir.c_str(), "tmpfs", 0, "size=64k,mode=0700") != 0)
        GTEST_SKIP() << "cannot mount tmpfs here";
    struct Unmount {
        std::filesystem::path dir;
        ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } unmount{state_dir};
    {
        std::ofstream filler(state_dir / "filler", std::ios::binary);
        const std::string block(4096, 'x');
        for (int i = 0; i < 64 && filler; ++i)
            filler << block;
    }
    rig.start_emulator(0);
    ChildProcess agent(rig.agent({"-t", "thing-full", "-i", "0.1"}));
    ASSERT_TRUE(rig.wait_for_accepted(10, 30s)) << agent.stderr_text();
    std::filesystem::remove(state_dir / "filler");
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("written again") != std::string::npos; }, 10s));
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "cannot write state file"), 1u) << log;
    EXPECT_TRUE(load_state(state_dir / "state.json").ok());
}

}  // namespace
}  // namespace defender::test
