#pragma once
// What the agent keeps across restarts, in one small JSON file written atomically.

#include <cstdint>
#include <filesystem>

#include "defender/result.hpp"

namespace defender {

struct AgentState {
    std::uint64_t last_report_id = 0;
    friend bool operator==(const AgentState&, const AgentState&) = default;
};

/// A missing file is a fresh start (default state); an unreadable, corrupt or future-version
/// file is an Error naming the file and the problem.
Result<AgentState> load_state(const std::filesystem::path& file);

/// Writes a temporary file, fsyncs it, renames it over `file` and fsyncs the directory, so a
/// crash or power cut leaves either the old or the new state, never a torn one.
Status save_state(const std::filesystem::path& file, const AgentState& state);

}  // namespace defender
