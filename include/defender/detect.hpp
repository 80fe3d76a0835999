// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file detect.hpp
/// Self-hosted Device Defender Detect: security profiles as AWS prints them, their validation
/// with the service's wording, and the evaluator of behaviors over decoded reports
/// (docs/detect.md). Pure: time is always passed in, nothing is read, written or logged.
/// Target: Defender::defender (stage detect).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "defender/report.hpp"
#include "defender/result.hpp"

namespace defender::detect {

/// A point in time: epoch milliseconds (the evaluator never reads a clock).
using Time = std::chrono::sys_time<std::chrono::milliseconds>;

/// The ten comparison operators of `BehaviorCriteria`.
enum class ComparisonOperator {
    less_than,            ///< `less-than`
    less_than_equals,     ///< `less-than-equals`
    greater_than,         ///< `greater-than`
    greater_than_equals,  ///< `greater-than-equals`
    in_cidr_set,          ///< `in-cidr-set`
    not_in_cidr_set,      ///< `not-in-cidr-set`
    in_port_set,          ///< `in-port-set`
    not_in_port_set,      ///< `not-in-port-set`
    in_set,               ///< `in-set`
    not_in_set,           ///< `not-in-set`
};

/// AWS's spelling of an operator (`less-than-equals`, ...).
const char* to_string(ComparisonOperator op);
/// The operator of AWS's spelling; nullopt for anything else.
std::optional<ComparisonOperator> parse_comparison_operator(std::string_view text);

/// `MetricValue`: the member a profile sets (or an observed value, in violation records).
struct MetricValue {
    std::optional<std::uint64_t> count;               ///< `count`
    std::optional<std::vector<std::string>> cidrs;    ///< `cidrs`
    std::optional<std::vector<std::uint16_t>> ports;  ///< `ports`
    std::optional<double> number;                     ///< `number`
    std::optional<std::vector<double>> numbers;       ///< `numbers`
    std::optional<std::vector<std::string>> strings;  ///< `strings`
    friend bool operator==(const MetricValue&, const MetricValue&) = default;
};

/// `MetricDimension` (cloud-side metrics only).
struct MetricDimension {
    std::string dimension_name;            ///< `dimensionName`
    std::optional<std::string> operation;  ///< `operator`: `IN` or `NOT_IN`
    friend bool operator==(const MetricDimension&, const MetricDimension&) = default;
};

/// `BehaviorCriteria`: every member optional, as in the API.
struct BehaviorCriteria {
    std::optional<ComparisonOperator> comparison_operator;        ///< `comparisonOperator`
    std::optional<MetricValue> value;                             ///< `value`
    std::optional<std::int64_t> duration_seconds;                 ///< `durationSeconds`
    std::optional<std::int64_t> consecutive_datapoints_to_alarm;  ///< default 1
    std::optional<std::int64_t> consecutive_datapoints_to_clear;  ///< default 1
    std::optional<std::string> statistic;  ///< `statisticalThreshold.statistic` (`p90`, ...)
    std::optional<std::string> ml_confidence_level;  ///< `mlDetectionConfig.confidenceLevel`
    friend bool operator==(const BehaviorCriteria&, const BehaviorCriteria&) = default;
};

/// `Behavior`: one rule of a security profile.
struct Behavior {
    std::string name;                                 ///< `name`
    std::optional<std::string> metric;                ///< `metric`
    std::optional<MetricDimension> metric_dimension;  ///< `metricDimension`
    std::optional<BehaviorCriteria> criteria;         ///< `criteria`
    std::optional<bool> suppress_alerts;              ///< `suppressAlerts`
    std::optional<bool> export_metric;                ///< `exportMetric`
    friend bool operator==(const Behavior&, const Behavior&) = default;
};

/// A security profile as `aws iot describe-security-profile` prints it (or a
/// CreateSecurityProfile body), plus this project's `targets`.
struct SecurityProfile {
    std::string name;                        ///< `securityProfileName`
    std::optional<std::string> description;  ///< `securityProfileDescription`
    std::vector<Behavior> behaviors;         ///< `behaviors`, at most 100
    /// `targets` (our extension): thing names or `*` globs; empty means every thing.
    std::vector<std::string> targets;
    bool has_alert_targets = false;       ///< `alertTargets` given (SNS cannot be reached here)
    std::optional<std::int64_t> version;  ///< `version`
    friend bool operator==(const SecurityProfile&, const SecurityProfile&) = default;
};

/// Parses and validates one profile document (JSON object); the error is the first problem,
/// in the service's (or the AWS CLI's) wording.
Result<SecurityProfile> parse_security_profile(std::string_view json);

/// One problem of ValidateSecurityProfileBehaviors.
struct ValidationError {
    std::string error_message;  ///< `errorMessage`
    friend bool operator==(const ValidationError&, const ValidationError&) = default;
};

/// The answer of ValidateSecurityProfileBehaviors.
struct BehaviorsValidation {
    bool valid = true;                               ///< `valid`
    std::vector<ValidationError> validation_errors;  ///< `validationErrors`, every problem
};

/// Validates a JSON list of behaviors, a `{"behaviors": [...]}` request, or a whole profile.
BehaviorsValidation validate_security_profile_behaviors(std::string_view json);

/// `{"valid": ..., "validationErrors": [{"errorMessage": ...}]}` as the AWS CLI prints it.
std::string to_json(const BehaviorsValidation& validation);
/// One behavior as AWS writes it (members in the API's order, unset ones left out).
std::string to_json(const Behavior& behavior);

/// `violationEventType`.
enum class ViolationEventType {
    in_alarm,           ///< `in-alarm`
    alarm_cleared,      ///< `alarm-cleared`
    alarm_invalidated,  ///< `alarm-invalidated`
};
/// AWS's spelling of an event type.
const char* to_string(ViolationEventType type);

/// `ViolationEvent`: one change of a thing's alarm on one behavior.
struct ViolationEvent {
    std::string violation_id;                 ///< `violationId`: one per alarm, 32 hex digits
    std::string thing_name;                   ///< `thingName`
    std::string security_profile_name;        ///< `securityProfileName`
    Behavior behavior;                        ///< `behavior`, a full copy
    std::optional<MetricValue> metric_value;  ///< `metricValue`: the datapoint, if any
    ViolationEventType violation_event_type = ViolationEventType::in_alarm;  ///< the change
    Time violation_event_time{};  ///< `violationEventTime`
    /// False when the behavior has `suppressAlerts`: record it, do not notify.
    bool notify = true;
    friend bool operator==(const ViolationEvent&, const ViolationEvent&) = default;
};

/// `ActiveViolation`: an alarm that is on.
struct ActiveViolation {
    std::string violation_id;                         ///< `violationId`
    std::string thing_name;                           ///< `thingName`
    std::string security_profile_name;                ///< `securityProfileName`
    Behavior behavior;                                ///< `behavior`
    std::optional<MetricValue> last_violation_value;  ///< `lastViolationValue`
    Time last_violation_time{};                       ///< `lastViolationTime`
    Time violation_start_time{};                      ///< `violationStartTime`
    friend bool operator==(const ActiveViolation&, const ActiveViolation&) = default;
};

/// The event with AWS's field names; times in epoch seconds (fractional).
std::string to_json(const ViolationEvent& event);
/// The active violation with AWS's field names; times in epoch seconds (fractional).
std::string to_json(const ActiveViolation& violation);

/// The metrics of one decoded report as the store keeps them (`Datapoint::metrics`): a JSON
/// object of metric name (`aws:all-bytes-in`, ..., `aws:destination-ip-addresses`, and custom
/// metrics by their own names) to the MetricValue AWS would record (`count`, `ports`, `cidrs`,
/// `number`, `numbers`, `strings`); metrics the report does not carry are left out.
std::string metrics_json(const Report& report);

/// Addresses in one allocation, 5 (IPv4) or 17 (IPv6) bytes each: how the evaluator keeps an
/// `aws:destination-ip-addresses` value (the datapoint, and an alarm's last value).
struct PackedAddresses {
    std::vector<std::uint8_t> bytes;  ///< per address: 4 or 6, then 4 or 16 bytes, network order
    friend bool operator==(const PackedAddresses&, const PackedAddresses&) = default;
};

/// The addresses packed, or nullopt when one of them is not an address in its normal text
/// form (as `aws:destination-ip-addresses` values are), so that unpacking gives them back.
std::optional<PackedAddresses> pack_addresses(const std::vector<std::string>& addresses);
/// The addresses as text, in their order.
std::vector<std::string> unpack_addresses(const PackedAddresses& packed);

/// A datapoint value kept in the state: none, a count, a number, ports, strings (custom string
/// and address lists), numbers, or the destination addresses, packed.
using StoredValue = std::variant<std::monostate, std::uint64_t, double, std::vector<std::uint16_t>,
                                 std::vector<std::string>, std::vector<double>, PackedAddresses>;

/// The value of an open window: none, a count (summed or last), or a number.
using WindowValue = std::variant<std::monostate, std::uint64_t, double>;

/// An alarm that is on, in a thing's state. Its violationId is derived from the thing,
/// profile and behavior names, the alarm count and the start time, so it is not stored.
struct AlarmState {
    Time start{};            ///< `violationStartTime`
    Time last_violation{};   ///< `lastViolationTime`
    StoredValue last_value;  ///< `lastViolationValue`
    friend bool operator==(const AlarmState&, const AlarmState&) = default;
};

/// One thing's state for one behavior: the open window, the consecutive counters, the alarm.
struct BehaviorState {
    std::string behavior;             ///< behavior name
    std::uint32_t definition = 0;     ///< fingerprint of the behavior it was built for
    std::uint32_t alarms = 0;         ///< alarms raised so far (makes violation ids unique)
    std::int64_t window_start = 0;    ///< epoch ms of the open window, when it has a value
    WindowValue window_value;         ///< summed or last value of the open window; monostate: none
    std::uint8_t violating_run = 0;   ///< violating datapoints in a row (capped at 255)
    std::uint8_t conforming_run = 0;  ///< conforming datapoints in a row (capped at 255)
    std::optional<AlarmState> alarm;  ///< the alarm that is on
    friend bool operator==(const BehaviorState&, const BehaviorState&) = default;
};

/// One thing's state for one profile.
struct ProfileState {
    std::string profile;                   ///< security profile name
    std::vector<BehaviorState> behaviors;  ///< one per evaluated behavior
    friend bool operator==(const ProfileState&, const ProfileState&) = default;
};

/// Everything the evaluator keeps for one thing: a plain value the store persists.
struct ThingState {
    std::optional<Time> last_report;     ///< when its last report was evaluated
    std::vector<ProfileState> profiles;  ///< one per profile that applies to it
    /// The ids of its last reports (at most 4): a report that reuses one is a duplicate.
    std::vector<std::uint64_t> recent_report_ids;
    friend bool operator==(const ThingState&, const ThingState&) = default;
};

/// A thing's state as JSON, for the store.
std::string to_json(const ThingState& state);
/// A thing's state from to_json's output.
Result<ThingState> thing_state_from_json(std::string_view json);

/// A behavior that is loaded but not evaluated, and why (reported once by the caller).
struct NotEvaluated {
    std::string security_profile_name;  ///< its profile
    std::string behavior;               ///< its name
    std::string reason;                 ///< e.g. ML Detect, or a cloud-side metric
    friend bool operator==(const NotEvaluated&, const NotEvaluated&) = default;
};

/// Evaluator settings.
struct EvaluatorOptions {
    /// Scales `durationSeconds`, window alignment and the 2-day invalidation (demos, tests).
    double time_scale = 1.0;
};

/// The Detect evaluator over all things: reports and the passing of time in, events out.
class Evaluator {
public:
    /// An evaluator of these profiles; fails on a bad time scale or duplicate profile names.
    static Result<Evaluator> create(std::vector<SecurityProfile> profiles,
                                    EvaluatorOptions options = {});
    /// Moves the evaluator.
    Evaluator(Evaluator&&) noexcept;
    /// Moves the evaluator.
    Evaluator& operator=(Evaluator&&) noexcept;
    /// Releases the evaluator.
    ~Evaluator();

    /// Behaviors loaded but not evaluated (ML Detect, cloud-side metrics).
    const std::vector<NotEvaluated>& not_evaluated() const;

    /// Evaluates one decoded, valid report of `thing` received at `now`: first advance(now),
    /// then the report's datapoints. Times earlier than the latest seen count as the latest.
    std::vector<ViolationEvent> on_report(std::string_view thing, const Report& report, Time now);
    /// Lets time pass: closes windows that ended by `now` (statistics over the population) and
    /// invalidates the alarms of things silent for 2 days (scaled).
    std::vector<ViolationEvent> advance(Time now);
    /// Whether `thing` already sent a report with this id (a resend): not to be evaluated.
    bool is_duplicate(std::string_view thing, std::uint64_t report_id) const;
    /// Names of the things whose state changed since the last call, in order (to persist).
    std::vector<std::string> take_changed();
    /// When advance() has work next (a window end or an invalidation); nullopt: nothing pending.
    std::optional<Time> next_deadline() const;

    /// The state of one thing; nullptr when it never reported.
    const ThingState* thing_state(std::string_view thing) const;
    /// Names of the things with a state, in order.
    std::vector<std::string> things() const;
    /// Puts back a stored state (after a restart or a profile change): entries of profiles and
    /// behaviors that no longer exist are dropped, changed behaviors restart their counters.
    void restore(std::string_view thing, ThingState state);
    /// The alarms that are on, of every thing (or of one thing, when named).
    std::vector<ActiveViolation> active_violations(std::string_view thing = {}) const;

private:
    struct Impl;
    explicit Evaluator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace defender::detect
