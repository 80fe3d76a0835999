// SPDX-License-Identifier: Apache-2.0
// Hostile state directories (issue #19 items 2, 7 and 13): the real `defender agent` (against
// mosquitto and the emulator; a dry run keeps no state) with symbolic links planted at the
// names it writes, FIFOs where its files belong, a state directory anyone can write, and
// report ids at or above 2^53 in its files. The agent must never write through a link, never
// hang, and never send an invalid id.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "agent/state_file.hpp"
#include "agent_test_rig.hpp"
#include "fault_rig.hpp"
#include "temp_dir.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::uint64_t k2To53 = std::uint64_t{1} << 53;

struct AgentRun {
    std::string log;
    std::uint64_t report_id = 0;  // of the one report published
};

class HostileStateDirectory : public ::testing::Test {
protected:
    HostileStateDirectory() {
        rig_.start_emulator(0);
        fs::create_directory(state_dir());
        fs::create_directory(elsewhere());
        write_file(victim(), "the victim's own content\n");
    }

    fs::path state_dir() const { return rig_.work() / "state"; }
    fs::path state_file() const { return state_dir() / "state.json"; }
    // Where the links point: a directory of the same user outside the state directory.
    fs::path elsewhere() const { return rig_.work() / "elsewhere"; }
    fs::path victim() const { return elsewhere() / "victim"; }

    void fresh_state_dir() const {
        fs::remove_all(state_dir());
        fs::create_directory(state_dir());
    }

    // The agent until one report is answered, with the state kept in state_dir(); a hang
    // (30 s) fails the test.
    AgentRun run_agent() {
        ChildProcess agent(rig_.agent({"-t", "thing-hostile", "-i", "1", "--exit-after", "1"},
                                      "agent-" + std::to_string(++runs_)));
        const auto status = agent.wait_for(30s);
        EXPECT_TRUE(status) << "the agent hung: " << agent.stderr_text();
        EXPECT_TRUE(status && status->success()) << agent.stderr_text();
        AgentRun run{agent.stderr_text()};
        static const std::regex published("published report ([0-9]+) ");
        std::smatch match;
        EXPECT_TRUE(std::regex_search(run.log, match, published)) << run.log;
        if (!match.empty()) run.report_id = std::stoull(match[1]);
        return run;
    }

    static bool is_regular(const fs::path& path) {
        return fs::is_regular_file(fs::symlink_status(path));
    }

    AgentRig rig_;
    int runs_ = 0;
};

// Fails before the fix: the temporary file was opened with O_CREAT|O_TRUNC and no
// O_NOFOLLOW|O_EXCL, so the link's target got the state file's content.
TEST_F(HostileStateDirectory, SymlinksPlantedAtEveryNameNeverRedirectAWrite) {
    for (const std::string name :
         {"state.json.tmp", "state.json", "state.json.id-reserve", "state.json.id-reserve.tmp"}) {
        SCOPED_TRACE(name);
        fresh_state_dir();
        write_file(victim(), "the victim's own content\n");
        fs::create_symlink(victim(), state_dir() / name);
        const auto first = run_agent();
        const auto second = run_agent();  // the state file exists now: the in-place writer
        EXPECT_EQ(read_file(victim()), "the victim's own content\n") << first.log;
        EXPECT_TRUE(is_regular(state_file()));
        EXPECT_TRUE(is_regular(id_reserve_file(state_file())));
        const auto state = load_state(state_file());
        ASSERT_TRUE(state.ok()) << state.error().message;
        EXPECT_EQ(state->last_report_id, second.report_id);
        EXPECT_GT(second.report_id, first.report_id);
    }
}

// Fails before the fix: O_CREAT followed the dangling link and made the file it names.
TEST_F(HostileStateDirectory, ADanglingSymlinkNeverCreatesItsTarget) {
    for (const std::string name : {"state.json.tmp", "state.json.id-reserve.tmp"}) {
        SCOPED_TRACE(name);
        const auto target = elsewhere() / ("created-through-" + name);
        fs::create_symlink(target, state_dir() / name);
        run_agent();
        EXPECT_FALSE(fs::exists(fs::symlink_status(target)));
    }
}

// Fails before the fix: the state file was read through the link.
TEST_F(HostileStateDirectory, AStateFileThatIsASymlinkIsNotRead) {
    const auto forged_id = static_cast<std::uint64_t>(::time(nullptr)) + 1000000;
    ASSERT_TRUE(save_state(elsewhere() / "forged.json", AgentState{forged_id}).ok());
    const auto forged = read_file(elsewhere() / "forged.json");
    fs::create_symlink(elsewhere() / "forged.json", state_file());
    const auto run = run_agent();
    EXPECT_EQ(count_warnings(run.log, "is a symbolic link"), 1u) << run.log;
    EXPECT_LT(run.report_id, forged_id) << "the forged id was used";
    EXPECT_TRUE(is_regular(state_file())) << "the write replaced the link";
    EXPECT_EQ(read_file(elsewhere() / "forged.json"), forged) << "and left its target alone";
}

// Fails before the fix: opening a FIFO for reading blocks until a writer comes, forever.
TEST_F(HostileStateDirectory, AFifoInPlaceOfAStateFileIsRefusedAndReplaced) {
    for (const std::string name : {"state.json", "state.json.id-reserve"}) {
        SCOPED_TRACE(name);
        fresh_state_dir();
        ASSERT_EQ(::mkfifo((state_dir() / name).c_str(), 0600), 0);
        const auto run = run_agent();
        EXPECT_EQ(count_warnings(run.log, "is not a regular file"), 1u) << run.log;
        EXPECT_TRUE(is_regular(state_dir() / name)) << "the next write replaces it";
    }
}

// Fails before the fix: a state file of many megabytes was read whole.
TEST_F(HostileStateDirectory, AHugeStateFileIsRefused) {
    write_file(state_file(),
               R"({"version":1,"last_report_id":5})" + std::string(4 << 20, ' ') + "\n");
    const auto run = run_agent();
    EXPECT_EQ(count_warnings(run.log, "is larger than"), 1u) << run.log;
    EXPECT_LT(fs::file_size(state_file()), std::uintmax_t{1} << 20) << "rewritten";
}

// Fails before the fix: 2^53 was loaded and every report after it carried an invalid id
// (and 2^64 - 1 wrapped to 0).
TEST_F(HostileStateDirectory, IdsAtOrAbove2To53InTheStateFileAreCorrupt) {
    for (const std::uint64_t id : {k2To53 - 1, k2To53, ~std::uint64_t{0}}) {
        SCOPED_TRACE(id);
        fresh_state_dir();
        write_file(state_file(), R"({"version":1,"last_report_id":)" + std::to_string(id) + "}\n");
        const auto run = run_agent();
        const auto epoch = static_cast<std::uint64_t>(::time(nullptr));
        EXPECT_LT(run.report_id, k2To53);
        EXPECT_GE(run.report_id, epoch - 60);
        EXPECT_LT(run.report_id, epoch + 3600) << "ids come from the clock";
        EXPECT_EQ(count_warnings(run.log, "starting afresh"), 1u) << run.log;
    }
}

// Fails before the fix: after a reboot ids continued above a reserve of 2^53 (or more).
TEST_F(HostileStateDirectory, AReserveAtOrAbove2To53IsCorrupt) {
    for (const std::string reserve : {"9007199254740992", "18446744073709551615"}) {
        SCOPED_TRACE(reserve);
        fresh_state_dir();
        // No baseline, so no boot id: the agent treats the start as one after a reboot.
        ASSERT_TRUE(save_state(state_file(), AgentState{1000}).ok());
        write_file(id_reserve_file(state_file()), reserve + "\n");
        const auto run = run_agent();
        EXPECT_LT(run.report_id, k2To53) << run.log;
        EXPECT_EQ(count_warnings(run.log, "id reserve"), 1u) << run.log;
    }
}

// Fails before the fix: nothing was said, and a directory every user may write (and rename
// in) was used.
TEST_F(HostileStateDirectory, AStateDirectoryOthersCanWriteIsWarnedAboutOrRefused) {
    struct Case {
        fs::perms mode;
        bool refused;
    };
    using fs::perms;
    for (const auto& [mode, refused] :
         {Case{perms::owner_all | perms::group_all | perms::others_read | perms::others_exec,
               false},
          Case{perms::all | perms::sticky_bit, false}, Case{perms::all, true}}) {
        SCOPED_TRACE(static_cast<int>(mode));
        fresh_state_dir();
        fs::permissions(state_dir(), mode);
        const auto run = run_agent();
        EXPECT_EQ(count_warnings(run.log, "can be written by other users"), 1u) << run.log;
        EXPECT_EQ(fs::exists(state_file()), !refused) << run.log;
    }
    // 0755 and 0700: not a word.
    for (const auto mode : {perms::owner_all | perms::group_read | perms::group_exec |
                                perms::others_read | perms::others_exec,
                            perms::owner_all}) {
        fresh_state_dir();
        fs::permissions(state_dir(), mode);
        const auto run = run_agent();
        EXPECT_EQ(count_lines(run.log, "can be written by other users"), 0u);
        EXPECT_TRUE(is_regular(state_file()));
    }
}

}  // namespace
}  // namespace defender::test
