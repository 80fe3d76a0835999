// SPDX-License-Identifier: Apache-2.0
#include "agent/agent_loop.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <variant>

#include "agent/mirror_topic.hpp"
#include "agent/status_text.hpp"
#include "defender/topics.hpp"
#include "util/printable.hpp"

namespace defender {
namespace {

/// A connection that stayed up this long was healthy: the next reconnect starts again with
/// short waits. A broker that drops the agent sooner (AWS IoT, when the policy denies a
/// publish) makes the waits grow.
constexpr std::chrono::seconds kStableLink{60};

/// A change of the wall clock against the monotonic clock larger than this is a step.
constexpr std::chrono::seconds kClockStep{5};

/// Messages from the broker waiting for the loop (while it waits for a PUBACK, a collection or
/// a metric command): at most this many, holding at most kQueuedMessageBytes (topic, payload
/// and the queue's own share); the oldest are dropped beyond that. Replies come one per
/// report, so a bound this size is only ever reached by a broker flooding the agent.
constexpr std::size_t kQueuedMessages = 64;
constexpr std::size_t kQueuedMessageBytes = 1024 * 1024;

// A string the broker or the service chose, for a log line: escaped and cut short.
std::string peer_text(std::string_view text) {
    return util::printable(text, util::kMaxPeerTextBytes);
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

ClientLoopOptions client_options(const AgentOptions& options) {
    ClientLoopOptions client;
    client.backoff_initial = options.backoff_initial;
    client.backoff_max = options.backoff_max;
    client.stable_link = kStableLink;
    client.queued_messages = kQueuedMessages;
    client.queued_message_bytes = kQueuedMessageBytes;
    client.kept_payload_bytes = kMaxReplyBytes;
    return client;
}

}  // namespace

AgentLoop::AgentLoop(AgentOptions options, Collector& collector, Transport& transport, LogSink log,
                     LoopClock& clock)
    : options_(std::move(options)),
      log_(std::move(log)),
      clock_(clock),
      client_(transport, clock, client_options(options_)),
      maker_(collector, log_, std::random_device{}()),
      schedule_(options_.interval, clock.now()),
      ledger_(options_.reply_timeout),
      store_(options_.state_file, options_.boot_id_file, options_.repeat_warning_interval, clock,
             log_),
      outage_log_(options_.outage_reminder, std::chrono::hours(1), options_.outage_reminder),
      running_metrics_(options_.custom_metrics),
      bad_reply_warnings_(options_.repeat_warning_interval),
      subscribe_warnings_(options_.repeat_warning_interval),
      dropped_message_warnings_(options_.repeat_warning_interval),
      report_log_warnings_(options_.repeat_warning_interval),
      mirror_warnings_(options_.repeat_warning_interval) {
    if (!options_.report_log_dir.empty())
        report_log_.emplace(options_.report_log_dir, options_.report_log_count);
}

AgentCounts AgentLoop::run() {
    if (auto topics = make_topics(); !topics) {
        log_(LogLevel::error, topics.error().message);
        return ledger_.counts();
    }
    load_state();
    (void)client_.set_subscriptions(reply_topics_);  // not connected yet: nothing to fail
    const auto start = clock_.now();
    schedule_ = ReportSchedule(options_.interval, start);  // the first report goes out at once
    next_heartbeat_ = start;
    status_.destination = options_.destination;
    set_state(ConnectionState::starting);
    client_.run(*this);
    set_state(ConnectionState::stopped);  // saves the totals of this run's last replies
    const AgentCounts& counts = ledger_.counts();
    log_(LogLevel::info, options_.dry_run
                             ? "stopped (dry run: " + std::to_string(counts.published) +
                                   " report(s) printed, nothing published)"
                             : "stopped (" + reply_counts_text(counts) + ")");
    return counts;
}

void AgentLoop::stop() {
    client_.stop();
    // A custom-metric command may run for up to an hour: kill it, do not wait.
    std::lock_guard lock(reconfigure_mutex_);
    if (running_metrics_) running_metrics_->cancel();
}

void AgentLoop::reconfigure(AgentOptions options) {
    {
        std::lock_guard lock(reconfigure_mutex_);
        new_options_ = std::move(options);
    }
    client_.wake();
}

ClientHandler::Time AgentLoop::work(Time now) {
    heartbeat(now);
    schedule_.tick(now);
    if (schedule_.due() && client_.connected() && !ledger_.has_report_in_doubt()) {
        schedule_.sent();
        publish_report();
    }
    expire_unanswered();
    if (options_.stop_after_reports != 0 &&
        ledger_.settled(options_.expect_replies) >= options_.stop_after_reports) {
        client_.stop();
    }
    return next_deadline();
}

ClientHandler::Time AgentLoop::next_deadline() const {
    auto deadline = schedule_.next_slot();
    if (options_.heartbeat_interval.count() > 0) deadline = std::min(deadline, next_heartbeat_);
    if (const auto expiry = ledger_.next_expiry(client_.connected()))
        deadline = std::min(deadline, *expiry);
    return deadline;
}

// A watchdog's ping: the loop is alive. Never called without an interval.
void AgentLoop::heartbeat(Time now) {
    if (options_.heartbeat_interval.count() <= 0 || !options_.on_heartbeat) return;
    if (now < next_heartbeat_) return;
    options_.on_heartbeat();
    next_heartbeat_ = now + options_.heartbeat_interval;
}

void AgentLoop::connected(Time now) {
    log_line(outage_log_.connected(now));
    set_state(ConnectionState::connected);
    // Reports in doubt are resent now if the broker kept the session: their replies come
    // within the reply timeout from here.
    ledger_.reconnected(clock_.now());
    // One fresh report now if one is due (the first one, or one instead of those missed while
    // down), then the slots restart from here so that reports stay a full interval apart.
    schedule_.connected(clock_.now());
}

// An attempt failed: a new status when the outage begins or its cause changes, not at every
// retry.
void AgentLoop::connect_failed(const std::string& error, std::chrono::milliseconds retry,
                               Time now) {
    log_line(outage_log_.failed(error, retry, now));
    connection_failed("cannot connect: " + error);
}

void AgentLoop::subscribe_failed(const std::string& error, std::chrono::milliseconds, Time now) {
    // A policy without iot:Subscribe refuses every retry: one warning an hour.
    log_(subscribe_warnings_.warn(now) ? LogLevel::warn : LogLevel::debug,
         "cannot subscribe to the reply topics: " + error);
    connection_failed("cannot subscribe to the reply topics: " + error);
}

// Backoff starts afresh only after a link that held (client_loop.hpp); a report is due on the
// reconnect only if a slot passed meanwhile, so a broker that drops the agent after each
// publish sees neither a storm nor extra reports.
void AgentLoop::connection_lost(const std::string& reason, std::chrono::milliseconds, Time now) {
    log_line(outage_log_.lost(reason, now));
    set_state(ConnectionState::disconnected, "connection lost: " + reason);
}

// A broker sending faster than the loop reads: one warning per repeat_warning_interval, debug
// lines in between.
void AgentLoop::messages_dropped(std::size_t dropped) {
    dropped_messages_ += dropped;
    log_(dropped_message_warnings_.warn(clock_.now()) ? LogLevel::warn : LogLevel::debug,
         "dropped " + std::to_string(dropped) +
             " message(s) from the broker, sent faster than the agent reads them (at most " +
             std::to_string(kQueuedMessages) + " messages or " +
             std::to_string(kQueuedMessageBytes / 1024) +
             " KiB wait; a reply among them counts as unanswered; " +
             std::to_string(dropped_messages_) + " dropped since the start)");
}

void AgentLoop::woken() {
    apply_new_options();
}

// Runs on the loop's thread between two reports: the next report uses the new settings.
void AgentLoop::apply_new_options() {
    std::optional<AgentOptions> changed;
    {
        std::lock_guard lock(reconfigure_mutex_);
        changed.swap(new_options_);
    }
    if (!changed) return;
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
    const bool new_mirror = options_.mirror_topic != changed->mirror_topic;
    options_.mirror_topic = changed->mirror_topic;
    // The schedule keeps its last slot and continues at the new interval from there.
    schedule_.set_interval(options_.interval, clock_.now());
    if (options_.encoding.format != old_format || new_mirror) {
        if (auto topics = make_topics(); !topics) log_(LogLevel::error, topics.error().message);
    }
    if (options_.encoding.format != old_format) {
        if (auto subscribed = client_.set_subscriptions(reply_topics_); !subscribed)
            log_(LogLevel::warn,
                 "cannot subscribe to the reply topics: " + subscribed.error().message);
    }
    log_(LogLevel::info, "configuration reloaded");
}

Status AgentLoop::make_topics() {
    const auto format = options_.encoding.format;
    auto publish = make_topic(options_.thing_name, format, TopicKind::publish);
    if (!publish) return publish.error();
    publish_topic_ = *publish;
    reply_topics_ = {*make_topic(options_.thing_name, format, TopicKind::accepted),
                     *make_topic(options_.thing_name, format, TopicKind::rejected)};
    mirror_topic_.clear();
    if (!options_.mirror_topic.empty()) {
        auto mirror = mirror_topic(options_.mirror_topic, options_.thing_name, format);
        if (!mirror) return mirror.error();
        mirror_topic_ = *mirror;
    }
    return Done{};
}

void AgentLoop::load_state() {
    auto earlier = store_.load();
    if (earlier.baseline) ledger_.restore(std::move(*earlier.baseline));
    if (earlier.status) {
        // What the last report was survives a restart; the connection does not.
        status_.last_report_id = earlier.status->last_report_id;
        status_.last_outcome = earlier.status->last_outcome;
        status_.last_report_at = earlier.status->last_report_at;
        status_.last_report_detail = earlier.status->last_report_detail;
        status_.last_accepted_id = earlier.status->last_accepted_id;
        status_.last_accepted_at = earlier.status->last_accepted_at;
    }
}

void AgentLoop::save_state() {
    store_.save(ledger_.baseline_to_save(), status_, ledger_.counts());
}

void AgentLoop::publish_report() {
    auto snapshot = maker_.collect();
    if (!snapshot) {
        ledger_.failed();
        report_outcome(0, ReportOutcome::failed,
                       "cannot collect metrics: " + snapshot.error().message);
        return;
    }
    const Baseline* since = ledger_.next_baseline();
    notice_clock_step();
    const std::uint64_t report_id = store_.next_report_id();
    save_state();
    Report report = maker_.build(*snapshot, since, report_id, options_);
    if (client_.stopping()) return;  // its commands were killed: not a report worth sending
    auto bytes = maker_.encode(report, options_);
    if (!bytes) {
        ledger_.failed();
        log_(LogLevel::error,
             "cannot encode report " + std::to_string(report_id) + ": " + bytes.error().message);
        report_outcome(report_id, ReportOutcome::failed,
                       "cannot encode it: " + bytes.error().message);
        return;
    }
    const auto publish_started = clock_.now();
    auto published = client_.transport().publish(publish_topic_, *bytes, options_.publish_timeout);
    if (!published) {
        ledger_.failed();
        if (!client_.connected()) schedule_.missed();
        // A publish that waited the whole timeout was sent and stays in flight: the transport
        // delivers it after a reconnect (persistent session), so its traffic must not be sent
        // again. One refused at once was not sent: it is carried.
        const bool in_flight = clock_.now() - publish_started >= options_.publish_timeout;
        if (in_flight && options_.expect_replies) {
            ledger_.in_doubt(report_id, baseline_of(*snapshot), clock_.now());
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
    ledger_.acknowledged(report_id, baseline_of(*snapshot), clock_.now(), options_.expect_replies);
    keep_report(report_id, *bytes);
    save_state();
    publish_mirror(report_id, *bytes);
    log_(LogLevel::debug,
         std::string(options_.dry_run ? "would publish report " : "published report ") +
             std::to_string(report_id) + " (" + std::to_string(bytes->size()) + " bytes)");
}

// --mirror-topic: the same bytes, once the broker acknowledged the Device Defender publish
// (a report it never got is not mirrored: a detector would count its traffic twice). A
// failure changes nothing of the report's delivery; a warning per repeat_warning_interval.
void AgentLoop::publish_mirror(std::uint64_t report_id, const std::string& bytes) {
    if (mirror_topic_.empty() || options_.dry_run) return;
    const auto mirrored =
        client_.transport().publish(mirror_topic_, bytes, options_.publish_timeout);
    if (mirrored) return;
    log_(mirror_warnings_.warn(clock_.now()) ? LogLevel::warn : LogLevel::debug,
         "cannot mirror report " + std::to_string(report_id) + " on " + mirror_topic_ + ": " +
             mirrored.error().message +
             " (--mirror-topic; the Device Defender publish is not affected)");
}

// --log-reports: a failure to keep a copy never stops reporting; a warning an hour.
void AgentLoop::keep_report(std::uint64_t report_id, const std::string& bytes) {
    if (!report_log_) return;
    const auto kept = report_log_->published(report_id, options_.encoding.format, bytes);
    if (kept) return;
    log_(report_log_warnings_.warn(clock_.now()) ? LogLevel::warn : LogLevel::debug,
         kept.error().message + " (--log-reports; reporting goes on)");
}

void AgentLoop::keep_outcome(std::uint64_t report_id, const std::string& outcome,
                             const Reply* reply) {
    if (!report_log_) return;
    const auto kept =
        report_log_->settled(report_id, outcome, reply ? reply->error_code : std::string(),
                             reply ? reply->error_message : std::string());
    if (kept) return;
    log_(report_log_warnings_.warn(clock_.now()) ? LogLevel::warn : LogLevel::debug,
         kept.error().message + " (--log-reports; reporting goes on)");
}

// A wall clock stepped by NTP or by hand changes nothing here (ids stay increasing, the
// schedule is on the monotonic clock), but it explains ids ahead of the clock: one line.
void AgentLoop::notice_clock_step() {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto offset = duration_cast<milliseconds>(clock_.wall_now().time_since_epoch()) -
                        duration_cast<milliseconds>(clock_.now().time_since_epoch());
    if (wall_offset_) {
        const auto step = offset - *wall_offset_;
        if (step <= -kClockStep || step >= kClockStep) {
            log_(LogLevel::warn, std::string("the wall clock stepped ") +
                                     (step.count() < 0 ? "back" : "forward") + " by " +
                                     seconds_text(milliseconds(std::abs(step.count()))) +
                                     "; report ids stay increasing and the schedule is unaffected");
        }
    }
    wall_offset_ = offset;
}

void AgentLoop::message(const IncomingMessage& message, Time) {
    auto read = read_reply(message, options_.thing_name, options_.encoding.format);
    if (const auto* ignored = std::get_if<IgnoredMessage>(&read)) return log_ignored(*ignored);
    const auto& reply = std::get<TopicReply>(read);
    if (const auto streak = ledger_.reply_arrived(); streak > 0) {
        log_(LogLevel::info,
             "replies arrive again after " + std::to_string(streak) + " unanswered report(s)");
    }
    if (const auto mismatch = check_status_matches_topic(reply, message))
        return log_ignored(*mismatch);
    if (reply.kind == TopicKind::accepted) {
        on_accepted(reply.reply);
    } else {
        on_rejected(reply.reply);
    }
}

// Garbage on the agent's own reply topics is a warning, but a sender repeating it must not
// flood the log.
void AgentLoop::log_ignored(const IgnoredMessage& ignored) {
    const bool warn = ignored.worth_a_warning && bad_reply_warnings_.warn(clock_.now());
    log_(warn ? LogLevel::warn : LogLevel::debug, ignored.text);
}

void AgentLoop::on_accepted(const Reply& reply) {
    if (!ledger_.accepted(reply.report_id)) {
        log_(LogLevel::debug, "accepted reply for a report this agent is not waiting for");
        return;
    }
    const auto report_id = *reply.report_id;
    keep_outcome(report_id, "accepted");
    client_.reset_backoff();                             // the whole path works
    report_outcome(report_id, ReportOutcome::accepted);  // saves the state
    log_(LogLevel::info, "report " + std::to_string(report_id) + " accepted (" +
                             reply_counts_text(ledger_.counts()) + ")");
}

void AgentLoop::on_rejected(const Reply& reply) {
    const auto report_id = ledger_.rejected(reply.report_id);
    if (!report_id) {
        log_(LogLevel::debug, "rejected reply for a report this agent is not waiting for");
        return;
    }
    // The baseline stays: the traffic of a rejected report is carried into the next one.
    keep_outcome(*report_id, "rejected", &reply);
    report_outcome(*report_id, ReportOutcome::rejected,
                   peer_text(reply.error_code) + ": " + peer_text(reply.error_message));
    log_(LogLevel::warn, "report " + std::to_string(*report_id) + " rejected: " +
                             peer_text(reply.error_code) + ": " + peer_text(reply.error_message) +
                             " (" + reply_counts_text(ledger_.counts()) + ")");
    if (reply.error_code == "Throttled") {
        schedule_.throttled(clock_.now());
        log_(LogLevel::info, "throttled: next report in a full interval");
    }
}

void AgentLoop::expire_unanswered() {
    while (const auto expired = ledger_.expire(clock_.now(), client_.connected())) {
        if (expired->lost) {
            log_(LogLevel::info, "report " + std::to_string(expired->report_id) +
                                     " was lost in flight (no reply after the reconnect); "
                                     "its traffic goes into the next report");
            keep_outcome(expired->report_id, "lost");
            save_state();
            continue;
        }
        // Delivered (PUBACK) but never answered: counted as delivered so that its traffic is
        // not reported twice.
        keep_outcome(expired->report_id, "unanswered");
        // One warning per silent stretch (a broker without Device Defender never answers).
        log_(expired->first_unanswered ? LogLevel::warn : LogLevel::debug,
             "no reply to report " + std::to_string(expired->report_id) + " within " +
                 seconds_text(options_.reply_timeout) + " (" + reply_counts_text(ledger_.counts()) +
                 ")");
        report_outcome(expired->report_id, ReportOutcome::unanswered);
    }
}

// Saves the status with the state and hands it to the hook.
void AgentLoop::publish_status() {
    save_state();
    if (!options_.on_status) return;
    status_.lifetime = store_.lifetime(ledger_.counts());
    options_.on_status(status_);
}

void AgentLoop::set_state(ConnectionState state, std::string error, bool keep_since) {
    if (state != status_.state && !keep_since) status_.since = clock_.wall_now();
    status_.state = state;
    status_.last_error = std::move(error);
    publish_status();
}

void AgentLoop::connection_failed(const std::string& error) {
    if (status_.state == ConnectionState::disconnected && status_.last_error == error) return;
    // An outage at start-up began with the start.
    set_state(ConnectionState::disconnected, error, status_.state == ConnectionState::starting);
}

void AgentLoop::report_outcome(std::uint64_t report_id, ReportOutcome outcome, std::string detail) {
    const auto now = clock_.wall_now();
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

}  // namespace defender
