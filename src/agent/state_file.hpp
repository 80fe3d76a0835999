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

/// Writes a temporary file, fsyncs it, renames it over `file` and fsyncs the directory, so a
/// crash or power cut leaves either the old or the new state, never a torn one.
Status save_state(const std::filesystem::path& file, const AgentState& state);

/// The state file's text (exposed for tests and the fuzzer).
std::string encode_state(const AgentState& state);
Result<AgentState> decode_state(const std::string& text, const std::string& file_name);

/// This boot's id from `<procfs>/sys/kernel/random/boot_id`; empty when it cannot be read.
std::string read_boot_id(const std::filesystem::path& boot_id_file);

}  // namespace defender
