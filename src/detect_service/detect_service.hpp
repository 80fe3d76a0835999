// SPDX-License-Identifier: Apache-2.0
#pragma once
// The detector between a broker and the store: a message on a report topic is checked
// (decoded, validated, not a resend), evaluated, and what changed is recorded in one store
// transaction, events included; the caller publishes the store's outbox. Transport-free and
// clock-free (times are passed in), so tests drive it with a real store and made-up times.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "detect_service/report_topics.hpp"

namespace defender::detect {

/// What the detector does besides evaluating.
struct DetectServiceOptions {
    /// Report topics beyond the Device Defender ones (--reports-topic).
    std::vector<ReportTopic> extra_topics;
    /// Scales windows and invalidation (--time-scale).
    double time_scale = 1.0;
};

/// What became of one message.
struct MessageOutcome {
    enum class Kind {
        not_a_report,  ///< its topic is no report topic
        evaluated,     ///< evaluated and recorded
        duplicate,     ///< a resend of a report already evaluated
        malformed,     ///< no report document: not JSON or CBOR, cut short, not an object
        invalid,       ///< a report that breaks the schema's rules
        not_recorded,  ///< evaluated, but the store failed (kept to retry)
    };
    Kind kind = Kind::not_a_report;  ///< the outcome
    std::string thing_name;          ///< the reporting thing, when the topic names one
    std::string detail;              ///< why, for malformed, invalid and not_recorded
    std::size_t events = 0;          ///< violation events raised
    /// True the first time this thing had this kind of problem (log it), false after.
    bool first_of_kind = false;
};

/// Counts since start, for logs and metrics.
struct DetectCounters {
    std::uint64_t received = 0;        ///< messages on report topics
    std::uint64_t evaluated = 0;       ///< reports evaluated
    std::uint64_t duplicates = 0;      ///< resends skipped
    std::uint64_t malformed = 0;       ///< payloads that are no report document
    std::uint64_t invalid = 0;         ///< reports that break the rules
    std::uint64_t events = 0;          ///< violation events raised
    std::uint64_t store_failures = 0;  ///< store writes that failed
};

class DetectService {
public:
    /// A detector of these profiles over `store` (which must outlive it), with the states the
    /// store kept restored.
    static Result<DetectService> open(std::vector<SecurityProfile> profiles, Store& store,
                                      DetectServiceOptions options);

    /// The filters to subscribe to.
    std::vector<std::string> subscriptions() const;
    /// Handles one message received at `now`.
    MessageOutcome on_message(std::string_view topic, std::string_view payload, Time now);
    /// Lets time pass (window ends, invalidation) and retries a failed store write.
    Status tick(Time now);
    /// When tick() has work next; nullopt: nothing pending.
    std::optional<Time> next_deadline() const;
    /// Puts new profiles in force, keeping the states of behaviors that did not change.
    Status reload(std::vector<SecurityProfile> profiles);
    /// True when the store may hold events not yet published.
    bool outbox_pending() const { return outbox_pending_; }
    /// The caller published everything the store's outbox held.
    void outbox_emptied() { outbox_pending_ = false; }

    /// The evaluator (behaviors not evaluated, active violations).
    const Evaluator& evaluator() const { return evaluator_; }
    /// Counts since start.
    const DetectCounters& counters() const { return counters_; }

private:
    DetectService(Evaluator evaluator, Store& store, DetectServiceOptions options);
    std::optional<ReportSource> source_of(std::string_view topic) const;
    MessageOutcome problem(MessageOutcome::Kind kind, std::string thing, std::string detail);
    // Records what changed (the evaluator's changed things, `events`, the datapoint); on failure
    // keeps them to retry.
    Status record(std::vector<ViolationEvent> events, std::optional<Datapoint> datapoint);

    Evaluator evaluator_;
    Store* store_;
    DetectServiceOptions options_;
    DetectCounters counters_;
    bool outbox_pending_ = true;  // events of an earlier run may wait
    // A failed write's events and things, retried with the next write.
    std::vector<ViolationEvent> unrecorded_events_;
    std::set<std::string, std::less<>> unrecorded_things_;
    // (thing, kind) problems logged already; bounded so a flood of names cannot grow it.
    std::set<std::pair<std::string, int>> logged_;
};

}  // namespace defender::detect
