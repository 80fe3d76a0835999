// SPDX-License-Identifier: Apache-2.0
#include "store/record_json.hpp"

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "detect/profile_parser.hpp"

namespace defender::detect {
namespace store {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

Time time_from_seconds(const Json& json) {
    return Time(std::chrono::milliseconds(std::llround(json.get<double>() * 1000.0)));
}

MetricValue metric_value_from(const Json& json) {
    MetricValue value;
    if (json.contains("count")) value.count = json.at("count").get<std::uint64_t>();
    if (json.contains("cidrs")) value.cidrs = json.at("cidrs").get<std::vector<std::string>>();
    if (json.contains("ports")) value.ports = json.at("ports").get<std::vector<std::uint16_t>>();
    if (json.contains("number")) value.number = json.at("number").get<double>();
    if (json.contains("numbers")) value.numbers = json.at("numbers").get<std::vector<double>>();
    if (json.contains("strings")) {
        value.strings = json.at("strings").get<std::vector<std::string>>();
    }
    return value;
}

Result<Behavior> behavior_from(const Json& json) {
    auto parsed = parse_behavior_list(Json::array({json}), "behavior");
    if (!parsed.errors.empty()) return Error{parsed.errors.front()};
    return std::move(parsed.behaviors.front());
}

ViolationEventType event_type_from(const std::string& text) {
    for (auto type : {ViolationEventType::in_alarm, ViolationEventType::alarm_cleared,
                      ViolationEventType::alarm_invalidated}) {
        if (text == to_string(type)) return type;
    }
    throw std::invalid_argument("violationEventType");
}

// The record with verificationState (and its description) before the member `before`, where
// the AWS shapes have them.
std::string with_verification(const std::string& record,
                              const std::optional<Verification>& verification,
                              std::string_view before) {
    if (!verification) return record;
    const OrderedJson in = OrderedJson::parse(record);
    OrderedJson out = OrderedJson::object();
    for (const auto& [key, value] : in.items()) {
        if (key == before) {
            out["verificationState"] = to_string(verification->state);
            if (!verification->description.empty()) {
                out["verificationStateDescription"] = verification->description;
            }
        }
        out[key] = value;
    }
    return out.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace

Result<ViolationEvent> event_from_json(std::string_view text, bool notify) {
    try {
        const Json json = Json::parse(text);
        ViolationEvent event;
        event.violation_id = json.at("violationId").get<std::string>();
        event.thing_name = json.at("thingName").get<std::string>();
        event.security_profile_name = json.at("securityProfileName").get<std::string>();
        auto behavior = behavior_from(json.at("behavior"));
        if (!behavior) return behavior.error();
        event.behavior = std::move(*behavior);
        if (json.contains("metricValue")) {
            event.metric_value = metric_value_from(json.at("metricValue"));
        }
        event.violation_event_type =
            event_type_from(json.at("violationEventType").get<std::string>());
        event.violation_event_time = time_from_seconds(json.at("violationEventTime"));
        event.notify = notify;
        return event;
    } catch (const std::exception&) {
        return Error{"a stored violation event is malformed"};
    }
}

Result<ActiveViolation> active_violation_from_json(std::string_view text) {
    try {
        const Json json = Json::parse(text);
        ActiveViolation violation;
        violation.violation_id = json.at("violationId").get<std::string>();
        violation.thing_name = json.at("thingName").get<std::string>();
        violation.security_profile_name = json.at("securityProfileName").get<std::string>();
        auto behavior = behavior_from(json.at("behavior"));
        if (!behavior) return behavior.error();
        violation.behavior = std::move(*behavior);
        if (json.contains("lastViolationValue")) {
            violation.last_violation_value = metric_value_from(json.at("lastViolationValue"));
        }
        violation.last_violation_time = time_from_seconds(json.at("lastViolationTime"));
        violation.violation_start_time = time_from_seconds(json.at("violationStartTime"));
        return violation;
    } catch (const std::exception&) {
        return Error{"a stored active violation is malformed"};
    }
}

}  // namespace store

namespace {

constexpr std::array<std::pair<VerificationState, const char*>, 4> kStates = {{
    {VerificationState::unknown, "UNKNOWN"},
    {VerificationState::false_positive, "FALSE_POSITIVE"},
    {VerificationState::benign_positive, "BENIGN_POSITIVE"},
    {VerificationState::true_positive, "TRUE_POSITIVE"},
}};

}  // namespace

const char* to_string(VerificationState state) {
    for (const auto& [value, text] : kStates) {
        if (value == state) return text;
    }
    return "UNKNOWN";
}

std::optional<VerificationState> parse_verification_state(std::string_view text) {
    for (const auto& [value, name] : kStates) {
        if (text == name) return value;
    }
    return std::nullopt;
}

std::string to_json(const StoredEvent& event) {
    return store::with_verification(to_json(event.event), event.verification, "violationEventTime");
}

std::string to_json(const StoredActiveViolation& violation) {
    return store::with_verification(to_json(violation.violation), violation.verification,
                                    "lastViolationTime");
}

}  // namespace defender::detect
