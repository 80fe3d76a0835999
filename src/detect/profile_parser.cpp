// SPDX-License-Identifier: Apache-2.0
#include "detect/profile_parser.hpp"

#include <initializer_list>
#include <limits>

#include "encode/json_extent.hpp"

namespace defender::detect {
namespace {

using nlohmann::json;

std::string type_of(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "boolean";
        case json::value_t::string:
            return "string";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "integer";
        case json::value_t::number_float:
            return "number";
        case json::value_t::array:
            return "list";
        case json::value_t::object:
            return "object";
        default:
            return "binary";
    }
}

std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 64) text = text.substr(0, 61) + "...";
    return text;
}

// The service names members as `behaviors.1.member.criteria` where the CLI writes
// `behaviors[0].criteria`.
std::string service_path(std::string_view path) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '[') {
            out += path[i];
            continue;
        }
        const auto close = path.find(']', i);
        out += "." +
               std::to_string(std::stoul(std::string(path.substr(i + 1, close - i - 1))) + 1) +
               ".member";
        i = close;
    }
    return out;
}

// One object being read: reports missing, unknown and mistyped members with its path.
class Reader {
public:
    Reader(const json& object, std::string path, std::vector<std::string>& errors)
        : object_(object), path_(std::move(path)), errors_(errors) {}

    bool ok() const { return ok_; }
    const std::string& path() const { return path_; }

    // Unknown members are errors here (a typo must not change what a behavior means).
    void only(std::initializer_list<std::string_view> known) {
        for (const auto& item : object_.items()) {
            bool found = false;
            for (const auto name : known)
                found = found || item.key() == name;
            if (found) continue;
            std::string list;
            for (const auto name : known) {
                if (!list.empty()) list += ", ";
                list += name;
            }
            fail("Unknown parameter in " + path_ + ": \"" + item.key() +
                 "\", must be one of: " + list);
        }
    }

    const json* member(std::string_view name) const {
        const auto it = object_.find(std::string(name));
        return it == object_.end() ? nullptr : &*it;
    }

    void missing(std::string_view name) {
        fail("Missing required parameter in " + path_ + ": \"" + std::string(name) + "\"");
    }

    void wrong_type(const json& value, const std::string& where, std::string_view valid) {
        fail("Invalid type for parameter " + where + ", value: " + shown(value) +
             ", type: " + type_of(value) + ", valid types: " + std::string(valid));
    }

    std::string child(std::string_view name) const { return path_ + "." + std::string(name); }

    std::optional<std::string> string(std::string_view name) {
        const json* value = member(name);
        if (value == nullptr) return std::nullopt;
        if (!value->is_string()) {
            wrong_type(*value, child(name), "string");
            return std::nullopt;
        }
        return value->get<std::string>();
    }

    std::optional<bool> boolean(std::string_view name) {
        const json* value = member(name);
        if (value == nullptr) return std::nullopt;
        if (!value->is_boolean()) {
            wrong_type(*value, child(name), "boolean");
            return std::nullopt;
        }
        return value->get<bool>();
    }

    std::optional<std::int64_t> integer(std::string_view name) {
        const json* value = member(name);
        if (value == nullptr) return std::nullopt;
        if (value->is_number_integer() && !value->is_number_unsigned()) {
            return value->get<std::int64_t>();
        }
        if (value->is_number_unsigned()) {
            const auto big = value->get<std::uint64_t>();
            if (big <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                return static_cast<std::int64_t>(big);
            }
            fail("Invalid range for parameter " + child(name) + ", value: " + shown(*value) +
                 ", valid max value: " + std::to_string(std::numeric_limits<std::int64_t>::max()));
            return std::nullopt;
        }
        wrong_type(*value, child(name), "integer");
        return std::nullopt;
    }

    const json* object(std::string_view name) {
        const json* value = member(name);
        if (value == nullptr) return nullptr;
        if (!value->is_object()) {
            wrong_type(*value, child(name), "object");
            return nullptr;
        }
        return value;
    }

    const json* list(std::string_view name) {
        const json* value = member(name);
        if (value == nullptr) return nullptr;
        if (!value->is_array()) {
            wrong_type(*value, child(name), "list");
            return nullptr;
        }
        return value;
    }

    void mark_failed() { ok_ = false; }

    void fail(std::string message) {
        ok_ = false;
        errors_.push_back(std::move(message));
    }

private:
    const json& object_;
    std::string path_;
    std::vector<std::string>& errors_;
    bool ok_ = true;
};

std::optional<std::vector<std::string>> string_list(Reader& reader, std::string_view name) {
    const json* list = reader.list(name);
    if (list == nullptr) return std::nullopt;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& item = (*list)[i];
        if (!item.is_string()) {
            reader.wrong_type(item, reader.child(name) + "[" + std::to_string(i) + "]", "string");
            continue;
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<std::vector<double>> number_list(Reader& reader, std::string_view name) {
    const json* list = reader.list(name);
    if (list == nullptr) return std::nullopt;
    std::vector<double> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& item = (*list)[i];
        if (!item.is_number()) {
            reader.wrong_type(item, reader.child(name) + "[" + std::to_string(i) + "]", "number");
            continue;
        }
        out.push_back(item.get<double>());
    }
    return out;
}

std::optional<double> number(Reader& reader, std::string_view name) {
    const json* value = reader.member(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) {
        reader.wrong_type(*value, reader.child(name), "number");
        return std::nullopt;
    }
    return value->get<double>();
}

MetricValue parse_metric_value(const json& object, const std::string& path,
                               std::vector<std::string>& errors, bool& ok) {
    Reader reader(object, path, errors);
    reader.only({"count", "cidrs", "ports", "number", "numbers", "strings"});
    MetricValue value;
    if (const json* count = reader.member("count")) {
        if (count->is_number_unsigned()) {
            value.count = count->get<std::uint64_t>();
        } else if (count->is_number_integer()) {
            reader.fail("Invalid range for parameter " + reader.child("count") +
                        ", value: " + shown(*count) + ", valid min value: 0");
        } else {
            reader.wrong_type(*count, reader.child("count"), "integer");
        }
    }
    value.cidrs = string_list(reader, "cidrs");
    if (const json* ports = reader.list("ports")) {
        value.ports.emplace();
        for (std::size_t i = 0; i < ports->size(); ++i) {
            const auto& item = (*ports)[i];
            const std::string where = reader.child("ports") + "[" + std::to_string(i) + "]";
            if (!item.is_number_integer()) {
                reader.wrong_type(item, where, "integer");
            } else if (!item.is_number_unsigned() || item.get<std::uint64_t>() > 65535) {
                reader.fail("Invalid range for parameter " + where + ", value: " + shown(item) +
                            ", valid range: 0-65535");
            } else {
                value.ports->push_back(static_cast<std::uint16_t>(item.get<std::uint64_t>()));
            }
        }
    }
    value.number = number(reader, "number");
    value.numbers = number_list(reader, "numbers");
    value.strings = string_list(reader, "strings");
    ok = ok && reader.ok();
    return value;
}

BehaviorCriteria parse_criteria(const json& object, const std::string& path,
                                std::vector<std::string>& errors, bool& ok) {
    Reader reader(object, path, errors);
    reader.only({"comparisonOperator", "value", "durationSeconds", "consecutiveDatapointsToAlarm",
                 "consecutiveDatapointsToClear", "statisticalThreshold", "mlDetectionConfig"});
    BehaviorCriteria criteria;
    if (const auto op = reader.string("comparisonOperator")) {
        criteria.comparison_operator = parse_comparison_operator(*op);
        if (!criteria.comparison_operator) {
            // The API's enum check, worded as the service words it.
            std::string hint;
            if (*op == "less-than-equal" || *op == "greater-than-equal") {
                hint =
                    " (\"" + *op + "\" is a typo of AWS's documentation: write \"" + *op + "s\")";
            }
            reader.fail("1 validation error detected: Value '" + *op + "' at '" +
                        service_path(reader.child("comparisonOperator")) +
                        "' failed to satisfy constraint: Member must satisfy enum value set: "
                        "[less-than, less-than-equals, greater-than, greater-than-equals, "
                        "in-cidr-set, not-in-cidr-set, in-port-set, not-in-port-set, in-set, "
                        "not-in-set]" +
                        hint);
        }
    }
    if (const json* value = reader.object("value")) {
        bool value_ok = true;
        criteria.value = parse_metric_value(*value, reader.child("value"), errors, value_ok);
        if (!value_ok) reader.mark_failed();
    }
    criteria.duration_seconds = reader.integer("durationSeconds");
    criteria.consecutive_datapoints_to_alarm = reader.integer("consecutiveDatapointsToAlarm");
    criteria.consecutive_datapoints_to_clear = reader.integer("consecutiveDatapointsToClear");
    if (const json* threshold = reader.object("statisticalThreshold")) {
        Reader inner(*threshold, reader.child("statisticalThreshold"), errors);
        inner.only({"statistic"});
        criteria.statistic = inner.string("statistic");
        if (!criteria.statistic && inner.ok()) inner.missing("statistic");
        if (!inner.ok()) reader.mark_failed();
    }
    if (const json* ml = reader.object("mlDetectionConfig")) {
        Reader inner(*ml, reader.child("mlDetectionConfig"), errors);
        inner.only({"confidenceLevel"});
        criteria.ml_confidence_level = inner.string("confidenceLevel");
        if (!criteria.ml_confidence_level && inner.ok()) inner.missing("confidenceLevel");
        if (!inner.ok()) reader.mark_failed();
    }
    ok = ok && reader.ok();
    return criteria;
}

Behavior parse_behavior(const json& object, const std::string& path,
                        std::vector<std::string>& errors, bool& ok) {
    Behavior behavior;
    if (!object.is_object()) {
        errors.push_back("Invalid type for parameter " + path + ", value: " + shown(object) +
                         ", type: " + type_of(object) + ", valid types: object");
        ok = false;
        return behavior;
    }
    Reader reader(object, path, errors);
    reader.only(
        {"name", "metric", "metricDimension", "criteria", "suppressAlerts", "exportMetric"});
    if (const auto name = reader.string("name")) {
        behavior.name = *name;
    } else if (reader.member("name") == nullptr) {
        reader.missing("name");
    }
    behavior.metric = reader.string("metric");
    if (const json* dimension = reader.object("metricDimension")) {
        Reader inner(*dimension, reader.child("metricDimension"), errors);
        inner.only({"dimensionName", "operator"});
        MetricDimension parsed;
        if (const auto name = inner.string("dimensionName")) {
            parsed.dimension_name = *name;
        } else if (inner.member("dimensionName") == nullptr) {
            inner.missing("dimensionName");
        }
        parsed.operation = inner.string("operator");
        behavior.metric_dimension = parsed;
        if (!inner.ok()) reader.mark_failed();
    }
    if (const json* criteria = reader.object("criteria")) {
        bool criteria_ok = true;
        behavior.criteria =
            parse_criteria(*criteria, reader.child("criteria"), errors, criteria_ok);
        if (!criteria_ok) reader.mark_failed();
    }
    behavior.suppress_alerts = reader.boolean("suppressAlerts");
    behavior.export_metric = reader.boolean("exportMetric");
    ok = ok && reader.ok();
    return behavior;
}

}  // namespace

Result<nlohmann::json> read_profile_json(std::string_view text, std::string_view what) {
    if (text.size() > kMaxProfileBytes) {
        return Error{std::string(what) + " is larger than " + std::to_string(kMaxProfileBytes) +
                     " bytes"};
    }
    const auto extent = scan_json_value(text, 0);
    if (extent.depth > kMaxProfileDepth) {
        return Error{std::string(what) + " nests deeper than " + std::to_string(kMaxProfileDepth) +
                     " levels"};
    }
    try {
        return json::parse(text);
    } catch (const json::exception& error) {
        const auto* parse_error = dynamic_cast<const json::parse_error*>(&error);
        return Error{std::string(what) + " is not valid JSON" +
                     (parse_error != nullptr
                          ? " (at byte " + std::to_string(parse_error->byte) + ")"
                          : std::string())};
    }
}

ParsedBehaviors parse_behavior_list(const nlohmann::json& list, const std::string& path) {
    ParsedBehaviors parsed;
    for (std::size_t i = 0; i < list.size(); ++i) {
        bool ok = true;
        parsed.behaviors.push_back(
            parse_behavior(list[i], path + "[" + std::to_string(i) + "]", parsed.errors, ok));
        parsed.well_formed.push_back(ok);
    }
    return parsed;
}

ParsedProfile parse_profile_object(const nlohmann::json& object, bool require_name) {
    ParsedProfile parsed;
    Reader reader(object, "input", parsed.errors);
    if (const auto name = reader.string("securityProfileName")) {
        parsed.profile.name = *name;
    } else if (require_name && reader.member("securityProfileName") == nullptr) {
        reader.missing("securityProfileName");
    }
    parsed.profile.description = reader.string("securityProfileDescription");
    if (const json* behaviors = reader.list("behaviors")) {
        parsed.behaviors = parse_behavior_list(*behaviors, "behaviors");
    }
    if (const json* targets = reader.list("targets")) {
        for (std::size_t i = 0; i < targets->size(); ++i) {
            const auto& item = (*targets)[i];
            if (!item.is_string()) {
                reader.wrong_type(item, "targets[" + std::to_string(i) + "]", "string");
                continue;
            }
            parsed.profile.targets.push_back(item.get<std::string>());
        }
    }
    if (const json* alert_targets = reader.member("alertTargets")) {
        parsed.profile.has_alert_targets =
            !alert_targets->is_null() && !(alert_targets->is_object() && alert_targets->empty());
    }
    parsed.profile.version = reader.integer("version");
    return parsed;
}

}  // namespace defender::detect
