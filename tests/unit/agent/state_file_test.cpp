// SPDX-License-Identifier: Apache-2.0
// The agent's state file: round trip, and every kind of damage gives an error, never a crash.

#include "agent/state_file.hpp"
#include "agent/state_slots.hpp"

#include "agent/repeat_limiter.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace defender {
namespace {

class AgentStateFile : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/defender-state-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path file() const { return dir_ / "state.json"; }
    void write(const std::string& text) const { std::ofstream(file(), std::ios::binary) << text; }

    static AgentState full_state() {
        Baseline baseline;
        baseline.interfaces = {{"eth0", 18446744073709551615ull, 2, 3, 4, false},
                               {"lo", 5, 6, 7, 8, true}};
        baseline.cpu = CpuTimes{100, 400};
        return {1700000000123, baseline, "6c1b6a43-4b2f-4e52-9d8a-0c6a1d2c3e4f"};
    }

    std::filesystem::path dir_;
};

void expect_same(const AgentState& a, const AgentState& b) {
    EXPECT_EQ(a.last_report_id, b.last_report_id);
    EXPECT_EQ(a.boot_id, b.boot_id);
    ASSERT_EQ(a.baseline.has_value(), b.baseline.has_value());
    if (!a.baseline) return;
    ASSERT_EQ(a.baseline->interfaces.size(), b.baseline->interfaces.size());
    for (std::size_t i = 0; i < a.baseline->interfaces.size(); ++i) {
        const auto& x = a.baseline->interfaces[i];
        const auto& y = b.baseline->interfaces[i];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.bytes_in, y.bytes_in);
        EXPECT_EQ(x.packets_in, y.packets_in);
        EXPECT_EQ(x.bytes_out, y.bytes_out);
        EXPECT_EQ(x.packets_out, y.packets_out);
        EXPECT_EQ(x.loopback, y.loopback);
    }
    ASSERT_EQ(a.baseline->cpu.has_value(), b.baseline->cpu.has_value());
    if (a.baseline->cpu) {
        EXPECT_EQ(a.baseline->cpu->busy, b.baseline->cpu->busy);
        EXPECT_EQ(a.baseline->cpu->total, b.baseline->cpu->total);
    }
}

TEST_F(AgentStateFile, MissingFileIsAFreshStart) {
    const auto state = load_state(file());
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->last_report_id, 0u);
    EXPECT_FALSE(state->baseline);
}

TEST_F(AgentStateFile, RoundTripsIdBaselineAndBootId) {
    ASSERT_TRUE(save_state(file(), full_state()).ok());
    const auto loaded = load_state(file());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expect_same(*loaded, full_state());
    EXPECT_FALSE(std::filesystem::exists(file().string() + ".tmp"));
    EXPECT_EQ(std::filesystem::status(file()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(AgentStateFile, RoundTripsWithoutBaseline) {
    ASSERT_TRUE(save_state(file(), {42, std::nullopt, {}}).ok());
    const auto loaded = load_state(file());
    ASSERT_TRUE(loaded.ok());
    expect_same(*loaded, {42, std::nullopt, {}});
}

TEST_F(AgentStateFile, RoundTripsTheLifetimeTotals) {
    AgentState state{7, std::nullopt, {}};
    state.totals = {10, 6, 2, 1, 3};
    ASSERT_TRUE(save_state(file(), state).ok());
    const auto loaded = load_state(file());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->totals.published, 10u);
    EXPECT_EQ(loaded->totals.accepted, 6u);
    EXPECT_EQ(loaded->totals.rejected, 2u);
    EXPECT_EQ(loaded->totals.unanswered, 1u);
    EXPECT_EQ(loaded->totals.failed, 3u);
}

TEST_F(AgentStateFile, DamagedTotalsAreAnError) {
    for (const std::string totals :
         {R"("many")", R"({"published":1})",
          R"({"published":-1,"accepted":0,"rejected":0,"unanswered":0,"failed":0})"}) {
        write(R"({"version":1,"last_report_id":5,"totals":)" + totals + "}");
        const auto loaded = load_state(file());
        ASSERT_FALSE(loaded.ok()) << totals;
        EXPECT_NE(loaded.error().message.find("invalid totals"), std::string::npos);
    }
}

TEST_F(AgentStateFile, ReadsTheFirstVersionsFileWithOnlyTheReportId) {
    write(R"({"version":1,"last_report_id":1700000000})");
    const auto loaded = load_state(file());
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->last_report_id, 1700000000u);
    EXPECT_FALSE(loaded->baseline);
    EXPECT_EQ(loaded->totals.published, 0u) << "no totals yet: they start from zero";
}

TEST_F(AgentStateFile, EveryTruncationIsAnErrorNamingTheFile) {
    const std::string text = encode_state(full_state());
    for (std::size_t length = 0; length + 1 < text.size(); ++length) {
        write(text.substr(0, length));
        const auto loaded = load_state(file());
        ASSERT_FALSE(loaded.ok()) << "prefix of " << length << " bytes loaded";
        EXPECT_NE(loaded.error().message.find(file().string()), std::string::npos);
    }
}

TEST_F(AgentStateFile, DamagedContentIsAnError) {
    for (
        const std::string text : {
            "",
            "\x00\x01\x02garbage",
            "[1,2,3]",
            "null",
            R"({"last_report_id":5})",
            R"({"version":"1","last_report_id":5})",
            R"({"version":2,"last_report_id":5})",
            R"({"version":99999999999999999999,"last_report_id":5})",
            R"({"version":1,"last_report_id":-5})",
            R"({"version":1,"last_report_id":"5"})",
            R"({"version":1,"last_report_id":5.5})",
            R"({"version":1,"last_report_id":5,"baseline":{"interfaces":[]}})",
            R"({"version":1,"last_report_id":5,"boot_id":"b","baseline":[]})",
            R"({"version":1,"last_report_id":5,"boot_id":"b","baseline":{"interfaces":[{"name":"eth0"}]}})",
            R"({"version":1,"last_report_id":5,"boot_id":"b","baseline":{"interfaces":[],"cpu":{"busy":-1,"total":2}}})",
            R"({"version":1,"last_report_id":5,"boot_id":7,"baseline":{"interfaces":[]}})",
        }) {
        write(text);
        const auto loaded = load_state(file());
        EXPECT_FALSE(loaded.ok()) << text;
    }
}

TEST_F(AgentStateFile, FutureVersionNamesBothVersions) {
    write(R"({"version":2,"last_report_id":5})");
    const auto loaded = load_state(file());
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find("version 2"), std::string::npos);
}

TEST_F(AgentStateFile, UnreadableFileIsAnError) {
    std::filesystem::create_directory(file());  // a directory cannot be read as a file
    EXPECT_FALSE(load_state(file()).ok());
}

TEST_F(AgentStateFile, UnwritableDirectoryIsAnErrorAndKeepsTheOldFile) {
    ASSERT_TRUE(save_state(file(), {7, std::nullopt, {}}).ok());
    std::filesystem::create_directory(file().string() + ".tmp");  // blocks the temporary file
    const auto saved = save_state(file(), {8, std::nullopt, {}});
    ASSERT_FALSE(saved.ok());
    EXPECT_NE(saved.error().message.find("state.json.tmp"), std::string::npos);
    EXPECT_EQ(load_state(file())->last_report_id, 7u);
}

TEST_F(AgentStateFile, MissingDirectoryIsAnError) {
    EXPECT_FALSE(save_state(dir_ / "no" / "such" / "state.json", {1, std::nullopt, {}}).ok());
}

TEST_F(AgentStateFile, BootIdIsReadWithoutTheNewline) {
    std::ofstream(dir_ / "boot_id") << "6c1b6a43-4b2f-4e52-9d8a-0c6a1d2c3e4f\n";
    EXPECT_EQ(read_boot_id(dir_ / "boot_id"), "6c1b6a43-4b2f-4e52-9d8a-0c6a1d2c3e4f");
    EXPECT_EQ(read_boot_id(dir_ / "missing"), "");
    EXPECT_EQ(read_boot_id(""), "");
}

TEST_F(AgentStateFile, ThisMachinesBootIdIsReadable) {
    EXPECT_EQ(read_boot_id("/proc/sys/kernel/random/boot_id").size(), 36u);
}

// A state file that cannot be written (and other repeating faults) warns once an hour.
// --- the slotted file the agent writes in place (state_slots.hpp) -------------------------

TEST_F(AgentStateFile, TheWriterAlternatesSlotsAndLoadReadsTheNewest) {
    StateWriter writer(file());
    for (std::uint64_t id = 1; id <= 5; ++id) {
        AgentState state = full_state();
        state.last_report_id = id;
        ASSERT_TRUE(writer.write(state).ok());
        const auto loaded = load_state(file());
        ASSERT_TRUE(loaded.ok()) << loaded.error().message;
        EXPECT_EQ(loaded->last_report_id, id);
        EXPECT_EQ(*loaded, state);
    }
    EXPECT_EQ(std::filesystem::file_size(file()) % 4096, 0u);
}

TEST_F(AgentStateFile, AWriteTornAnywhereLeavesTheOtherSlot) {
    StateWriter writer(file());
    ASSERT_TRUE(writer.write({10, std::nullopt, {}}).ok());
    ASSERT_TRUE(writer.write({11, std::nullopt, {}}).ok());  // the newest, in the first slot
    std::string text;
    {
        std::ifstream in(file(), std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::size_t slot = text.size() / 2;
    // Damage one byte of the newest slot's header or JSON: the older slot is read. The
    // padding after them is not checked.
    const std::size_t json_end = text.find('\n') + 1 + encode_state({11, std::nullopt, {}}).size();
    for (std::size_t at = 0; at < json_end + 40; ++at) {
        std::string damaged = text;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
        const auto loaded = decode_slotted_state(damaged, "state.json");
        ASSERT_TRUE(loaded.ok()) << at;
        EXPECT_EQ(loaded->last_report_id, at < json_end ? 10u : 11u) << at;
    }
    // Both slots damaged: an error naming the file.
    std::string both = text;
    both[60] ^= 0x01;
    both[slot + 60] ^= 0x01;
    const auto loaded = decode_slotted_state(both, "state.json");
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().message, "state file state.json is corrupt (no intact copy)");
    EXPECT_FALSE(decode_slotted_state(text.substr(0, text.size() - 1), "state.json").ok())
        << "an odd size is no slotted file";
}

TEST_F(AgentStateFile, AStateOutgrowingItsSlotMakesAFreshFile) {
    StateWriter writer(file());
    ASSERT_TRUE(writer.write({1, std::nullopt, {}}).ok());
    const auto small = std::filesystem::file_size(file());
    AgentState big = full_state();
    big.boot_id = std::string(9000, 'b');
    ASSERT_TRUE(writer.write(big).ok());
    EXPECT_GT(std::filesystem::file_size(file()), small);
    const auto loaded = load_state(file());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(*loaded, big);
}

// Hostile state directories (issue #19 items 2, 7, 13); each test failed before the fix.

constexpr std::uint64_t k2To53 = std::uint64_t{1} << 53;

std::string content_of(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(AgentStateFile, APlantedTemporarySymlinkIsNeverWrittenThrough) {
    const auto victim = dir_ / "victim";
    std::ofstream(victim) << "victim\n";
    for (const auto& target : {file(), id_reserve_file(file())}) {
        const std::filesystem::path temporary = target.string() + ".tmp";
        std::filesystem::create_symlink(victim, temporary);
        if (target == file()) {
            ASSERT_TRUE(save_state(target, {7, std::nullopt, {}}).ok());
            ASSERT_TRUE(StateWriter(target).write({8, std::nullopt, {}}).ok());
            EXPECT_EQ(load_state(target)->last_report_id, 8u);
        } else {
            ASSERT_TRUE(save_id_reserve(target, 3600).ok());
            EXPECT_EQ(load_id_reserve(target), 3600u);
        }
        EXPECT_EQ(content_of(victim), "victim\n") << target;
        EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(temporary)));
        EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(target)));
    }
}

TEST_F(AgentStateFile, ADanglingTemporarySymlinkCreatesNothing) {
    const auto target = dir_ / "would-be-created";
    std::filesystem::create_symlink(target, file().string() + ".tmp");
    ASSERT_TRUE(save_state(file(), {7, std::nullopt, {}}).ok());
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(target)));
}

TEST_F(AgentStateFile, StateAndReserveFilesThatAreSymlinksAreNotRead) {
    const auto other = dir_ / "elsewhere.json";
    ASSERT_TRUE(save_state(other, {1234, std::nullopt, {}}).ok());
    std::filesystem::create_symlink(other, file());
    const auto loaded = load_state(file());
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find("is a symbolic link"), std::string::npos)
        << loaded.error().message;

    std::ofstream(dir_ / "number") << "5000\n";
    std::filesystem::create_symlink(dir_ / "number", id_reserve_file(file()));
    EXPECT_EQ(load_id_reserve(id_reserve_file(file())), 0u);

    // Writing replaces the link itself; its target stays as it was.
    ASSERT_TRUE(StateWriter(file()).write({9, std::nullopt, {}}).ok());
    ASSERT_TRUE(save_id_reserve(id_reserve_file(file()), 3609).ok());
    EXPECT_EQ(load_state(other)->last_report_id, 1234u);
    EXPECT_EQ(content_of(dir_ / "number"), "5000\n");
    EXPECT_EQ(load_state(file())->last_report_id, 9u);
}

TEST_F(AgentStateFile, AStateFileOverTheSizeCapIsAnError) {
    write(R"({"version":1,"last_report_id":5})" + std::string(kMaxStateFileBytes, ' '));
    const auto loaded = load_state(file());
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find("is larger than"), std::string::npos)
        << loaded.error().message;
}

TEST_F(AgentStateFile, IdsTooCloseTo2To53AreCorrupt) {
    // The agent continues after the saved id and keeps a reserve 3600 above it: both must
    // stay below 2^53, the limit of report ids.
    for (const std::uint64_t id :
         {k2To53 - kReportIdReserve - 1, k2To53 - 1, k2To53, k2To53 + 1, ~std::uint64_t{0}}) {
        write(R"({"version":1,"last_report_id":)" + std::to_string(id) + "}");
        const auto loaded = load_state(file());
        ASSERT_FALSE(loaded.ok()) << id;
        EXPECT_NE(loaded.error().message.find("2^53"), std::string::npos) << loaded.error().message;
        std::ofstream(id_reserve_file(file())) << id << "\n";
        EXPECT_EQ(load_id_reserve(id_reserve_file(file())), 0u) << id;
    }
    const std::uint64_t highest = k2To53 - kReportIdReserve - 2;
    write(R"({"version":1,"last_report_id":)" + std::to_string(highest) + "}");
    EXPECT_EQ(load_state(file())->last_report_id, highest);
    std::ofstream(id_reserve_file(file())) << highest << "\n";
    EXPECT_EQ(load_id_reserve(id_reserve_file(file())), highest);
}

TEST_F(AgentStateFile, AFifoIsRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo(file().c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo(id_reserve_file(file()).c_str(), 0600), 0);
    const auto loaded = load_state(file());  // blocked for ever before the fix
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().message, "state file " + file().string() + " is not a regular file");
    const auto reserve = read_id_reserve(id_reserve_file(file()));
    ASSERT_FALSE(reserve.ok());
    EXPECT_EQ(reserve.error().message,
              "id reserve file " + id_reserve_file(file()).string() + " is not a regular file");
    // The next writes replace them.
    ASSERT_TRUE(StateWriter(file()).write({5, std::nullopt, {}}).ok());
    ASSERT_TRUE(save_id_reserve(id_reserve_file(file()), 3605).ok());
    EXPECT_EQ(load_state(file())->last_report_id, 5u);
    EXPECT_EQ(*read_id_reserve(id_reserve_file(file())), 3605u);
}

TEST_F(AgentStateFile, TheReserveNamesWhatIsWrongWithIt) {
    const auto reserve_file = id_reserve_file(file());
    EXPECT_EQ(*read_id_reserve(reserve_file), 0u) << "missing: none yet";
    for (const std::string damage :
         {"", "\n", "12x\n", "-5\n", " 5\n", "99999999999999999999999\n"}) {
        std::ofstream(reserve_file, std::ios::binary | std::ios::trunc) << damage;
        const auto reserve = read_id_reserve(reserve_file);
        ASSERT_FALSE(reserve.ok()) << damage;
        EXPECT_EQ(reserve.error().message,
                  "id reserve file " + reserve_file.string() + " is corrupt");
    }
    std::ofstream(reserve_file, std::ios::binary | std::ios::trunc) << std::string(100, '1');
    ASSERT_FALSE(read_id_reserve(reserve_file).ok());
    EXPECT_NE(read_id_reserve(reserve_file).error().message.find("is larger than 64 bytes"),
              std::string::npos);
    std::ofstream(reserve_file, std::ios::binary | std::ios::trunc) << "1795830000";
    EXPECT_EQ(*read_id_reserve(reserve_file), 1795830000u) << "no newline is fine";
}

TEST_F(AgentStateFile, TheWriterNeverMakesAFileTheLoaderRefuses) {
    const auto state_with = [](std::size_t interfaces) {
        AgentState state = full_state();
        state.baseline->interfaces.clear();
        for (std::size_t i = 0; i < interfaces; ++i)
            state.baseline->interfaces.push_back({"veth" + std::to_string(1000000 + i), 1ull << 62,
                                                  1ull << 50, 1ull << 62, 1ull << 50, false});
        return state;
    };
    StateWriter writer(file());
    const auto many = state_with(1500);
    ASSERT_TRUE(writer.write(many).ok());
    ASSERT_TRUE(writer.write(many).ok());
    EXPECT_LE(std::filesystem::file_size(file()), kMaxStateFileBytes);
    ASSERT_TRUE(load_state(file()).ok());
    EXPECT_EQ(*load_state(file()), many);

    const auto saved = writer.write(state_with(5000));
    ASSERT_FALSE(saved.ok());
    EXPECT_NE(saved.error().message.find("does not fit"), std::string::npos);
}

TEST_F(AgentStateFile, TheInPlaceWriterNeverReopensTheFileByItsName) {
    const auto victim = dir_ / "victim";
    std::ofstream(victim) << "victim\n";
    StateWriter writer(file());
    ASSERT_TRUE(writer.write({1, std::nullopt, {}}).ok());
    std::filesystem::remove(file());
    std::filesystem::create_symlink(victim, file());
    for (std::uint64_t id = 2; id < 6; ++id)
        ASSERT_TRUE(writer.write({id, std::nullopt, {}}).ok());
    EXPECT_EQ(content_of(victim), "victim\n");
}

TEST_F(AgentStateFile, AStateDirectoryOthersCanWriteIsWarnedAboutOrRefused) {
    using std::filesystem::perms;
    const auto check_with = [&](perms mode) {
        std::filesystem::permissions(dir_, mode);
        return check_state_directory(file());
    };
    EXPECT_FALSE(*check_with(perms::owner_all));
    EXPECT_FALSE(*check_with(perms::owner_all | perms::group_read | perms::group_exec |
                             perms::others_read | perms::others_exec));
    const auto group = check_with(perms::owner_all | perms::group_all);
    ASSERT_TRUE(group.ok() && *group);
    EXPECT_EQ(**group, "state directory " + dir_.string() +
                           " can be written by other users (mode 0770): they could forge the "
                           "saved report id and baseline (chmod 700 it)");
    const auto sticky = check_with(perms::all | perms::sticky_bit);
    ASSERT_TRUE(sticky.ok() && *sticky);
    EXPECT_NE(sticky->value().find("(mode 1777)"), std::string::npos);
    const auto everyone = check_with(perms::all);
    ASSERT_FALSE(everyone.ok());
    EXPECT_EQ(everyone.error().message,
              "state directory " + dir_.string() +
                  " can be written by other users (mode 0777, no sticky bit): they could "
                  "replace or remove its files; the state is not kept (chmod 700 it)");
    std::filesystem::permissions(dir_, perms::owner_all);
    EXPECT_FALSE(*check_state_directory(dir_ / "missing" / "state.json")) << "not there (yet)";
}

TEST(RepeatLimiter, WarnsOncePerPeriod) {
    using namespace std::chrono_literals;
    RepeatLimiter limiter(1h);
    const auto start = RepeatLimiter::Clock::time_point{} + 24h;
    EXPECT_TRUE(limiter.warn(start));
    EXPECT_FALSE(limiter.warn(start + 1s));
    EXPECT_FALSE(limiter.warn(start + 59min));
    EXPECT_TRUE(limiter.warn(start + 60min));
    EXPECT_FALSE(limiter.warn(start + 61min));
}

}  // namespace
}  // namespace defender
