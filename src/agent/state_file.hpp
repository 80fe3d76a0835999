#pragma once
// What the agent keeps across restarts, in one small JSON file written atomically.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "defender/agent.hpp"
#include "defender/report_builder.hpp"
#include "defender/result.hpp"

namespace defender {

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
};

bool operator==(const AgentState& a, const AgentState& b);

/// A missing file is a fresh start (default state); an unreadable, corrupt, truncated or
/// future-version file is an Error naming the file and the problem.
Result<AgentState> load_state(const std::filesystem::path& file);

/// Writes a temporary file and renames it over `file`, so a crash of the process leaves
/// either the old or the new state, never a torn one. With `synced`, the file and then the
/// directory are fsynced too, which a power cut needs. The agent writes unsynced: what a
/// power cut could lose is either tied to the boot (the baseline: a new boot starts afresh
/// anyway) or guarded by the synced id reserve below.
Status save_state(const std::filesystem::path& file, const AgentState& state, bool synced = true);

/// `bytes` as the whole content of `file`, through a temporary file and a rename (synced:
/// with fsyncs of the data and the directory).
Status save_state_bytes(const std::filesystem::path& file, const std::string& bytes, bool synced);

/// How far past the newest report id the durable reserve reaches: ids are about epoch
/// seconds, so at the default 5-minute interval the reserve is synced about once an hour.
inline constexpr std::uint64_t kReportIdReserve = 3600;

/// `<state file>.id-reserve`: a number no report id has reached yet, written with fsyncs
/// before an id reaches it. After a reboot (which may have been a power cut that lost unsynced
/// state writes) ids continue above it, so they never repeat.
std::filesystem::path id_reserve_file(const std::filesystem::path& state_file);
/// The reserve in `file`; 0 when there is none or it is unreadable.
std::uint64_t load_id_reserve(const std::filesystem::path& file);
/// Writes the reserve atomically, with fsyncs of the file and its directory.
Status save_id_reserve(const std::filesystem::path& file, std::uint64_t reserve);

/// The state file's text (exposed for tests and the fuzzer).
std::string encode_state(const AgentState& state);
Result<AgentState> decode_state(const std::string& text, const std::string& file_name);

/// This boot's id from `<procfs>/sys/kernel/random/boot_id`; empty when it cannot be read.
std::string read_boot_id(const std::filesystem::path& boot_id_file);

}  // namespace defender
