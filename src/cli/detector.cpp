// SPDX-License-Identifier: Apache-2.0
#include "cli/detector.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/detect_profiles.hpp"
#include "cli/state_dir.hpp"
#include "util/printable.hpp"

namespace defender::cli {
namespace {

using detect::MessageOutcome;

constexpr std::size_t kOutboxBatch = 100;
constexpr auto kPublishTimeout = std::chrono::seconds(5);
constexpr auto kPruneEvery = std::chrono::hours(1);
// Reports are written in batches, one disk sync each: after this many, or this long after the
// first of a batch (so an event waits at most that long to be published).
constexpr std::size_t kFlushReports = 1000;
constexpr auto kFlushDelay = std::chrono::milliseconds(20);
constexpr auto kRetryDelay = std::chrono::seconds(1);

detect::Time wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

const char* kind_text(MessageOutcome::Kind kind) {
    switch (kind) {
        case MessageOutcome::Kind::malformed:
            return "a malformed report";
        case MessageOutcome::Kind::invalid:
            return "an invalid report";
        default:
            return "a report";
    }
}

void log_event(const detect::ViolationEvent& event) {
    spdlog::info("{} thing={} profile={} behavior={} violation={}",
                 detect::to_string(event.violation_event_type), event.thing_name,
                 event.security_profile_name, event.behavior.name, event.violation_id);
}

}  // namespace

std::string default_store_path() {
    // The service's StateDirectory=defender-detect: its own, as its dynamic user differs from
    // the agent's.
    if (std::getenv("STATE_DIRECTORY") == nullptr && ::geteuid() == 0) {
        return "/var/lib/defender-detect/detect.db";
    }
    return (std::filesystem::path(default_state_dir()) / "detect.db").string();
}

std::unique_ptr<Detector> Detector::open(const DetectorArgs& args, int& exit_code) {
    exit_code = kExitUsage;
    auto profiles = load_profiles(args.profiles);
    if (!profiles) {
        spdlog::error("{}", profiles.error().message);
        return nullptr;
    }
    detect::DetectServiceOptions options;
    options.time_scale = args.time_scale;
    for (const auto& text : args.reports_topics) {
        auto topic = detect::ReportTopic::parse(text);
        if (!topic) {
            spdlog::error("{}", topic.error().message);
            return nullptr;
        }
        options.extra_topics.push_back(std::move(*topic));
    }
    if (auto checked = detect::check_violation_topic(args.violations_topic); !checked) {
        spdlog::error("{}", checked.error().message);
        return nullptr;
    }
    std::string store_path = args.store.empty() ? default_store_path() : args.store;
    auto store = detect::open_sqlite_store(store_path, {args.datapoint_days, args.event_days});
    if (!store) {
        spdlog::error("{}", store.error().message);
        exit_code = kExitCannotRun;
        return nullptr;
    }
    auto service = detect::DetectService::open(std::move(*profiles), **store, std::move(options));
    if (!service) {
        spdlog::error("{}", service.error().message);
        return nullptr;
    }
    log_not_evaluated(service->evaluator());
    auto in_doubt = (*store)->take_in_doubt();
    if (!in_doubt) {
        spdlog::error("{}", in_doubt.error().message);
        exit_code = kExitCannotRun;
        return nullptr;
    }
    for (const auto& stored : *in_doubt) {
        spdlog::warn(
            "violation event {} {} of thing {} was being published when the detector "
            "stopped; the broker may not have it, and it is not published again (it is "
            "in list-violation-events)",
            stored.event.violation_id, detect::to_string(stored.event.violation_event_type),
            stored.event.thing_name);
    }
    exit_code = kExitOk;
    return std::unique_ptr<Detector>(
        new Detector(args, std::move(store_path), std::move(*store), std::move(*service)));
}

Detector::Detector(const DetectorArgs& args, std::string store_path,
                   std::unique_ptr<detect::Store> store, detect::DetectService service)
    : args_(args),
      store_path_(std::move(store_path)),
      store_(std::move(store)),
      service_(std::move(service)) {
    snapshot_counters();
}

detect::DetectCounters Detector::counters() const {
    std::lock_guard lock(counters_mutex_);
    return counters_;
}

void Detector::snapshot_counters() {
    std::lock_guard lock(counters_mutex_);
    counters_ = service_.counters();
}

Detector::Time Detector::work(ClientLoop& client, Time now) {
    const auto wall = wall_now();
    service_.tick(wall);
    if (service_.unflushed() && !unflushed_since_) unflushed_since_ = now;
    if (unflushed_since_ && now >= *unflushed_since_ + kFlushDelay) flush(client, now);
    if (wall >= next_prune_) {
        if (auto pruned = store_->prune(wall); !pruned) store_failed(pruned.error().message);
        next_prune_ = wall + kPruneEvery;
    }
    publish_outbox(client);
    snapshot_counters();
    auto next = now + std::chrono::duration_cast<Time::duration>(next_prune_ - wall);
    if (const auto deadline = service_.next_deadline()) {
        const auto wait = std::max<detect::Time::duration>(*deadline - wall, {});
        next = std::min(next, now + std::chrono::duration_cast<Time::duration>(wait));
    }
    // A failing store is retried every second, not at every message.
    if (unflushed_since_) next = std::min(next, *unflushed_since_ + kFlushDelay);
    return next;
}

void Detector::flush(ClientLoop& client, Time now) {
    auto flushed = service_.flush();
    snapshot_counters();
    if (!flushed) {
        store_failed(flushed.error().message);
        unflushed_since_ = now + kRetryDelay - kFlushDelay;
        return;
    }
    unflushed_since_.reset();
    last_store_error_.clear();
    publish_outbox(client);
}

void Detector::shutdown() {
    if (auto flushed = service_.flush(); !flushed) store_failed(flushed.error().message);
}

void Detector::connected(ClientLoop& client) {
    publish_outbox(client);
}

void Detector::message(ClientLoop& client, const IncomingMessage& message, Time now) {
    if (message.dropped_payload_bytes != 0) {
        spdlog::warn("a message of {} bytes on {} is larger than any report; ignored",
                     message.dropped_payload_bytes, util::printable(message.topic));
        return;
    }
    const auto outcome = service_.on_message(message.topic, message.payload, wall_now());
    if ((outcome.kind == MessageOutcome::Kind::malformed ||
         outcome.kind == MessageOutcome::Kind::invalid) &&
        outcome.first_of_kind) {
        spdlog::warn(
            "thing {} sent {}, not evaluated: {} (further ones from this thing are "
            "counted, not logged)",
            outcome.thing_name, kind_text(outcome.kind), outcome.detail);
    }
    if (service_.unflushed() && !unflushed_since_) unflushed_since_ = now;
    if (service_.unflushed_reports() >= kFlushReports) flush(client, now);
}

void Detector::request_reload(ClientLoop& client) {
    reload_wanted_ = true;
    client.wake();
}

void Detector::woken(ClientLoop& client, Time now) {
    if (!reload_wanted_.exchange(false)) return;
    auto profiles = load_profiles(args_.profiles);
    if (!profiles) {
        spdlog::error("profiles not reloaded, the old ones stay in force: {}",
                      profiles.error().message);
        return;
    }
    if (auto reloaded = service_.reload(std::move(*profiles)); !reloaded) {
        spdlog::error("profiles not reloaded, the old ones stay in force: {}",
                      reloaded.error().message);
        return;
    }
    log_not_evaluated(service_.evaluator());
    spdlog::info("profiles reloaded from {} path(s)", args_.profiles.size());
    flush(client, now);
}

void Detector::log_totals() const {
    const auto& counts = service_.counters();
    spdlog::info(
        "detector: {} reports evaluated, {} duplicates, {} malformed, {} invalid, {} "
        "violation events, {} failed store writes, {} datapoints dropped",
        counts.evaluated, counts.duplicates, counts.malformed, counts.invalid, counts.events,
        counts.store_failures, counts.datapoints_lost);
}

void Detector::store_failed(const std::string& error) {
    if (error != last_store_error_) spdlog::error("{}", error);
    last_store_error_ = error;
}

// Publishes the events the store holds, oldest first, until none is left or one fails (then
// again at the next connection, report or deadline).
void Detector::publish_outbox(ClientLoop& client) {
    if (!service_.outbox_pending() || !client.connected()) return;
    while (true) {
        auto batch = store_->unpublished(kOutboxBatch);
        if (!batch) {
            store_failed(batch.error().message);
            return;
        }
        for (const auto& stored : *batch) {
            const auto& event = stored.event;
            const auto topic = detect::violation_topic(args_.violations_topic, event.thing_name,
                                                       event.security_profile_name);
            // At most once: after a crash between this mark and the broker's acknowledgement
            // the event is in doubt, not published twice.
            if (auto marked = store_->mark_publishing(stored.id); !marked) {
                store_failed(marked.error().message);
                return;
            }
            // The stored bytes are to_json(event): not serialized again.
            std::string serialized;
            if (stored.json.empty()) serialized = detect::to_json(event);
            const std::string& payload = stored.json.empty() ? serialized : stored.json;
            if (auto published = client.transport().publish(topic, payload, kPublishTimeout);
                !published) {
                // Written, or not: the persistent MQTT session resends what it wrote once it
                // reconnects; publishing it again could deliver it twice.
                spdlog::warn(
                    "violation event {} on {} not acknowledged ({}); the MQTT session "
                    "resends it when it reconnects",
                    event.violation_id, topic, published.error().message);
                (void)store_->mark_published(stored.id);
                return;
            }
            log_event(event);
            if (auto marked = store_->mark_published(stored.id); !marked) {
                store_failed(marked.error().message);
                return;
            }
        }
        if (batch->size() < kOutboxBatch) break;
    }
    service_.outbox_emptied();
}

}  // namespace defender::cli
