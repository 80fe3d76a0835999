// SPDX-License-Identifier: Apache-2.0
#pragma once
// The detector between a broker and the store: a message on a report topic is checked
// (decoded, validated, not a resend) and evaluated; what reports and time changed is recorded
// in one store transaction per flush, events included, and the caller then publishes the
// store's outbox. So an event is published only once it is on disk. Transport-free and
// clock-free (times are passed in), so tests drive it with a real store and made-up times.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "defender/validate.hpp"
#include "detect_service/report_topics.hpp"
#include "encode/document.hpp"

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
    };
    Kind kind = Kind::not_a_report;  ///< the outcome
    std::string thing_name;          ///< the reporting thing, when the topic names one
    std::string detail;              ///< why, for malformed and invalid
    std::size_t events = 0;          ///< violation events raised
    /// True the first time this thing had this kind of problem (log it), false after.
    bool first_of_kind = false;
};

/// Counts since start, for logs and metrics.
struct DetectCounters {
    std::uint64_t received = 0;         ///< messages on report topics
    std::uint64_t evaluated = 0;        ///< reports evaluated
    std::uint64_t duplicates = 0;       ///< resends skipped
    std::uint64_t malformed = 0;        ///< payloads that are no report document
    std::uint64_t invalid = 0;          ///< reports that break the rules
    std::uint64_t events = 0;           ///< violation events raised
    std::uint64_t store_failures = 0;   ///< store writes that failed
    std::uint64_t datapoints_lost = 0;  ///< datapoints dropped while the store failed
    double evaluation_seconds = 0;  ///< time spent checking and evaluating reports (steady clock)
};

class DetectService {
public:
    /// A detector of these profiles over `store` (which must outlive it), with the states the
    /// store kept restored.
    static Result<DetectService> open(std::vector<SecurityProfile> profiles, Store& store,
                                      DetectServiceOptions options);

    /// The filters to subscribe to.
    std::vector<std::string> subscriptions() const;
    /// Handles one message received at `now`: what it changed waits for flush().
    MessageOutcome on_message(std::string_view topic, std::string_view payload, Time now);
    /// Lets time pass (window ends, invalidation): what it changed waits for flush().
    void tick(Time now);
    /// When tick() has work next; nullopt: nothing pending.
    std::optional<Time> next_deadline() const;
    /// Puts new profiles in force, keeping the states of behaviors that did not change; fails
    /// (and changes nothing) when they cannot be evaluated. What changed waits for flush().
    Status reload(std::vector<SecurityProfile> profiles);

    /// Writes what waits in one store transaction (one disk sync for many reports). On failure
    /// it all waits for the next flush (datapoints beyond a bound are dropped).
    Status flush();
    /// Reports evaluated since the last successful flush.
    std::size_t unflushed_reports() const { return pending_datapoints_.size(); }
    /// True when something waits for flush().
    bool unflushed() const;

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
    void take_changes(std::vector<ViolationEvent> events);
    MessageOutcome check_and_evaluate(const ReportSource& source, const ValidationResult& checked,
                                      const Document& document, Time now);
    void tally(const ReportSource& source, std::optional<Format> payload_format, Time now,
               MessageOutcome::Kind kind);

    Evaluator evaluator_;
    Store* store_;
    DetectServiceOptions options_;
    DetectCounters counters_;
    bool outbox_pending_ = true;  // events of an earlier run may wait
    // What waits for flush(): events, the things whose state changed, datapoints.
    std::vector<ViolationEvent> pending_events_;
    std::set<std::string, std::less<>> pending_things_;
    std::vector<Datapoint> pending_datapoints_;
    // What was received of each thing's reports since the last flush; bounded like the
    // datapoints (a thing past the bound goes uncounted until the next flush).
    std::map<std::string, ReportTally, std::less<>> pending_tallies_;
    // (thing, kind) problems logged already; bounded so a flood of names cannot grow it.
    std::set<std::pair<std::string, int>> logged_;
};

}  // namespace defender::detect
