// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file detect_store.hpp
/// Where `defender detect` keeps what it must not lose: each thing's evaluator state, the
/// datapoints of its reports, violation events (with an outbox for their MQTT publication),
/// active violations and verification states. One interface, so that a later detector can
/// share a database with others; today one implementation, SQLite in WAL mode.
/// Target: Defender::defender (stage store).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "defender/detect.hpp"
#include "defender/result.hpp"

namespace defender::detect {

/// `verificationState`: what a person decided about a violation.
enum class VerificationState {
    unknown,          ///< `UNKNOWN`
    false_positive,   ///< `FALSE_POSITIVE`
    benign_positive,  ///< `BENIGN_POSITIVE`
    true_positive,    ///< `TRUE_POSITIVE`
};
/// AWS's spelling of a verification state.
const char* to_string(VerificationState state);
/// The verification state of AWS's spelling; nullopt for anything else.
std::optional<VerificationState> parse_verification_state(std::string_view text);

/// A person's verdict on one violation (all its events share it).
struct Verification {
    VerificationState state = VerificationState::unknown;  ///< `verificationState`
    std::string description;  ///< `verificationStateDescription`, may be empty
    friend bool operator==(const Verification&, const Verification&) = default;
};

/// One report's datapoints as kept for views and history: when, and the metric values.
struct Datapoint {
    std::string thing_name;  ///< the reporting thing
    Time time{};             ///< when the report was evaluated
    std::string metrics;     ///< JSON object: metric name -> MetricValue as AWS writes it
    friend bool operator==(const Datapoint&, const Datapoint&) = default;
};

/// A violation event as stored: the event, its row id (outbox order) and its verdict.
struct StoredEvent {
    std::int64_t id = 0;                       ///< row id, increasing in recording order
    ViolationEvent event;                      ///< the event
    std::optional<Verification> verification;  ///< set by put_verification_state
    bool published = false;                    ///< acknowledged by the broker
    std::string json;  ///< the event as stored: to_json(event), the payload to publish
};

/// An active violation as stored, with its verdict.
struct StoredActiveViolation {
    ActiveViolation violation;                 ///< the alarm that is on
    std::optional<Verification> verification;  ///< set by put_verification_state
};

/// What the detector saw of one thing's reports since the last flush (DetectService fills it in).
struct ReportTally {
    std::string thing_name;  ///< the reporting thing
    std::string format;      ///< "json" or "cbor" (of the last report received, accepted or not)
    std::uint64_t accepted = 0;  ///< reports evaluated
    std::uint64_t rejected = 0;  ///< malformed or invalid reports (duplicates count in neither)
    std::optional<Time> last_received;  ///< when the last report (accepted or not) arrived
    friend bool operator==(const ReportTally&, const ReportTally&) = default;
};

/// One row of the console's fleet page.
struct ThingSummary {
    std::string thing_name;             ///< the thing
    std::optional<Time> last_report;    ///< last accepted report (evaluated)
    std::optional<Time> last_received;  ///< last report of any kind
    std::string format;                 ///< "json"/"cbor"; empty when never seen
    std::uint64_t accepted = 0;         ///< reports evaluated
    std::uint64_t rejected = 0;         ///< malformed or invalid reports
    std::size_t active_violations = 0;  ///< its alarms that are on
    friend bool operator==(const ThingSummary&, const ThingSummary&) = default;
};

/// The console's fleet page: filter, order and page of the things.
struct FleetQuery {
    /// substring filter on the thing name (case-insensitive for ASCII letters); empty: all
    std::string name_contains;
    /// The orders of the fleet page (ties in name order).
    enum class Sort {
        name,               ///< by thing name
        last_report,        ///< by the last accepted report (never reported: lowest)
        accepted,           ///< by reports evaluated
        rejected,           ///< by malformed or invalid reports
        active_violations,  ///< by alarms that are on
    };
    Sort sort = Sort::name;   ///< the column to order by
    bool descending = false;  ///< largest (or newest, or last in name order) first
    std::size_t offset = 0;   ///< rows skipped
    std::size_t limit = 100;  ///< at most this many rows (server-side paging)
};

/// One page of the fleet.
struct FleetPage {
    std::vector<ThingSummary> things;  ///< the page
    std::size_t total = 0;             ///< rows matching the filter, all pages
};

/// What evaluated reports (or the passing of time) changed, written in one transaction.
struct Evaluation {
    /// Things whose state changed, with their new state.
    std::vector<std::pair<std::string, ThingState>> states;
    /// The datapoints of the reports evaluated.
    std::vector<Datapoint> datapoints;
    /// New events, to be published (those with `notify` false are recorded as published).
    std::vector<ViolationEvent> events;
    /// For each thing in `states`, its alarms that are on now (replacing the stored ones).
    std::vector<ActiveViolation> active;
    /// What was received of each thing's reports (accepted or not); summed into the store.
    std::vector<ReportTally> tallies;
};

/// Filters of list-violation-events (times inclusive, epoch ms).
struct EventQuery {
    Time start_time{};                              ///< `--start-time`
    Time end_time{};                                ///< `--end-time`
    std::optional<std::string> thing_name;          ///< `--thing-name`
    std::optional<std::string> profile_name;        ///< `--security-profile-name`
    std::optional<VerificationState> verification;  ///< `--verification-state`
    std::size_t limit = 0;                          ///< at most this many (0: all), newest first
};

/// Filters of list-active-violations.
struct ActiveQuery {
    std::optional<std::string> thing_name;          ///< `--thing-name`
    std::optional<std::string> profile_name;        ///< `--security-profile-name`
    std::optional<VerificationState> verification;  ///< `--verification-state`
};

/// Retention of history (AWS keeps metrics 14 days, violations 30).
struct StoreOptions {
    std::int64_t datapoint_days = 14;  ///< datapoints older than this are pruned
    std::int64_t event_days = 30;      ///< violation events older than this are pruned
    bool read_only = false;            ///< for queries: never creates, migrates or writes
    /// The database stops growing past about this many bytes (a write beyond fails as "disk
    /// full" and changes nothing); 0: no limit but the disk's.
    std::uint64_t max_bytes = 0;
};

/// The detector's store. Every method is one transaction: after a crash at any point, each
/// call either happened or did not.
class Store {
public:
    virtual ~Store() = default;

    /// Every thing's saved evaluator state, to restore after a restart.
    virtual Result<std::vector<std::pair<std::string, ThingState>>> load_states() = 0;
    /// Records one evaluation: states, datapoint, events (into the outbox) and active alarms.
    virtual Status record(const Evaluation& evaluation) = 0;
    /// Events not yet acknowledged by the broker, oldest first, at most `limit`.
    virtual Result<std::vector<StoredEvent>> unpublished(std::size_t limit) = 0;
    /// The event with this row id is about to be published: after a crash it is in doubt
    /// (take_in_doubt), never published again.
    virtual Status mark_publishing(std::int64_t id) = 0;
    /// The broker acknowledged the event with this row id.
    virtual Status mark_published(std::int64_t id) = 0;
    /// Events that were being published when the detector stopped (the broker may or may not
    /// have them), now counted as published; at start, to be reported.
    virtual Result<std::vector<StoredEvent>> take_in_doubt() = 0;

    /// list-active-violations.
    virtual Result<std::vector<StoredActiveViolation>> active_violations(
        const ActiveQuery& query) = 0;
    /// list-violation-events.
    virtual Result<std::vector<StoredEvent>> violation_events(const EventQuery& query) = 0;
    /// put-verification-state-on-violation; fails when no event has this violation id.
    virtual Status put_verification_state(std::string_view violation_id,
                                          const Verification& verification) = 0;
    /// A thing's datapoints in [from, to], oldest first.
    virtual Result<std::vector<Datapoint>> datapoints(std::string_view thing, Time from,
                                                      Time to) = 0;
    /// Things with a stored state, in name order.
    virtual Result<std::vector<std::string>> things() = 0;

    /// The console's fleet page: things filtered, ordered and paged, with the total.
    virtual Result<FleetPage> fleet(const FleetQuery& query) = 0;
    /// One thing's fleet row; nullopt when the store knows no such thing.
    virtual Result<std::optional<ThingSummary>> thing_summary(std::string_view thing) = 0;
    /// Each thing's latest datapoint (its last accepted report's metrics), in name order; for
    /// /metrics.
    virtual Result<std::vector<Datapoint>> latest_datapoints() = 0;

    /// Drops datapoints and events older than the retention, as of `now`.
    virtual Status prune(Time now) = 0;
};

/// The event as `aws iot list-violation-events` prints it (with its verdict, if any).
std::string to_json(const StoredEvent& event);
/// The violation as `aws iot list-active-violations` prints it (with its verdict, if any).
std::string to_json(const StoredActiveViolation& violation);

/// Opens (creating and migrating unless read-only) the SQLite store at `path`.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& path,
                                                 StoreOptions options = {});

}  // namespace defender::detect
