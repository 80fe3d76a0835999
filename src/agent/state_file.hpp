// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the agent keeps across restarts, in one small JSON file written atomically.
//
// Every file in the state directory is opened relative to the directory, never through a
// symbolic link at its name (O_NOFOLLOW), new files only as new inodes (O_EXCL), and only a
// regular file of bounded size is read (a FIFO neither blocks nor is read): a state directory
// that others can write in cannot make the agent write, create or read anything elsewhere.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "defender/agent.hpp"
#include "defender/report_builder.hpp"
#include "defender/result.hpp"
#include "util/unique_fd.hpp"

namespace defender {

/// The status of the agent that last wrote the file, for `defender status`: the process, its
/// boot, when it wrote it, and what it knew then (the totals are AgentState::totals).
struct SavedStatus {
    AgentStatus status;
    std::int64_t pid = 0;
    std::string boot_id;
    AgentStatus::WallTime updated{};
};

/// Error and detail texts are cut to this many bytes in the state file.
inline constexpr std::size_t kMaxStatusTextBytes = 512;

struct AgentState {
    AgentState(std::uint64_t last_id = 0, std::optional<Baseline> saved = std::nullopt,
               std::string boot = {})
        : last_report_id(last_id), baseline(std::move(saved)), boot_id(std::move(boot)) {}

    std::uint64_t last_report_id = 0;
    /// The counters the next report's deltas start from, and the boot they were read in
    /// (counters of another boot mean nothing: they restarted from zero).
    std::optional<Baseline> baseline;
    std::string boot_id;
    /// Reports over the agent's whole life, all runs together (a run's own are in run()).
    AgentCounts totals;
    /// Optional in version 1: older agents neither write nor read it. An invalid one is
    /// dropped (the rest of the file still counts).
    std::optional<SavedStatus> status;
};

bool operator==(const AgentState& a, const AgentState& b);

/// The largest state file read: its two slots hold a baseline of about 1 700 interfaces.
inline constexpr std::size_t kMaxStateFileBytes = std::size_t{1} << 20;

/// A missing file is a fresh start (default state); an unreadable, corrupt, truncated or
/// future-version file, a symbolic link, anything but a regular file, and a file over
/// kMaxStateFileBytes are an Error naming the file and the problem.
Result<AgentState> load_state(const std::filesystem::path& file);

/// What the permissions of the state file's directory allow others: an Error when every user
/// may create, replace and remove files in it (writable by others, no sticky bit), so the
/// agent must not keep its state there; a warning when group or others may write in it
/// (they could forge the saved report id and baseline); nullopt when only its owner may, or
/// when it does not exist (yet).
Result<std::optional<std::string>> check_state_directory(const std::filesystem::path& state_file);

/// Writes a temporary file and renames it over `file`, so a crash of the process leaves
/// either the old or the new state, never a torn one. With `synced`, the file and then the
/// directory are fsynced too, which a power cut needs. The agent writes unsynced: what a
/// power cut could lose is either tied to the boot (the baseline: a new boot starts afresh
/// anyway) or guarded by the synced id reserve below.
Status save_state(const std::filesystem::path& file, const AgentState& state, bool synced = true);

/// `bytes` as the whole content of `file`, through a temporary file and a rename (synced:
/// with fsyncs of the data and the directory).
Status save_state_bytes(const std::filesystem::path& file, const std::string& bytes, bool synced);

/// As save_state_bytes, unsynced, for another file the agent keeps in a directory others may
/// write (`what` names it in errors, e.g. "report log file").
Status save_file_bytes(const std::filesystem::path& file, const std::string& bytes,
                       const std::string& what);

/// As save_state_bytes, and returns the new file open for writing (what StateWriter writes
/// in place later: the file is never opened again by its name).
Result<util::UniqueFd> replace_state_file(const std::filesystem::path& file,
                                          const std::string& bytes, bool synced);

/// How far past the newest report id the durable reserve reaches: ids are about epoch
/// seconds, so at the default 5-minute interval the reserve is synced about once an hour.
inline constexpr std::uint64_t kReportIdReserve = 3600;

/// Report ids stay below 2^53 (JSON parsers lose precision above it; Device Defender
/// rejects such ids).
inline constexpr std::uint64_t kReportIdLimit = std::uint64_t{1} << 53;
/// The highest last report id or reserve a state file may hold: the next id and the reserve
/// kept above it stay below 2^53. Anything higher is corrupt (it would make every report
/// invalid, or wrap past 2^64 to 0).
inline constexpr std::uint64_t kMaxSavedReportId = kReportIdLimit - 1 - kReportIdReserve - 1;

/// `<state file>.id-reserve`: a number no report id has reached yet, written with fsyncs
/// before an id reaches it. After a reboot (which may have been a power cut that lost unsynced
/// state writes) ids continue above it, so they never repeat.
std::filesystem::path id_reserve_file(const std::filesystem::path& state_file);
/// The reserve in `file`; 0 when there is none. An Error (naming the file) when it is
/// unreadable, corrupt, above kMaxSavedReportId, a symbolic link or not a regular file.
Result<std::uint64_t> read_id_reserve(const std::filesystem::path& file);
/// read_id_reserve(), 0 on any error.
std::uint64_t load_id_reserve(const std::filesystem::path& file);
/// Writes the reserve atomically, with fsyncs of the file and its directory.
Status save_id_reserve(const std::filesystem::path& file, std::uint64_t reserve);

/// The state file's text (exposed for tests and the fuzzer).
std::string encode_state(const AgentState& state);
Result<AgentState> decode_state(const std::string& text, const std::string& file_name);

/// "connected", "disconnected", "starting", "stopped"; and back (nullopt when unknown).
const char* to_string(ConnectionState state);
std::optional<ConnectionState> parse_connection_state(std::string_view text);
/// "none", "accepted", "rejected", "unanswered", "failed"; and back.
const char* to_string(ReportOutcome outcome);
std::optional<ReportOutcome> parse_report_outcome(std::string_view text);

/// This boot's id from `<procfs>/sys/kernel/random/boot_id`; empty when it cannot be read.
std::string read_boot_id(const std::filesystem::path& boot_id_file);

}  // namespace defender
