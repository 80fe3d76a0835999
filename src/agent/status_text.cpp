// SPDX-License-Identifier: Apache-2.0
#include "agent/status_text.hpp"

#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>

#include "agent/outage_log.hpp"

namespace defender {
namespace {

std::string time_text(AgentStatus::WallTime time, const char* format) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm fields{};
    if (::gmtime_r(&seconds, &fields) == nullptr) return "?";
    char text[64];
    if (std::strftime(text, sizeof text, format, &fields) == 0) return "?";
    return text;
}

std::string outcome_words(const AgentStatus& status) {
    std::string text = "last report ";
    if (status.last_report_id != 0) text += std::to_string(status.last_report_id) + " ";
    text += to_string(status.last_outcome);
    return text;
}

std::string detail_text(const AgentStatus& status) {
    return status.last_report_detail.empty() ? "" : ": " + status.last_report_detail;
}

// "last report N accepted at T", "last report N rejected at T: Code: message; last accepted
// M at T", "no report accepted yet".
std::string report_words(const AgentStatus& status,
                         const std::function<std::string(AgentStatus::WallTime)>& when) {
    if (status.last_outcome == ReportOutcome::none) return "no report sent yet";
    std::string text = outcome_words(status) + " " + when(status.last_report_at);
    if (status.last_outcome == ReportOutcome::accepted) return text;
    text += detail_text(status);
    if (status.last_accepted_id != 0) {
        text += "; last accepted: " + std::to_string(status.last_accepted_id) + " " +
                when(status.last_accepted_at);
    } else {
        text += "; none accepted yet";
    }
    return text;
}

std::string connection_words(const AgentStatus& status,
                             const std::function<std::string(AgentStatus::WallTime)>& since) {
    switch (status.state) {
        case ConnectionState::starting:
            return "connecting to " + status.destination + " (started " + since(status.since) + ")";
        case ConnectionState::connected:
            return "connected to " + status.destination + " since " + since(status.since);
        case ConnectionState::disconnected:
            return "not connected to " + status.destination + " since " + since(status.since) +
                   (status.last_error.empty() ? "" : ": " + status.last_error);
        case ConnectionState::stopped:
            return "stopped at " + since(status.since);
    }
    return {};
}

nlohmann::json time_json(AgentStatus::WallTime time) {
    return iso_time_text(time);
}

nlohmann::json counts_json(const AgentCounts& counts) {
    return {{"published", counts.published},
            {"accepted", counts.accepted},
            {"rejected", counts.rejected},
            {"unanswered", counts.unanswered},
            {"failed", counts.failed}};
}

const char* liveness_name(Liveness liveness) {
    switch (liveness) {
        case Liveness::running:
            return "running";
        case Liveness::stopped:
            return "stopped";
        case Liveness::gone:
            return "gone";
        case Liveness::rebooted:
            return "rebooted";
    }
    return "";
}

}  // namespace

std::string utc_time_text(AgentStatus::WallTime time) {
    return time_text(time, "%Y-%m-%d %H:%M:%S UTC");
}

std::string iso_time_text(AgentStatus::WallTime time) {
    return time_text(time, "%Y-%m-%dT%H:%M:%SZ");
}

std::string age_text(AgentStatus::WallTime then, AgentStatus::WallTime now) {
    const auto age = now > then ? std::chrono::duration_cast<std::chrono::milliseconds>(now - then)
                                : std::chrono::milliseconds(0);
    return outage_duration_text(age);
}

std::string counts_text(const AgentCounts& counts) {
    return std::to_string(counts.published) + " published, " + std::to_string(counts.accepted) +
           " accepted, " + std::to_string(counts.rejected) + " rejected, " +
           std::to_string(counts.unanswered) + " unanswered, " + std::to_string(counts.failed) +
           " failed";
}

std::string reply_counts_text(const AgentCounts& counts) {
    return "accepted " + std::to_string(counts.accepted) + ", rejected " +
           std::to_string(counts.rejected) + ", unanswered " + std::to_string(counts.unanswered);
}

std::string status_line(const AgentStatus& status) {
    const auto at = [](AgentStatus::WallTime time) { return "at " + utc_time_text(time); };
    const auto since = [](AgentStatus::WallTime time) { return utc_time_text(time); };
    if (status.state == ConnectionState::stopped) return "stopping";
    return connection_words(status, since) + "; " + report_words(status, at);
}

std::string status_report_text(const AgentState& state, Liveness liveness,
                               AgentStatus::WallTime now) {
    const std::string lifetime = "lifetime: " + counts_text(state.totals) + "\n";
    if (!state.status) {
        return "no status recorded (the state file was written by an older agent); last report "
               "id " +
               std::to_string(state.last_report_id) + "\n" + lifetime;
    }
    const SavedStatus& saved = *state.status;
    const AgentStatus& status = saved.status;
    const auto ago = [&](AgentStatus::WallTime time) { return age_text(time, now) + " ago"; };
    const auto since = [&](AgentStatus::WallTime time) {
        return utc_time_text(time) + " (" + age_text(time, now) + ")";
    };
    std::string first;
    switch (liveness) {
        case Liveness::running:
            first = "running (pid " + std::to_string(saved.pid) + "), " +
                    connection_words(status, since);
            break;
        case Liveness::stopped:
            first = "not running: stopped at " + utc_time_text(status.since) + " (" +
                    ago(status.since) + ")";
            break;
        case Liveness::gone:
        case Liveness::rebooted:
            first = std::string("not running: ") +
                    (liveness == Liveness::gone ? "process " + std::to_string(saved.pid) +
                                                      " ended without stopping (killed or crashed)"
                                                : "the machine restarted since") +
                    "; its last status, " + ago(saved.updated) + ": " +
                    connection_words(status, since);
            break;
    }
    return first + "\n" + report_words(status, ago) + "\n" + lifetime;
}

std::string status_report_json(const AgentState& state, const std::string& state_file,
                               Liveness liveness, AgentStatus::WallTime now) {
    nlohmann::json document = {{"state_file", state_file},
                               {"now", time_json(now)},
                               {"last_report_id", state.last_report_id},
                               {"lifetime", counts_json(state.totals)}};
    if (!state.status) {
        document["running"] = nullptr;
        document["status"] = nullptr;
    } else {
        const SavedStatus& saved = *state.status;
        const AgentStatus& status = saved.status;
        document["running"] = liveness == Liveness::running;
        nlohmann::json described = {{"process", liveness_name(liveness)},
                                    {"pid", saved.pid},
                                    {"updated", time_json(saved.updated)},
                                    {"state", to_string(status.state)},
                                    {"since", time_json(status.since)},
                                    {"destination", status.destination},
                                    {"last_error", nullptr},
                                    {"last_report", nullptr},
                                    {"last_accepted", nullptr}};
        if (!status.last_error.empty()) described["last_error"] = status.last_error;
        if (status.last_outcome != ReportOutcome::none) {
            described["last_report"] = {{"report_id", status.last_report_id},
                                        {"outcome", to_string(status.last_outcome)},
                                        {"at", time_json(status.last_report_at)},
                                        {"detail", status.last_report_detail}};
        }
        if (status.last_accepted_id != 0) {
            described["last_accepted"] = {{"report_id", status.last_accepted_id},
                                          {"at", time_json(status.last_accepted_at)}};
        }
        document["status"] = std::move(described);
    }
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace defender
