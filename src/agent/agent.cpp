#include "defender/agent.hpp"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <variant>

#include <unistd.h>

#include "agent/backoff.hpp"
#include "agent/event_queue.hpp"
#include "agent/outage_log.hpp"
#include "agent/repeat_limiter.hpp"
#include "agent/report_ids.hpp"
#include "agent/report_log.hpp"
#include "agent/state_file.hpp"
#include "agent/state_slots.hpp"
#include "defender/reply.hpp"
#include "defender/topics.hpp"
#include "util/printable.hpp"

namespace defender {
namespace {

using Clock = std::chrono::steady_clock;

struct StopRequested {};
struct ReconfigureRequested {};
using LoopEvent = std::variant<TransportEvent, StopRequested, ReconfigureRequested>;

/// A connection that stayed up this long was healthy: the next reconnect starts again with
/// short waits. A broker that drops the agent sooner (AWS IoT, when the policy denies a
/// publish) makes the waits grow.
constexpr std::chrono::seconds kStableLink{60};

/// A change of the wall clock against the monotonic clock larger than this is a step.
constexpr std::chrono::seconds kClockStep{5};

/// Replies larger than this are not Device Defender replies; they are dropped unread.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

/// Messages from the broker waiting for the loop (while it waits for a PUBACK, a collection or
/// a metric command): at most this many, holding at most kQueuedMessageBytes (topic, payload
/// and the queue's own share); the oldest are dropped beyond that. Replies come one per
/// report, so a bound this size is only ever reached by a broker flooding the agent.
constexpr std::size_t kQueuedMessages = 64;
constexpr std::size_t kQueuedMessageBytes = 1024 * 1024;
constexpr std::size_t kQueuedEventOverhead = 256;

// A report the broker acknowledged and the service has not answered yet.
struct PendingReport {
    std::uint64_t report_id;
    Baseline baseline;               ///< the counters this report's deltas ran up to
    Clock::time_point published_at;  ///< for a report in doubt: when the link came back
    /// Sent, but no PUBACK in time: the transport resends it after a reconnect if the broker
    /// kept the session, else it is gone. Its fate is known from its reply (or its absence).
    bool in_doubt = false;
    bool reconnected = false;  ///< in doubt, and the link came back since
};

/// A report in doubt on a link that neither drops nor answers is deemed lost after this many
/// reply timeouts (a half-open link is normally noticed by the keep-alive well before).
constexpr int kDoubtfulTimeouts = 10;

// A string the broker or the service chose, for a log line: escaped and cut short.
std::string peer_text(std::string_view text) {
    return util::printable(text, util::kMaxPeerTextBytes);
}

std::string format_counts(const AgentCounts& counts) {
    return "accepted " + std::to_string(counts.accepted) + ", rejected " +
           std::to_string(counts.rejected) + ", unanswered " + std::to_string(counts.unanswered);
}

std::string seconds_text(std::chrono::milliseconds duration) {
    std::string text = std::to_string(duration.count() / 1000);
    if (const auto millis = duration.count() % 1000; millis != 0) {
        std::string fraction = std::to_string(1000 + millis).substr(1);
        while (fraction.back() == '0')
            fraction.pop_back();
        text += "." + fraction;
    }
    return text + " s";
}

}  // namespace

class Agent::Loop {
public:
    Loop(AgentOptions options, Collector& collector, Transport& transport, LogSink log)
        : options_(std::move(options)),
          collector_(collector),
          transport_(transport),
          log_(std::move(log)),
          random_(std::random_device{}()),
          backoff_(options_.backoff_initial, options_.backoff_max, random_()),
          events_({kQueuedMessages, kQueuedMessageBytes}),
          state_warnings_(options_.repeat_warning_interval),
          bad_reply_warnings_(options_.repeat_warning_interval),
          subscribe_warnings_(options_.repeat_warning_interval),
          dropped_message_warnings_(options_.repeat_warning_interval),
          outage_log_(options_.outage_reminder, std::chrono::hours(1), options_.outage_reminder) {
        running_metrics_ = options_.custom_metrics;
        if (!options_.report_log_dir.empty())
            report_log_.emplace(options_.report_log_dir, options_.report_log_count);
    }

    AgentCounts run() {
        if (auto topics = make_topics(); !topics) {
            log_(LogLevel::error, topics.error().message);
            return counts_;
        }
        load_state();
        transport_.set_event_sink([this](TransportEvent event) { queue(std::move(event)); });
        const auto start = Clock::now();
        next_report_ = start;
        next_connect_ = start;
        next_heartbeat_ = start;
        report_due_ = true;  // the first report goes out as soon as we are connected
        status_.destination = options_.destination;
        set_state(ConnectionState::starting);

        while (!stopping_) {
            heartbeat();
            auto now = Clock::now();
            if (!transport_.is_connected() && now >= next_connect_) try_connect();
            now = Clock::now();
            if (now >= next_report_) {
                report_due_ = true;
                next_report_ = advance(next_report_, now);
            }
            if (report_due_ && transport_.is_connected() && !waiting_for_doubtful_report()) {
                report_due_ = false;
                publish_report();
            }
            expire_unanswered();
            if (options_.stop_after_reports != 0 && settled() >= options_.stop_after_reports) break;
            if (auto event = events_.pop_until(next_deadline())) handle(std::move(*event));
            notice_dropped_messages();
        }
        transport_.disconnect(std::chrono::seconds(2));
        set_state(ConnectionState::stopped);  // saves the totals of this run's last replies
        log_(LogLevel::info, options_.dry_run
                                 ? "stopped (dry run: " + std::to_string(counts_.published) +
                                       " report(s) printed, nothing published)"
                                 : "stopped (" + format_counts(counts_) + ")");
        return counts_;
    }

    void stop() {
        stopping_ = true;
        {
            // A custom-metric command may run for up to an hour: kill it, do not wait.
            std::lock_guard lock(reconfigure_mutex_);
            if (running_metrics_) running_metrics_->cancel();
        }

        events_.push(StopRequested{});
    }

    void reconfigure(AgentOptions options) {
        {
            std::lock_guard lock(reconfigure_mutex_);
            new_options_ = std::move(options);
        }
        events_.push(ReconfigureRequested{});
    }

private:
    // Runs on the transport's thread. Connection events always get through; messages are
    // bounded (event_queue.hpp), and a payload the loop would drop unread anyway is not kept
    // while it waits.
    void queue(TransportEvent event) {
        auto* message = std::get_if<IncomingMessage>(&event);
        if (message == nullptr) return events_.push(std::move(event));
        if (message->payload.size() > kMaxReplyBytes) {
            message->dropped_payload_bytes += message->payload.size();
            std::string().swap(message->payload);
        }
        const std::size_t bytes =
            message->topic.capacity() + message->payload.capacity() + kQueuedEventOverhead;
        events_.push_droppable(std::move(event), bytes);
    }

    // A broker sending faster than the loop reads: one warning per repeat_warning_interval,
    // debug lines in between.
    void notice_dropped_messages() {
        const std::size_t dropped = events_.take_dropped();
        if (dropped == 0) return;
        dropped_messages_ += dropped;
        log_(dropped_message_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
             "dropped " + std::to_string(dropped) +
                 " message(s) from the broker, sent faster than the agent reads them (at most " +
                 std::to_string(kQueuedMessages) + " messages or " +
                 std::to_string(kQueuedMessageBytes / 1024) +
                 " KiB wait; a reply among them counts as unanswered; " +
                 std::to_string(dropped_messages_) + " dropped since the start)");
    }

    // Runs on the loop's thread between two reports: the next report uses the new settings.
    void apply_new_options() {
        std::optional<AgentOptions> changed;
        {
            std::lock_guard lock(reconfigure_mutex_);
            changed.swap(new_options_);
        }
        if (!changed) return;
        const auto old_interval = options_.interval;
        const auto old_format = options_.encoding.format;
        options_.interval = changed->interval;
        options_.encoding = changed->encoding;
        options_.build = changed->build;
        options_.custom_metrics = changed->custom_metrics;
        {
            std::lock_guard lock(reconfigure_mutex_);
            running_metrics_ = options_.custom_metrics;
        }
        options_.max_report_bytes = changed->max_report_bytes;
        // The schedule keeps its last slot and continues at the new interval from there.
        next_report_ = std::max(Clock::now(), next_report_ - old_interval + options_.interval);
        if (options_.encoding.format != old_format) {
            if (auto topics = make_topics(); !topics) log_(LogLevel::error, topics.error().message);
            if (transport_.is_connected()) {
                if (auto subscribed = transport_.subscribe(reply_topics_); !subscribed)
                    log_(LogLevel::warn,
                         "cannot subscribe to the reply topics: " + subscribed.error().message);
            }
        }
        log_(LogLevel::info, "configuration reloaded");
    }

    std::uint64_t settled() const {
        if (!options_.expect_replies) return counts_.published;
        return counts_.accepted + counts_.rejected + counts_.unanswered;
    }

    Status make_topics() {
        const auto format = options_.encoding.format;
        auto publish = make_topic(options_.thing_name, format, TopicKind::publish);
        if (!publish) return publish.error();
        publish_topic_ = *publish;
        reply_topics_ = {*make_topic(options_.thing_name, format, TopicKind::accepted),
                         *make_topic(options_.thing_name, format, TopicKind::rejected)};
        return Done{};
    }

    void load_state() {
        if (options_.state_file.empty()) return;
        if (auto directory = check_state_directory(options_.state_file); !directory) {
            // Anyone may replace its files: nothing read from there can be trusted.
            log_(LogLevel::error, directory.error().message);
            options_.state_file.clear();
            return;
        } else if (*directory) {
            log_(LogLevel::warn, **directory);
        }
        auto state = load_state_file();
        boot_id_ = read_boot_id(options_.boot_id_file);
        const auto reserve = read_id_reserve(id_reserve_file(options_.state_file));
        if (!reserve)
            log_(LogLevel::warn, reserve.error().message + "; ignored (a new one is written)");
        reserved_through_ = reserve ? *reserve : 0;
        std::uint64_t last_id = state.last_report_id;
        // The state file is written without fsync: after a reboot it may be older than the
        // ids sent (a power cut), but never older than the synced reserve.
        // Unless the saved state is known to be of this boot, ids continue above the reserve;
        // the line says so only when a reboot is known to have happened.
        if ((boot_id_.empty() || state.boot_id != boot_id_) && reserved_through_ > last_id) {
            last_id = reserved_through_;
            if (!boot_id_.empty() && !state.boot_id.empty()) {
                log_(LogLevel::info, "report ids continue above " + std::to_string(last_id) +
                                         ", the reserve kept for restarts after a reboot");
            }
        }
        report_ids_ = ReportIdSequence(last_id);
        earlier_runs_ = state.totals;
        if (state.status) {
            // What the last report was survives a restart; the connection does not.
            const AgentStatus& earlier = state.status->status;
            status_.last_report_id = earlier.last_report_id;
            status_.last_outcome = earlier.last_outcome;
            status_.last_report_at = earlier.last_report_at;
            status_.last_report_detail = earlier.last_report_detail;
            status_.last_accepted_id = earlier.last_accepted_id;
            status_.last_accepted_at = earlier.last_accepted_at;
        }
        if (earlier_runs_.published + earlier_runs_.failed > 0)
            log_(LogLevel::info, "earlier runs: " + format_counts(earlier_runs_));
        if (!state.baseline) return;
        if (!boot_id_.empty() && state.boot_id == boot_id_) {
            confirmed_ = std::move(state.baseline);
            log_(LogLevel::info, "network deltas continue from the baseline saved in " +
                                     options_.state_file.string());
        } else {
            log_(LogLevel::info, boot_id_.empty()
                                     ? "cannot read the boot id; network deltas start afresh"
                                     : "new boot since the saved baseline; network deltas start "
                                       "afresh");
        }
    }

    AgentState load_state_file() {
        auto state = ::defender::load_state(options_.state_file);
        if (state) return std::move(*state);
        log_(LogLevel::warn,
             state.error().message + "; starting afresh with report ids from the clock");
        return {};
    }

    // The baseline a restarted agent continues from: that of the newest report the broker
    // acknowledged (a report no reply reaches counts as delivered), else the last accepted.
    const Baseline* delivered_baseline() const {
        if (!pending_.empty()) return &pending_.back().baseline;
        return confirmed_ ? &*confirmed_ : nullptr;
    }

    // What a restarted agent continues from: reports in doubt die with the process (the
    // transport keeps them in memory only), so their traffic goes into the next report.
    const Baseline* saved_baseline() const {
        for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
            if (!it->in_doubt) return &it->baseline;
        }
        return confirmed_ ? &*confirmed_ : nullptr;
    }

    // While the fate of a report in doubt is open, the next report waits: its deltas must
    // start after that report if it arrives, before it if it was lost.
    bool waiting_for_doubtful_report() const {
        return std::any_of(pending_.begin(), pending_.end(),
                           [](const PendingReport& p) { return p.in_doubt; });
    }

    AgentCounts lifetime_counts() const {
        return {
            earlier_runs_.published + counts_.published, earlier_runs_.accepted + counts_.accepted,
            earlier_runs_.rejected + counts_.rejected,
            earlier_runs_.unanswered + counts_.unanswered, earlier_runs_.failed + counts_.failed};
    }

    void save_state() {
        if (options_.state_file.empty()) return;
        AgentState state{report_ids_.last(), std::nullopt, boot_id_};
        state.totals = lifetime_counts();
        if (const Baseline* baseline = saved_baseline(); baseline && !boot_id_.empty())
            state.baseline = *baseline;
        state.status = SavedStatus{status_, ::getpid(), boot_id_, std::chrono::system_clock::now()};
        if (!state_writer_) state_writer_.emplace(options_.state_file);
        auto saved = state_writer_->write(state);
        // Raised only once this run uses ids: starting, failing to connect and stopping again
        // leaves it as it was (shared/spec/decisions.md).
        if (saved && ids_issued_ && report_ids_.last() >= reserved_through_) {
            // Synced before the id is used: ids stay unique across power cuts.
            const auto reserve = report_ids_.last() + kReportIdReserve;
            saved = save_id_reserve(id_reserve_file(options_.state_file), reserve);
            if (saved) reserved_through_ = reserve;
        }
        if (saved) {
            if (state_write_failing_) {
                log_(LogLevel::info,
                     "state file " + options_.state_file.string() + " written again");
            }
            state_write_failing_ = false;
            return;
        }
        state_write_failing_ = true;
        // A full or read-only disk stays so for a while: one warning an hour, not one a report.
        log_(state_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
             saved.error().message +
                 "; reporting goes on (report ids stay increasing from the clock)");
    }

    // The next slot of the fixed schedule after `now`: the schedule never drifts, and slots
    // missed while busy or disconnected are skipped, not queued.
    Clock::time_point advance(Clock::time_point slot, Clock::time_point now) const {
        const auto interval = options_.interval;
        if (now < slot) return slot;
        const auto behind = (now - slot) / interval + 1;
        return slot + behind * interval;
    }

    Clock::time_point next_deadline() const {
        auto deadline = next_report_;
        if (options_.heartbeat_interval.count() > 0) deadline = std::min(deadline, next_heartbeat_);
        if (!transport_.is_connected() && next_connect_ < deadline) deadline = next_connect_;
        // A report in doubt does not expire while disconnected (see expire_unanswered).
        if (!pending_.empty() && (transport_.is_connected() || !pending_.front().in_doubt)) {
            deadline = std::min(deadline, expires_at(pending_.front()));
        }
        return deadline;
    }

    void log_line(const OutageLog::Line& line) { log_(line.level, line.text); }

    // A watchdog's ping: the loop is alive. Never called without an interval.
    void heartbeat() {
        if (options_.heartbeat_interval.count() <= 0 || !options_.on_heartbeat) return;
        const auto now = Clock::now();
        if (now < next_heartbeat_) return;
        options_.on_heartbeat();
        next_heartbeat_ = now + options_.heartbeat_interval;
    }

    // Saves the status with the state and hands it to the hook.
    void publish_status() {
        save_state();
        if (!options_.on_status) return;
        status_.lifetime = lifetime_counts();
        options_.on_status(status_);
    }

    void set_state(ConnectionState state, std::string error = {}, bool keep_since = false) {
        if (state != status_.state && !keep_since) status_.since = std::chrono::system_clock::now();
        status_.state = state;
        status_.last_error = std::move(error);
        publish_status();
    }

    // An attempt failed: a new status when the outage begins or its cause changes, not at
    // every retry.
    void connection_failed(const std::string& error) {
        if (status_.state == ConnectionState::disconnected && status_.last_error == error) return;
        // An outage at start-up began with the start.
        set_state(ConnectionState::disconnected, error, status_.state == ConnectionState::starting);
    }

    void report_outcome(std::uint64_t report_id, ReportOutcome outcome, std::string detail = {}) {
        const auto now = std::chrono::system_clock::now();
        status_.last_report_id = report_id;
        status_.last_outcome = outcome;
        status_.last_report_at = now;
        status_.last_report_detail = std::move(detail);
        if (outcome == ReportOutcome::accepted) {
            status_.last_accepted_id = report_id;
            status_.last_accepted_at = now;
        }
        publish_status();
    }

    void try_connect() {
        auto connected = transport_.connect();
        if (!connected) {
            const auto wait = backoff_.next();
            log_line(outage_log_.failed(connected.error().message, wait, Clock::now()));
            next_connect_ = Clock::now() + wait;
            connection_failed("cannot connect: " + connected.error().message);
            return;
        }
        auto subscribed = transport_.subscribe(reply_topics_);
        if (!subscribed) {
            // A policy without iot:Subscribe refuses every retry: one warning an hour.
            log_(subscribe_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
                 "cannot subscribe to the reply topics: " + subscribed.error().message);
            transport_.disconnect(std::chrono::seconds(1));
            next_connect_ = Clock::now() + backoff_.next();
            connection_failed("cannot subscribe to the reply topics: " +
                              subscribed.error().message);
            return;
        }
        connected_at_ = Clock::now();
        log_line(outage_log_.connected(*connected_at_));
        set_state(ConnectionState::connected);
        // Reports in doubt are resent now if the broker kept the session: their replies
        // come within the reply timeout from here.
        for (auto& pending : pending_) {
            if (pending.in_doubt) {
                pending.published_at = Clock::now();
                pending.reconnected = true;
            }
        }
        if (report_due_ || missed_while_down_) {
            // One fresh report now (the first one, or one instead of those missed while down),
            // then the schedule restarts from here so that reports stay a full interval apart.
            report_due_ = true;
            next_report_ = Clock::now() + options_.interval;
        }
        missed_while_down_ = false;
    }

    void publish_report() {
        auto snapshot = collector_.collect();
        if (!snapshot) {
            ++counts_.failed;
            // One error per outage of a source, not one per report; the baseline stays, so
            // the traffic of the reports not sent is carried into the next one.
            log_(collect_failing_ ? LogLevel::debug : LogLevel::error,
                 "cannot collect metrics: " + snapshot.error().message +
                     (collect_failing_ ? "" : "; reports resume when it can be read again"));
            collect_failing_ = true;
            report_outcome(0, ReportOutcome::failed,
                           "cannot collect metrics: " + snapshot.error().message);
            return;
        }
        if (collect_failing_) log_(LogLevel::info, "metrics can be collected again");
        collect_failing_ = false;
        std::set<std::string> warnings(snapshot->warnings.begin(), snapshot->warnings.end());
        for (const auto& warning : warnings)
            log_(collector_warnings_.count(warning) ? LogLevel::debug : LogLevel::warn, warning);
        collector_warnings_ = std::move(warnings);
        const Baseline* since = delivered_baseline();
        notice_clock_step();
        const std::uint64_t report_id = report_ids_.next();
        ids_issued_ = true;
        save_state();
        Report report = build_report(*snapshot, since, report_id, options_.build, random_);
        add_custom_metrics(report);
        if (stopping_) return;  // its commands were killed: not a report worth sending
        auto bytes =
            encode_within_limits(report, options_.encoding, options_.max_report_bytes, random_);
        if (!bytes) {
            ++counts_.failed;
            log_(LogLevel::error, "cannot encode report " + std::to_string(report_id) + ": " +
                                      bytes.error().message);
            report_outcome(report_id, ReportOutcome::failed,
                           "cannot encode it: " + bytes.error().message);
            return;
        }
        const auto publish_started = Clock::now();
        auto published = transport_.publish(publish_topic_, *bytes, options_.publish_timeout);
        if (!published) {
            ++counts_.failed;
            if (!transport_.is_connected()) missed_while_down_ = true;
            // A publish that waited the whole timeout was sent and stays in flight: the
            // transport delivers it after a reconnect (persistent session), so its traffic
            // must not be sent again. One refused at once was not sent: it is carried.
            const bool in_flight = Clock::now() - publish_started >= options_.publish_timeout;
            if (in_flight && options_.expect_replies) {
                pending_.push_back({report_id, baseline_of(*snapshot), Clock::now(), true});
                keep_report(report_id, *bytes);
            }
            // One warning per streak: a dead link fails every publish until it is noticed.
            log_(publish_failing_ ? LogLevel::debug : LogLevel::warn,
                 "report " + std::to_string(report_id) +
                     " not acknowledged by the broker: " + published.error().message +
                     (in_flight ? " (still in flight: the next report waits for its reply)"
                                : " (its traffic goes into the next report)"));
            publish_failing_ = true;
            report_outcome(report_id, ReportOutcome::failed,
                           "not acknowledged by the broker: " + published.error().message);
            return;
        }
        publish_failing_ = false;
        ++counts_.published;
        keep_report(report_id, *bytes);
        if (options_.expect_replies) {
            pending_.push_back({report_id, baseline_of(*snapshot), Clock::now()});
        } else {
            confirmed_ = baseline_of(*snapshot);
        }
        save_state();
        log_(LogLevel::debug,
             std::string(options_.dry_run ? "would publish report " : "published report ") +
                 std::to_string(report_id) + " (" + std::to_string(bytes->size()) + " bytes)");
    }

    // --log-reports: a failure to keep a copy never stops reporting; a warning an hour.
    void keep_report(std::uint64_t report_id, const std::string& bytes) {
        if (report_log_) {
            log_report_problem(report_log_->published(report_id, options_.encoding.format, bytes));
        }
    }
    void keep_outcome(std::uint64_t report_id, const std::string& outcome,
                      const Reply* reply = nullptr) {
        if (report_log_) {
            log_report_problem(report_log_->settled(report_id, outcome,
                                                    reply ? reply->error_code : std::string(),
                                                    reply ? reply->error_message : std::string()));
        }
    }
    void log_report_problem(const Status& status) {
        if (status) return;
        log_(report_log_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
             status.error().message + " (--log-reports; reporting goes on)");
    }

    // A wall clock stepped by NTP or by hand changes nothing here (ids stay increasing, the
    // schedule is on the monotonic clock), but it explains ids ahead of the clock: one line.
    void notice_clock_step() {
        using std::chrono::duration_cast;
        using std::chrono::milliseconds;
        const auto offset =
            duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()) -
            duration_cast<milliseconds>(Clock::now().time_since_epoch());
        if (wall_offset_) {
            const auto step = offset - *wall_offset_;
            if (step <= -kClockStep || step >= kClockStep) {
                log_(LogLevel::warn,
                     std::string("the wall clock stepped ") +
                         (step.count() < 0 ? "back" : "forward") + " by " +
                         seconds_text(milliseconds(std::abs(step.count()))) +
                         "; report ids stay increasing and the schedule is unaffected");
            }
        }
        wall_offset_ = offset;
    }

    void add_custom_metrics(Report& report) {
        if (!options_.custom_metrics) return;
        auto reading = options_.custom_metrics->read();
        for (const auto& notice : reading.notices)
            log_(notice.problem ? LogLevel::warn : LogLevel::info, notice.message);
        for (auto& metric : reading.metrics)
            report.custom_metrics.push_back(std::move(metric));
    }

    void handle(LoopEvent event) {
        if (std::holds_alternative<StopRequested>(event)) return;
        if (std::holds_alternative<ReconfigureRequested>(event)) return apply_new_options();
        auto& transport_event = std::get<TransportEvent>(event);
        if (auto* lost = std::get_if<ConnectionLost>(&transport_event)) {
            const auto now = Clock::now();
            log_line(outage_log_.lost(lost->reason, now));
            // Backoff starts afresh only after a link that held; a report is due on the
            // reconnect only if a slot passed meanwhile (the loop marks it), so a broker that
            // drops the agent after each publish sees neither a storm nor extra reports.
            if (connected_at_ && now - *connected_at_ >= kStableLink) backoff_.reset();
            connected_at_.reset();
            next_connect_ = now + backoff_.next();
            set_state(ConnectionState::disconnected, "connection lost: " + lost->reason);
            return;
        }
        handle_message(std::get<IncomingMessage>(transport_event));
    }

    void handle_message(const IncomingMessage& message) {
        const auto topic = parse_topic(message.topic);
        if (!topic || topic->thing_name != options_.thing_name ||
            topic->format != options_.encoding.format || topic->kind == TopicKind::publish) {
            log_(LogLevel::debug, "ignored a message on " + peer_text(message.topic));
            return;
        }
        if (const auto size = message.payload.size() + message.dropped_payload_bytes;
            size > kMaxReplyBytes) {
            log_(LogLevel::debug, "ignored a " + std::to_string(size) + "-byte message on " +
                                      peer_text(message.topic));
            return;
        }
        auto reply = parse_reply(message.payload, topic->format);
        if (!reply) {
            // Garbage on our own reply topic: worth one warning, but a sender repeating it
            // must not flood the log.
            log_(bad_reply_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
                 "ignored an unreadable reply on " + peer_text(message.topic) + ": " +
                     peer_text(reply.error().message));
            return;
        }
        if (!reply->thing_name.empty() && reply->thing_name != options_.thing_name) {
            log_(LogLevel::debug, "ignored a reply for thing " + peer_text(reply->thing_name) +
                                      " on " + peer_text(message.topic));
            return;
        }
        if (unanswered_streak_ > 0) {
            log_(LogLevel::info, "replies arrive again after " +
                                     std::to_string(unanswered_streak_) + " unanswered report(s)");
            unanswered_streak_ = 0;
        }
        if (topic->kind == TopicKind::accepted && reply->status == ReplyStatus::accepted) {
            on_accepted(*reply);
        } else if (topic->kind == TopicKind::rejected && reply->status == ReplyStatus::rejected) {
            on_rejected(*reply);
        } else {
            log_(bad_reply_warnings_.warn() ? LogLevel::warn : LogLevel::debug,
                 "ignored a reply whose status does not match its topic " +
                     peer_text(message.topic));
        }
    }

    std::deque<PendingReport>::iterator find_pending(std::optional<std::uint64_t> report_id) {
        if (!report_id) return pending_.empty() ? pending_.end() : std::prev(pending_.end());
        return std::find_if(pending_.begin(), pending_.end(),
                            [&](const PendingReport& p) { return p.report_id == *report_id; });
    }

    void on_accepted(const Reply& reply) {
        const auto pending = find_pending(reply.report_id);
        if (!reply.report_id || pending == pending_.end()) {
            log_(LogLevel::debug, "accepted reply for a report this agent is not waiting for");
            return;
        }
        ++counts_.accepted;
        keep_outcome(*reply.report_id, "accepted");
        backoff_.reset();  // the whole path works
        confirmed_ = pending->baseline;
        // Older unanswered reports are covered by this one's baseline.
        pending_.erase(pending_.begin(), std::next(pending));
        report_outcome(*reply.report_id, ReportOutcome::accepted);  // saves the state
        log_(LogLevel::info, "report " + std::to_string(*reply.report_id) + " accepted (" +
                                 format_counts(counts_) + ")");
    }

    void on_rejected(const Reply& reply) {
        const auto pending = find_pending(reply.report_id);
        if (pending == pending_.end()) {
            log_(LogLevel::debug, "rejected reply for a report this agent is not waiting for");
            return;
        }
        const auto report_id = pending->report_id;
        // The baseline stays: the traffic of a rejected report is carried into the next one.
        pending_.erase(pending);
        ++counts_.rejected;
        keep_outcome(report_id, "rejected", &reply);
        report_outcome(report_id, ReportOutcome::rejected,
                       peer_text(reply.error_code) + ": " + peer_text(reply.error_message));
        log_(LogLevel::warn,
             "report " + std::to_string(report_id) + " rejected: " + peer_text(reply.error_code) +
                 ": " + peer_text(reply.error_message) + " (" + format_counts(counts_) + ")");
        if (reply.error_code == "Throttled") {
            next_report_ = Clock::now() + options_.interval;
            report_due_ = false;
            log_(LogLevel::info, "throttled: next report in a full interval");
        }
    }

    Clock::time_point expires_at(const PendingReport& pending) const {
        const auto wait = pending.in_doubt && !pending.reconnected
                              ? kDoubtfulTimeouts * options_.reply_timeout
                              : options_.reply_timeout;
        return pending.published_at + wait;
    }

    void expire_unanswered() {
        const auto now = Clock::now();
        while (!pending_.empty() && now >= expires_at(pending_.front())) {
            auto& front = pending_.front();
            if (front.in_doubt) {
                // While disconnected its fate is still open: the reconnect may resend it.
                if (!transport_.is_connected()) break;
                log_(LogLevel::info, "report " + std::to_string(front.report_id) +
                                         " was lost in flight (no reply after the reconnect); "
                                         "its traffic goes into the next report");
                keep_outcome(front.report_id, "lost");
                pending_.pop_front();
                save_state();
                continue;
            }
            // Delivered (PUBACK) but never answered: count it as delivered so its traffic is
            // not reported twice.
            confirmed_ = front.baseline;
            ++counts_.unanswered;
            keep_outcome(front.report_id, "unanswered");
            // One warning per silent stretch (a broker without Device Defender never answers).
            log_(unanswered_streak_++ == 0 ? LogLevel::warn : LogLevel::debug,
                 "no reply to report " + std::to_string(front.report_id) + " within " +
                     seconds_text(options_.reply_timeout) + " (" + format_counts(counts_) + ")");
            const auto report_id = front.report_id;
            pending_.pop_front();
            report_outcome(report_id, ReportOutcome::unanswered);
        }
    }

    AgentOptions options_;
    Collector& collector_;
    Transport& transport_;
    LogSink log_;
    std::mt19937_64 random_;
    Backoff backoff_;
    EventQueue<LoopEvent> events_;
    std::atomic<bool> stopping_{false};
    std::mutex reconfigure_mutex_;
    std::optional<AgentOptions> new_options_;
    std::shared_ptr<CustomMetricSet> running_metrics_;  ///< guarded by reconfigure_mutex_

    std::string publish_topic_;
    std::vector<std::string> reply_topics_;
    ReportIdSequence report_ids_;
    std::uint64_t reserved_through_ = 0;  // the synced id reserve (state_file.hpp)
    bool ids_issued_ = false;             // this run used a report id
    std::optional<StateWriter> state_writer_;
    std::string boot_id_;
    bool state_write_failing_ = false;
    RepeatLimiter state_warnings_;
    RepeatLimiter bad_reply_warnings_;
    RepeatLimiter subscribe_warnings_;
    RepeatLimiter dropped_message_warnings_;
    std::uint64_t dropped_messages_ = 0;
    RepeatLimiter report_log_warnings_{options_.repeat_warning_interval};
    std::optional<ReportLog> report_log_;
    bool collect_failing_ = false;
    bool publish_failing_ = false;
    std::optional<std::chrono::milliseconds> wall_offset_;  ///< wall clock minus monotonic
    std::set<std::string> collector_warnings_;              ///< those of the last collection
    std::uint64_t unanswered_streak_ = 0;

    Clock::time_point next_report_{};
    Clock::time_point next_connect_{};
    bool report_due_ = false;
    bool missed_while_down_ = false;  ///< a publish failed on a dropped link
    std::optional<Clock::time_point> connected_at_;
    OutageLog outage_log_;
    Clock::time_point next_heartbeat_{};
    AgentStatus status_;

    std::optional<Baseline> confirmed_;  ///< counters of the last accepted (or delivered) report
    std::deque<PendingReport> pending_;
    AgentCounts counts_;
    AgentCounts earlier_runs_;  // totals of the runs before this one, from the state file
};

Agent::Agent(AgentOptions options, Collector& collector, Transport& transport, LogSink log)
    : loop_(std::make_unique<Loop>(std::move(options), collector, transport, std::move(log))) {}
Agent::~Agent() = default;
AgentCounts Agent::run() {
    return loop_->run();
}
void Agent::stop() {
    loop_->stop();
}
void Agent::reconfigure(AgentOptions options) {
    loop_->reconfigure(std::move(options));
}

}  // namespace defender
