// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's loop: what the client loop sees (connections, replies, the time) turned into
// reports. It joins the report schedule (when), the report maker (what), the delivery ledger
// (what became of each report, the traffic baseline), the state store (what survives a
// restart) and the status (what a service manager shows), and logs through the caller's sink.
// `Agent` runs one on the system clock; unit tests run one on a clock they move by hand.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/client_loop.hpp"
#include "agent/delivery_ledger.hpp"
#include "agent/loop_clock.hpp"
#include "agent/outage_log.hpp"
#include "agent/repeat_limiter.hpp"
#include "agent/reply_reader.hpp"
#include "agent/report_log.hpp"
#include "agent/report_maker.hpp"
#include "agent/report_schedule.hpp"
#include "agent/state_store.hpp"
#include "defender/agent.hpp"

namespace defender {

class AgentLoop final : private ClientHandler {
public:
    /// As Agent's constructor; `clock` (like `collector` and `transport`) must outlive the loop.
    AgentLoop(AgentOptions options, Collector& collector, Transport& transport, LogSink log,
              LoopClock& clock);

    /// As Agent::run(), Agent::stop() and Agent::reconfigure().
    AgentCounts run();
    void stop();
    void reconfigure(AgentOptions options);

private:
    // ClientHandler, on the loop's thread.
    Time work(Time now) override;
    void connected(Time now) override;
    void connect_failed(const std::string& error, std::chrono::milliseconds retry,
                        Time now) override;
    void subscribe_failed(const std::string& error, std::chrono::milliseconds retry,
                          Time now) override;
    void connection_lost(const std::string& reason, std::chrono::milliseconds retry,
                         Time now) override;
    void message(const IncomingMessage& message, Time now) override;
    void messages_dropped(std::size_t count) override;
    void woken() override;

    Status make_topics();
    void load_state();
    void save_state();
    void apply_new_options();
    void heartbeat(Time now);
    Time next_deadline() const;
    void publish_report();
    void publish_mirror(std::uint64_t report_id, const std::string& bytes);
    void expire_unanswered();
    void on_accepted(const Reply& reply);
    void on_rejected(const Reply& reply);
    void log_ignored(const IgnoredMessage& ignored);
    void notice_clock_step();
    void keep_report(std::uint64_t report_id, const std::string& bytes);
    void keep_outcome(std::uint64_t report_id, const std::string& outcome,
                      const Reply* reply = nullptr);
    void log_line(const OutageLog::Line& line) { log_(line.level, line.text); }

    // The status: saved with the state and handed to on_status at every change.
    void publish_status();
    void set_state(ConnectionState state, std::string error = {}, bool keep_since = false);
    void connection_failed(const std::string& error);
    void report_outcome(std::uint64_t report_id, ReportOutcome outcome, std::string detail = {});

    AgentOptions options_;
    LogSink log_;
    LoopClock& clock_;
    ClientLoop client_;
    ReportMaker maker_;
    ReportSchedule schedule_;
    DeliveryLedger ledger_;
    StateStore store_;
    OutageLog outage_log_;
    AgentStatus status_;
    std::optional<ReportLog> report_log_;  ///< --log-reports

    std::mutex reconfigure_mutex_;
    std::optional<AgentOptions> new_options_;           ///< guarded by reconfigure_mutex_
    std::shared_ptr<CustomMetricSet> running_metrics_;  ///< guarded by reconfigure_mutex_

    std::string publish_topic_;
    std::vector<std::string> reply_topics_;
    std::string mirror_topic_;  ///< empty: no --mirror-topic
    Time next_heartbeat_{};
    std::optional<std::chrono::milliseconds> wall_offset_;  ///< wall clock minus monotonic
    bool publish_failing_ = false;
    std::uint64_t dropped_messages_ = 0;
    RepeatLimiter bad_reply_warnings_;
    RepeatLimiter subscribe_warnings_;
    RepeatLimiter dropped_message_warnings_;
    RepeatLimiter report_log_warnings_;
    RepeatLimiter mirror_warnings_;
};

}  // namespace defender
