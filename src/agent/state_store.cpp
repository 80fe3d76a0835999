// SPDX-License-Identifier: Apache-2.0
#include "agent/state_store.hpp"

#include <unistd.h>

#include "agent/state_file.hpp"
#include "agent/status_text.hpp"

namespace defender {

StateStore::StateStore(std::filesystem::path state_file, std::filesystem::path boot_id_file,
                       std::chrono::milliseconds repeat_warning_interval, const LoopClock& clock,
                       LogSink log)
    : state_file_(std::move(state_file)),
      boot_id_file_(std::move(boot_id_file)),
      clock_(clock),
      log_(std::move(log)),
      write_warnings_(repeat_warning_interval) {}

AgentState StateStore::read_state_file() {
    auto state = load_state(state_file_);
    if (state) return std::move(*state);
    log_(LogLevel::warn,
         state.error().message + "; starting afresh with report ids from the clock");
    return {};
}

StateStore::Earlier StateStore::load() {
    Earlier earlier;
    if (state_file_.empty()) return earlier;
    if (auto directory = check_state_directory(state_file_); !directory) {
        // Anyone may replace its files: nothing read from there can be trusted.
        log_(LogLevel::error, directory.error().message);
        state_file_.clear();
        return earlier;
    } else if (*directory) {
        log_(LogLevel::warn, **directory);
    }
    auto state = read_state_file();
    boot_id_ = read_boot_id(boot_id_file_);
    const auto reserve = read_id_reserve(id_reserve_file(state_file_));
    if (!reserve)
        log_(LogLevel::warn, reserve.error().message + "; ignored (a new one is written)");
    reserved_through_ = reserve ? *reserve : 0;
    std::uint64_t last_id = state.last_report_id;
    // The state file is written without fsync: after a reboot it may be older than the ids
    // sent (a power cut), but never older than the synced reserve. Unless the saved state is
    // known to be of this boot, ids continue above the reserve; the line says so only when a
    // reboot is known to have happened.
    if ((boot_id_.empty() || state.boot_id != boot_id_) && reserved_through_ > last_id) {
        last_id = reserved_through_;
        if (!boot_id_.empty() && !state.boot_id.empty()) {
            log_(LogLevel::info, "report ids continue above " + std::to_string(last_id) +
                                     ", the reserve kept for restarts after a reboot");
        }
    }
    report_ids_ = ReportIdSequence(last_id);
    earlier_runs_ = state.totals;
    if (state.status) earlier.status = state.status->status;
    if (earlier_runs_.published + earlier_runs_.failed > 0)
        log_(LogLevel::info, "earlier runs: " + reply_counts_text(earlier_runs_));
    if (!state.baseline) return earlier;
    if (!boot_id_.empty() && state.boot_id == boot_id_) {
        earlier.baseline = std::move(state.baseline);
        log_(LogLevel::info,
             "network deltas continue from the baseline saved in " + state_file_.string());
    } else {
        log_(LogLevel::info, boot_id_.empty()
                                 ? "cannot read the boot id; network deltas start afresh"
                                 : "new boot since the saved baseline; network deltas start "
                                   "afresh");
    }
    return earlier;
}

std::uint64_t StateStore::next_report_id() {
    ids_issued_ = true;
    return report_ids_.next(clock_.wall_now());
}

AgentCounts StateStore::lifetime(const AgentCounts& this_run) const {
    return {earlier_runs_.published + this_run.published,
            earlier_runs_.accepted + this_run.accepted, earlier_runs_.rejected + this_run.rejected,
            earlier_runs_.unanswered + this_run.unanswered, earlier_runs_.failed + this_run.failed};
}

void StateStore::save(const Baseline* baseline, const AgentStatus& status,
                      const AgentCounts& this_run) {
    if (state_file_.empty()) return;
    AgentState state{report_ids_.last(), std::nullopt, boot_id_};
    state.totals = lifetime(this_run);
    if (baseline && !boot_id_.empty()) state.baseline = *baseline;
    state.status = SavedStatus{status, ::getpid(), boot_id_, clock_.wall_now()};
    if (!writer_) writer_.emplace(state_file_);
    auto saved = writer_->write(state);
    // Raised only once this run uses ids: starting, failing to connect and stopping again
    // leaves it as it was (shared/spec/decisions.md).
    if (saved && ids_issued_ && report_ids_.last() >= reserved_through_) {
        // Synced before the id is used: ids stay unique across power cuts.
        const auto reserve = report_ids_.last() + kReportIdReserve;
        saved = save_id_reserve(id_reserve_file(state_file_), reserve);
        if (saved) reserved_through_ = reserve;
    }
    if (saved) {
        if (write_failing_) {
            log_(LogLevel::info, "state file " + state_file_.string() + " written again");
        }
        write_failing_ = false;
        return;
    }
    write_failing_ = true;
    // A full or read-only disk stays so for a while: one warning an hour, not one a report.
    log_(write_warnings_.warn(clock_.now()) ? LogLevel::warn : LogLevel::debug,
         saved.error().message + "; reporting goes on (report ids stay increasing from the clock)");
}

}  // namespace defender
