// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's memory across restarts: the state file (written in place, unsynced), the synced
// report-id reserve, the boot id that ties a saved baseline to its boot, and the totals of
// earlier runs. It issues the report ids. What it finds at the start and a write that fails
// (one warning per repeat_warning_interval) go to the agent's log sink.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "agent/loop_clock.hpp"
#include "agent/repeat_limiter.hpp"
#include "agent/report_ids.hpp"
#include "agent/state_slots.hpp"
#include "defender/agent.hpp"
#include "defender/report_builder.hpp"

namespace defender {

class StateStore {
public:
    /// Nothing is read or written with an empty `state_file`; ids still increase from the
    /// clock.
    StateStore(std::filesystem::path state_file, std::filesystem::path boot_id_file,
               std::chrono::milliseconds repeat_warning_interval, const LoopClock& clock,
               LogSink log);

    /// What an earlier run left.
    struct Earlier {
        std::optional<Baseline> baseline;   ///< only when saved on this boot
        std::optional<AgentStatus> status;  ///< its last report, as it saw it
    };
    /// Reads the state file, the id reserve and the boot id. A state directory others may
    /// write in is an error (nothing is kept there: state saving is off), a corrupt file a
    /// fresh start; both are logged.
    Earlier load();

    /// The next report id: above every id sent before, also across reboots (the reserve is
    /// raised by the next save()).
    std::uint64_t next_report_id();

    /// Writes the state: the newest report id, `baseline` (when the boot id is known), the
    /// totals of earlier runs plus `this_run`, and `status`. When this run's ids reach the
    /// reserve, a new one is synced first; starting, failing to connect and stopping again
    /// leave it alone (shared/spec/decisions.md).
    void save(const Baseline* baseline, const AgentStatus& status, const AgentCounts& this_run);

    /// Earlier runs' totals plus `this_run`.
    AgentCounts lifetime(const AgentCounts& this_run) const;
    /// The synced id reserve: no id has reached it yet; 0 = none.
    std::uint64_t reserved_through() const { return reserved_through_; }
    std::uint64_t last_report_id() const { return report_ids_.last(); }

private:
    AgentState read_state_file();

    std::filesystem::path state_file_;
    std::filesystem::path boot_id_file_;
    const LoopClock& clock_;
    LogSink log_;
    std::string boot_id_;
    ReportIdSequence report_ids_;
    std::uint64_t reserved_through_ = 0;
    bool ids_issued_ = false;  ///< this run used a report id
    AgentCounts earlier_runs_;
    std::optional<StateWriter> writer_;
    bool write_failing_ = false;
    RepeatLimiter write_warnings_;
};

}  // namespace defender
