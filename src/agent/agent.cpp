#include "defender/agent.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <random>
#include <variant>

#include "agent/backoff.hpp"
#include "agent/event_queue.hpp"
#include "agent/report_ids.hpp"
#include "agent/state_file.hpp"
#include "defender/reply.hpp"
#include "defender/topics.hpp"

namespace defender {
namespace {

using Clock = std::chrono::steady_clock;

struct StopRequested {};
struct ReconfigureRequested {};
using LoopEvent = std::variant<TransportEvent, StopRequested, ReconfigureRequested>;

/// Replies larger than this are not Device Defender replies; they are dropped unread.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

// A report the broker acknowledged and the service has not answered yet.
struct PendingReport {
    std::uint64_t report_id;
    Baseline baseline;  ///< the counters this report's deltas ran up to
    Clock::time_point published_at;
};

std::string format_counts(const AgentCounts& counts) {
    return "accepted " + std::to_string(counts.accepted) + ", rejected " +
           std::to_string(counts.rejected) + ", unanswered " + std::to_string(counts.unanswered);
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
          backoff_(options_.backoff_initial, options_.backoff_max, random_()) {}

    AgentCounts run() {
        if (auto topics = make_topics(); !topics) {
            log_(LogLevel::error, topics.error().message);
            return counts_;
        }
        load_state();
        transport_.set_event_sink([this](TransportEvent event) { events_.push(std::move(event)); });
        const auto start = Clock::now();
        next_report_ = start;
        next_connect_ = start;
        report_due_ = true;  // the first report goes out as soon as we are connected

        while (!stopping_) {
            auto now = Clock::now();
            if (!transport_.is_connected() && now >= next_connect_) try_connect();
            now = Clock::now();
            if (now >= next_report_) {
                report_due_ = true;
                next_report_ = advance(next_report_, now);
            }
            if (report_due_ && transport_.is_connected()) {
                report_due_ = false;
                publish_report();
            }
            expire_unanswered();
            if (options_.stop_after_reports != 0 && settled() >= options_.stop_after_reports) break;
            if (auto event = events_.pop_until(next_deadline())) handle(std::move(*event));
        }
        transport_.disconnect(std::chrono::seconds(2));
        log_(LogLevel::info, "stopped (" + format_counts(counts_) + ")");
        return counts_;
    }

    void stop() {
        stopping_ = true;

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
        auto state = load_state_file();
        report_ids_ = ReportIdSequence(state.last_report_id);
    }

    AgentState load_state_file() {
        auto state = ::defender::load_state(options_.state_file);
        if (state) return *state;
        log_(LogLevel::warn,
             state.error().message + "; starting afresh with report ids from the clock");
        return {};
    }

    void save_state() {
        if (options_.state_file.empty()) return;
        auto saved = ::defender::save_state(options_.state_file, {report_ids_.last()});
        if (!saved && !state_write_warned_) {
            log_(LogLevel::warn,
                 saved.error().message + "; report ids stay increasing from the clock");
            state_write_warned_ = true;
        } else if (saved) {
            state_write_warned_ = false;
        }
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
        if (!transport_.is_connected() && next_connect_ < deadline) deadline = next_connect_;
        if (!pending_.empty()) {
            deadline = std::min(deadline, pending_.front().published_at + options_.reply_timeout);
        }
        return deadline;
    }

    void try_connect() {
        auto connected = transport_.connect();
        if (!connected) {
            const auto wait = backoff_.next();
            // One line per failure streak change keeps a long outage from flooding the log.
            log_(backoff_.failures() == 1 ? LogLevel::warn : LogLevel::debug,
                 "cannot connect: " + connected.error().message + "; retrying in " +
                     std::to_string(wait.count() / 1000.0).substr(0, 5) + " s");
            next_connect_ = Clock::now() + wait;
            return;
        }
        auto subscribed = transport_.subscribe(reply_topics_);
        if (!subscribed) {
            log_(LogLevel::warn,
                 "cannot subscribe to the reply topics: " + subscribed.error().message);
            transport_.disconnect(std::chrono::seconds(1));
            next_connect_ = Clock::now() + backoff_.next();
            return;
        }
        log_(LogLevel::info, backoff_.failures() == 0 && !was_connected_
                                 ? "connected"
                                 : "connected again after " + std::to_string(backoff_.failures()) +
                                       " failed attempt(s)");
        backoff_.reset();
        if (report_due_ || missed_while_down_) {
            // One fresh report now (the first one, or one instead of those missed while down),
            // then the schedule restarts from here so that reports stay a full interval apart.
            report_due_ = true;
            next_report_ = Clock::now() + options_.interval;
        }
        missed_while_down_ = false;
        was_connected_ = true;
    }

    void publish_report() {
        auto snapshot = collector_.collect();
        if (!snapshot) {
            ++counts_.failed;
            log_(LogLevel::error, "cannot collect metrics: " + snapshot.error().message);
            return;
        }
        for (const auto& warning : snapshot->warnings)
            log_(LogLevel::warn, warning);
        const Baseline* since =
            pending_.empty() ? (confirmed_ ? &*confirmed_ : nullptr) : &pending_.back().baseline;
        const std::uint64_t report_id = report_ids_.next();
        save_state();
        Report report = build_report(*snapshot, since, report_id, options_.build, random_);
        add_custom_metrics(report);
        auto bytes =
            encode_within_limits(report, options_.encoding, options_.max_report_bytes, random_);
        if (!bytes) {
            ++counts_.failed;
            log_(LogLevel::error, "cannot encode report " + std::to_string(report_id) + ": " +
                                      bytes.error().message);
            return;
        }
        auto published = transport_.publish(publish_topic_, *bytes, options_.publish_timeout);
        if (!published) {
            ++counts_.failed;
            if (!transport_.is_connected()) missed_while_down_ = true;
            log_(LogLevel::warn,
                 "report " + std::to_string(report_id) +
                     " not acknowledged by the broker: " + published.error().message);
            return;
        }
        ++counts_.published;
        if (options_.expect_replies) {
            pending_.push_back({report_id, baseline_of(*snapshot), Clock::now()});
        } else {
            confirmed_ = baseline_of(*snapshot);
        }
        log_(LogLevel::debug, "published report " + std::to_string(report_id) + " (" +
                                  std::to_string(bytes->size()) + " bytes)");
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
            log_(LogLevel::warn, "connection lost: " + lost->reason);
            missed_while_down_ = true;
            next_connect_ = Clock::now() + backoff_.next();
            return;
        }
        handle_message(std::get<IncomingMessage>(transport_event));
    }

    void handle_message(const IncomingMessage& message) {
        const auto topic = parse_topic(message.topic);
        if (!topic || topic->thing_name != options_.thing_name ||
            topic->format != options_.encoding.format || topic->kind == TopicKind::publish) {
            log_(LogLevel::debug, "ignored a message on " + message.topic);
            return;
        }
        if (message.payload.size() > kMaxReplyBytes) {
            log_(LogLevel::debug, "ignored a " + std::to_string(message.payload.size()) +
                                      "-byte message on " + message.topic);
            return;
        }
        auto reply = parse_reply(message.payload, topic->format);
        if (!reply) {
            log_(LogLevel::warn,
                 "unreadable reply on " + message.topic + ": " + reply.error().message);
            return;
        }
        if (topic->kind == TopicKind::accepted && reply->status == ReplyStatus::accepted) {
            on_accepted(*reply);
        } else if (topic->kind == TopicKind::rejected && reply->status == ReplyStatus::rejected) {
            on_rejected(*reply);
        } else {
            log_(LogLevel::warn, "reply status does not match its topic " + message.topic);
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
        confirmed_ = pending->baseline;
        // Older unanswered reports are covered by this one's baseline.
        pending_.erase(pending_.begin(), std::next(pending));
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
        log_(LogLevel::warn, "report " + std::to_string(report_id) +
                                 " rejected: " + reply.error_code + ": " + reply.error_message +
                                 " (" + format_counts(counts_) + ")");
        if (reply.error_code == "Throttled") {
            next_report_ = Clock::now() + options_.interval;
            report_due_ = false;
            log_(LogLevel::info, "throttled: next report in a full interval");
        }
    }

    void expire_unanswered() {
        const auto now = Clock::now();
        while (!pending_.empty() && now - pending_.front().published_at >= options_.reply_timeout) {
            // Delivered (PUBACK) but never answered: count it as delivered so its traffic is
            // not reported twice.
            confirmed_ = pending_.front().baseline;
            ++counts_.unanswered;
            log_(LogLevel::warn, "no reply to report " +
                                     std::to_string(pending_.front().report_id) + " within " +
                                     std::to_string(options_.reply_timeout.count() / 1000) +
                                     " s (" + format_counts(counts_) + ")");
            pending_.pop_front();
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

    std::string publish_topic_;
    std::vector<std::string> reply_topics_;
    ReportIdSequence report_ids_;
    bool state_write_warned_ = false;

    Clock::time_point next_report_{};
    Clock::time_point next_connect_{};
    bool report_due_ = false;
    bool was_connected_ = false;
    bool missed_while_down_ = false;

    std::optional<Baseline> confirmed_;  ///< counters of the last accepted (or delivered) report
    std::deque<PendingReport> pending_;
    AgentCounts counts_;
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
