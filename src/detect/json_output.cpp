// SPDX-License-Identifier: Apache-2.0
// JSON of the Detect values: behaviors, violation records and validation answers with AWS's
// member names and order (what the AWS CLI prints), and the thing state the store keeps.
#include <nlohmann/json.hpp>

#include "defender/detect.hpp"
#include "detect/profile_parser.hpp"

namespace defender::detect {
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

double seconds(Time time) {
    return static_cast<double>(time.time_since_epoch().count()) / 1000.0;
}

Json metric_value_json(const MetricValue& value) {
    Json out = Json::object();
    if (value.count) out["count"] = *value.count;
    if (value.cidrs) out["cidrs"] = *value.cidrs;
    if (value.ports) out["ports"] = *value.ports;
    if (value.number) out["number"] = *value.number;
    if (value.numbers) out["numbers"] = *value.numbers;
    if (value.strings) out["strings"] = *value.strings;
    return out;
}

Json behavior_json(const Behavior& behavior) {
    Json out = Json::object();
    out["name"] = behavior.name;
    if (behavior.metric) out["metric"] = *behavior.metric;
    if (behavior.metric_dimension) {
        Json dimension = {{"dimensionName", behavior.metric_dimension->dimension_name}};
        if (behavior.metric_dimension->operation) {
            dimension["operator"] = *behavior.metric_dimension->operation;
        }
        out["metricDimension"] = dimension;
    }
    if (behavior.criteria) {
        const auto& c = *behavior.criteria;
        Json criteria = Json::object();
        if (c.comparison_operator)
            criteria["comparisonOperator"] = to_string(*c.comparison_operator);
        if (c.value) criteria["value"] = metric_value_json(*c.value);
        if (c.duration_seconds) criteria["durationSeconds"] = *c.duration_seconds;
        if (c.consecutive_datapoints_to_alarm) {
            criteria["consecutiveDatapointsToAlarm"] = *c.consecutive_datapoints_to_alarm;
        }
        if (c.consecutive_datapoints_to_clear) {
            criteria["consecutiveDatapointsToClear"] = *c.consecutive_datapoints_to_clear;
        }
        if (c.statistic) criteria["statisticalThreshold"] = {{"statistic", *c.statistic}};
        if (c.ml_confidence_level) {
            criteria["mlDetectionConfig"] = {{"confidenceLevel", *c.ml_confidence_level}};
        }
        out["criteria"] = criteria;
    }
    if (behavior.suppress_alerts) out["suppressAlerts"] = *behavior.suppress_alerts;
    if (behavior.export_metric) out["exportMetric"] = *behavior.export_metric;
    return out;
}

StoredValue stored_value_from(const Json& json) {
    if (json.is_null()) return {};
    if (!json.is_object() || json.size() != 1) throw std::invalid_argument("a value");
    const auto item = json.items().begin();
    const std::string& key = item.key();
    const Json& value = item.value();
    if (key == "count") return value.get<std::uint64_t>();
    if (key == "number") return value.get<double>();
    if (key == "ports") return value.get<std::vector<std::uint16_t>>();
    if (key == "strings") return value.get<std::vector<std::string>>();
    if (key == "numbers") return value.get<std::vector<double>>();
    if (key == "addresses") {
        auto addresses = value.get<std::vector<std::string>>();
        if (auto packed = pack_addresses(addresses)) return std::move(*packed);
        return addresses;
    }
    throw std::invalid_argument("a value");
}

WindowValue window_value_from(const Json& json) {
    const StoredValue value = stored_value_from(json);
    if (const auto* count = std::get_if<std::uint64_t>(&value)) return *count;
    if (const auto* number = std::get_if<double>(&value)) return *number;
    if (!std::holds_alternative<std::monostate>(value)) throw std::invalid_argument("a window");
    return {};
}

Time time_from(const Json& json) {
    return Time(std::chrono::milliseconds(json.get<std::int64_t>()));
}

std::uint8_t run_from(const Json& json) {
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(json.get<std::uint64_t>(), 255));
}

}  // namespace

std::string to_json(const Behavior& behavior) {
    return dump(behavior_json(behavior));
}

std::string to_json(const BehaviorsValidation& validation) {
    Json errors = Json::array();
    for (const auto& error : validation.validation_errors) {
        errors.push_back({{"errorMessage", error.error_message}});
    }
    return dump({{"valid", validation.valid}, {"validationErrors", errors}});
}

std::string to_json(const ViolationEvent& event) {
    Json out = {{"violationId", event.violation_id},
                {"thingName", event.thing_name},
                {"securityProfileName", event.security_profile_name},
                {"behavior", behavior_json(event.behavior)}};
    if (event.metric_value) out["metricValue"] = metric_value_json(*event.metric_value);
    out["violationEventType"] = to_string(event.violation_event_type);
    out["violationEventTime"] = seconds(event.violation_event_time);
    return dump(out);
}

std::string to_json(const ActiveViolation& violation) {
    Json out = {{"violationId", violation.violation_id},
                {"thingName", violation.thing_name},
                {"securityProfileName", violation.security_profile_name},
                {"behavior", behavior_json(violation.behavior)}};
    if (violation.last_violation_value) {
        out["lastViolationValue"] = metric_value_json(*violation.last_violation_value);
    }
    out["lastViolationTime"] = seconds(violation.last_violation_time);
    out["violationStartTime"] = seconds(violation.violation_start_time);
    return dump(out);
}

Result<ThingState> thing_state_from_json(std::string_view json) {
    auto document = read_profile_json(json, "thing state");
    if (!document) return document.error();
    try {
        const auto& root = *document;
        ThingState state;
        if (root.contains("lastReport")) state.last_report = time_from(root.at("lastReport"));
        if (root.contains("recentReportIds")) {
            state.recent_report_ids = root.at("recentReportIds").get<std::vector<std::uint64_t>>();
        }
        for (const auto& profile : root.at("profiles")) {
            ProfileState profile_state{profile.at("profile").get<std::string>(), {}};
            for (const auto& b : profile.at("behaviors")) {
                BehaviorState behavior;
                behavior.behavior = b.at("behavior").get<std::string>();
                behavior.definition = b.at("definition").get<std::uint32_t>();
                behavior.window_start = b.at("windowStart").get<std::int64_t>();
                behavior.window_value = window_value_from(b.at("windowValue"));
                behavior.violating_run = run_from(b.at("violatingRun"));
                behavior.conforming_run = run_from(b.at("conformingRun"));
                behavior.alarms = b.at("alarms").get<std::uint32_t>();
                if (b.contains("alarm")) {
                    const auto& a = b.at("alarm");
                    AlarmState alarm;
                    alarm.start = time_from(a.at("start"));
                    alarm.last_violation = time_from(a.at("lastViolation"));
                    alarm.last_value = stored_value_from(a.at("lastValue"));
                    behavior.alarm = std::move(alarm);
                }
                profile_state.behaviors.push_back(std::move(behavior));
            }
            state.profiles.push_back(std::move(profile_state));
        }
        return state;
    } catch (const std::exception&) {
        return Error{"thing state is malformed: a member is missing or has the wrong type"};
    }
}

}  // namespace defender::detect
