// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's status as text: the `STATUS=` line a service manager shows (absolute times, so
// it stays true between reports without wake-ups), and what `defender status` prints, in
// words or JSON, from the state file. Pure: the caller passes the time and whether the
// process still runs.

#include <chrono>
#include <optional>
#include <string>

#include "agent/state_file.hpp"
#include "defender/agent.hpp"

namespace defender {

/// "2026-12-06 20:14:03 UTC".
std::string utc_time_text(AgentStatus::WallTime time);
/// "2026-12-06T20:14:03Z".
std::string iso_time_text(AgentStatus::WallTime time);
/// "45 s", "12 min", "3 h 5 min" from `then` to `now` (0 s when `then` is later).
std::string age_text(AgentStatus::WallTime then, AgentStatus::WallTime now);

/// One line for systemd's `STATUS=`, e.g. "connected to host:8883 since 2026-12-06 20:14:03
/// UTC; last report 1796593200 accepted at 2026-12-06 20:24:03 UTC".
std::string status_line(const AgentStatus& status);

/// "812 published, 810 accepted, 1 rejected, 1 unanswered, 0 failed".
std::string counts_text(const AgentCounts& counts);

/// "accepted 810, rejected 1, unanswered 1": the replies so far, as the agent's log lines
/// say them.
std::string reply_counts_text(const AgentCounts& counts);

/// Whether the agent that wrote a status still runs, as `defender status` found out.
enum class Liveness {
    running,
    stopped,   ///< it said so when it stopped
    gone,      ///< its process ended without stopping (killed, crashed)
    rebooted,  ///< the machine booted since it wrote the status
};

/// What `defender status` prints about `state` (read from `state_file` at `now`): lines of
/// text, or one JSON object. `liveness` is ignored when the state has no status.
std::string status_report_text(const AgentState& state, Liveness liveness,
                               AgentStatus::WallTime now);
std::string status_report_json(const AgentState& state, const std::string& state_file,
                               Liveness liveness, AgentStatus::WallTime now);

}  // namespace defender
