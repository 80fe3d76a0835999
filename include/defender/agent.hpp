// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file agent.hpp
/// The agent loop: collect on a fixed schedule, publish, match replies, keep report ids and
/// the network-delta baseline, reconnect with backoff. Independent of the transport used.
/// Target: Defender::defender (stage agent).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "defender/collector.hpp"
#include "defender/custom_metrics.hpp"
#include "defender/encode.hpp"
#include "defender/report_builder.hpp"
#include "defender/transport.hpp"

namespace defender {

/// How important a log line of the agent is.
enum class LogLevel { debug, info, warn, error };
/// Receives the agent's log lines (any thread); the CLI routes them to spdlog.
using LogSink = std::function<void(LogLevel, const std::string&)>;

/// What the agent has seen so far.
struct AgentCounts {
    std::uint64_t published = 0;   ///< reports the broker acknowledged (PUBACK)
    std::uint64_t accepted = 0;    ///< reports the service accepted
    std::uint64_t rejected = 0;    ///< reports the service rejected
    std::uint64_t unanswered = 0;  ///< no reply within reply_timeout
    std::uint64_t failed = 0;      ///< could not be collected, encoded or published
};

/// Where the agent's link to its broker stands.
enum class ConnectionState {
    starting,      ///< running, first connection attempt not finished yet
    connected,     ///< connected and subscribed to the reply topics
    disconnected,  ///< an attempt failed or the link dropped; retrying
    stopped,       ///< run() has returned
};

/// What became of the newest report that got an outcome.
enum class ReportOutcome {
    none,        ///< no report has had an outcome yet
    accepted,    ///< the service accepted it
    rejected,    ///< the service rejected it
    unanswered,  ///< delivered, no reply within reply_timeout
    failed,      ///< not collected, encoded or acknowledged by the broker
};

/// The facts a service manager or `defender status` shows: connection state, the last report,
/// lifetime totals. Times are wall-clock times.
struct AgentStatus {
    using WallTime = std::chrono::system_clock::time_point;  ///< a wall-clock time
    ConnectionState state = ConnectionState::starting;       ///< the link to the broker
    /// When `state` began: the connection, the first failure of an outage (or the loss of the
    /// link), the start, the stop.
    WallTime since{};
    std::string destination;  ///< AgentOptions::destination
    /// While disconnected: the newest cause ("cannot connect: ...", "connection lost: ...").
    std::string last_error;
    std::uint64_t last_report_id = 0;                  ///< the report of `last_outcome`; 0 = none
    ReportOutcome last_outcome = ReportOutcome::none;  ///< of the newest report with one
    WallTime last_report_at{};                         ///< when `last_outcome` was known
    std::string last_report_detail;  ///< rejected: the error code and message; failed: why
    /// The newest accepted report (also of earlier runs); 0 = none.
    std::uint64_t last_accepted_id = 0;
    WallTime last_accepted_at{};  ///< when it was accepted
    AgentCounts lifetime;         ///< all runs together (those of earlier runs from the state file)
};

/// Receives the agent's status on the loop's thread at every change: start, connected,
/// connection lost, a failed attempt with a new cause, a report accepted, rejected,
/// unanswered or failed, stop. It must not block.
using StatusHook = std::function<void(const AgentStatus&)>;

/// What the agent publishes, how often, and how it retries.
struct AgentOptions {
    std::string thing_name;  ///< Thing whose Device Defender topics are used.
    EncodeOptions encoding;  ///< format and key style (pretty is ignored)
    /// Time between reports, on a fixed schedule.
    std::chrono::milliseconds interval = std::chrono::seconds(300);
    BuildOptions build;  ///< What goes into each report (lists, sampling, loopback traffic).
    /// Custom metrics read at every report and added after those of `build`; null = none.
    std::shared_ptr<CustomMetricSet> custom_metrics;
    /// Largest encoded report; lists are sampled down to fit.
    std::size_t max_report_bytes = kMaxPayloadBytes;
    /// `--mirror-topic`: a template with {thingName} and {format}; each report acknowledged by
    /// the broker is published there too, byte for byte (QoS 1), after the Device Defender
    /// publish. Delivery and traffic accounting follow the Device Defender publish only; a
    /// failed mirror publish is a warning (at most every repeat_warning_interval). Empty = none.
    std::string mirror_topic;
    /// Where the last report id and the network-delta baseline are kept; empty = not kept
    /// (ids still strictly increase from the clock; deltas restart after a restart).
    std::filesystem::path state_file;
    /// This boot's id (`<procfs>/sys/kernel/random/boot_id`): a saved baseline is used only on
    /// the boot it was read in. Empty or unreadable = a saved baseline is never used.
    std::filesystem::path boot_id_file;
    /// A fault that repeats while the agent goes on (state file not writable, garbage
    /// replies) is a warning at most this often; the repeats in between are debug lines.
    std::chrono::milliseconds repeat_warning_interval = std::chrono::hours(1);
    /// A published report with no reply after this long counts as delivered (and unanswered).
    std::chrono::milliseconds reply_timeout = std::chrono::seconds(60);
    /// How long to wait for a PUBACK; the publish stays in flight in the transport after that.
    std::chrono::milliseconds publish_timeout = std::chrono::seconds(4);
    /// First wait after a failed connection attempt.
    std::chrono::milliseconds backoff_initial = std::chrono::seconds(1);
    /// Longest wait between connection attempts.
    std::chrono::milliseconds backoff_max = std::chrono::minutes(2);
    /// While the agent cannot connect, a warning reminds that it is still not connected this
    /// long after the outage began, then at doubling intervals up to an hour; a link that keeps
    /// dropping is a "connection lost" warning at most this often.
    std::chrono::milliseconds outage_reminder = std::chrono::minutes(5);
    /// Where the newest `report_log_count` published reports are kept byte for byte, each with
    /// its outcome (`--log-reports`); empty = not kept.
    std::filesystem::path report_log_dir;
    /// How many reports `report_log_dir` keeps.
    std::size_t report_log_count = 20;
    /// The transport only shows what would be sent (`--dry-run`): the log says "would
    /// publish", never "published".
    bool dry_run = false;
    /// false for transports that never answer (dry run): a published report is final at once.
    bool expect_replies = true;
    /// Stop after this many reports are settled (accepted, rejected or unanswered; published,
    /// without replies); 0 = never.
    std::uint64_t stop_after_reports = 0;
    /// Where reports go, for the status ("host:8883"); saved in the state file.
    std::string destination;
    /// Called at every change of the status; null = none. The status is also saved in the
    /// state file (when there is one), for `defender status`.
    StatusHook on_status;
    /// With a non-zero interval, `on_heartbeat` is called from the loop at least this often
    /// (a service manager's watchdog); zero = the loop wakes only for its own work.
    std::chrono::milliseconds heartbeat_interval{0};
    std::function<void()> on_heartbeat;  ///< see heartbeat_interval; called on the loop's thread
};

/// Publishes Device Defender reports on a schedule over a Transport and matches the replies.
class Agent {
public:
    /// Prepares the agent; nothing happens before run(). `collector` and `transport` must outlive
    /// it.
    Agent(AgentOptions options, Collector& collector, Transport& transport, LogSink log);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    /// Runs until stop() is called (or stop_after_replies is reached); never gives up because
    /// the broker is unreachable. Returns the final counts.
    AgentCounts run();

    /// Asks run() to finish the publish in flight, disconnect and return. Thread-safe.
    void stop();

    /// Replaces the settings that may change while the agent runs (SIGHUP): interval,
    /// encoding (format, key style), build options, custom metrics, max_report_bytes and
    /// mirror_topic; the
    /// other fields of `options` are ignored. Applied by run() between two reports, on the
    /// same connection; a new format subscribes to its reply topics. Thread-safe.
    void reconfigure(AgentOptions options);

private:
    class Loop;
    std::unique_ptr<Loop> loop_;
};

}  // namespace defender
