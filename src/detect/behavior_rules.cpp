// SPDX-License-Identifier: Apache-2.0
#include "detect/behavior_rules.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "detect/cidr.hpp"
#include "detect/metric_catalog.hpp"
#include "detect/statistics.hpp"

namespace defender::detect {
namespace {

constexpr std::string_view kNamePattern = "[a-zA-Z0-9:_-]+";

bool name_chars_ok(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ':' || c == '_' || c == '-';
    });
}

// The API's constraint check, as the service words it.
std::string constraint(std::string_view value, const std::string& at, std::string_view rule) {
    return "1 validation error detected: Value '" + std::string(value) + "' at '" + at +
           "' failed to satisfy constraint: " + std::string(rule);
}

std::vector<std::string> check_name(std::string_view name, const std::string& at) {
    if (name.size() > 128) {
        return {constraint(name.substr(0, 128), at,
                           "Member must have length less than or equal to 128")};
    }
    if (!name_chars_ok(name)) {
        return {constraint(
            name, at,
            "Member must satisfy regular expression pattern: " + std::string(kNamePattern))};
    }
    return {};
}

class BehaviorCheck {
public:
    BehaviorCheck(const Behavior& behavior, std::size_t index)
        : behavior_(behavior), at_("behaviors." + std::to_string(index + 1) + ".member") {}

    std::vector<std::string> run() {
        if (behavior_.name.empty()) {
            errors_.push_back(constraint("", at_ + ".name",
                                         "Member must have length greater than or equal to 1"));
            return errors_;
        }
        for (auto& error : check_name(behavior_.name, at_ + ".name"))
            errors_.push_back(error);
        if (!errors_.empty()) return errors_;
        if (!behavior_.metric) return malformed("metric is required");
        const std::string& metric = *behavior_.metric;
        if (is_aws_metric_name(metric)) {
            info_ = find_aws_metric(metric);
            if (info_ == nullptr) return malformed("metric " + metric + " is not supported");
        } else {
            custom_ = true;
            if (metric.empty() || metric.size() > 128 || !name_chars_ok(metric)) {
                return malformed("metric " + metric + " is not a valid custom metric name");
            }
        }
        check_dimension();
        if (!behavior_.criteria) return malformed("criteria is required");
        const auto& criteria = *behavior_.criteria;
        check_consecutive("consecutiveDatapointsToAlarm", criteria.consecutive_datapoints_to_alarm);
        check_consecutive("consecutiveDatapointsToClear", criteria.consecutive_datapoints_to_clear);
        if (criteria.ml_confidence_level) {
            check_ml(criteria);
        } else {
            check_rule(criteria);
        }
        return errors_;
    }

private:
    std::vector<std::string> malformed(const std::string& detail) {
        errors_.push_back("Behavior " + behavior_.name + " is malformed. " + detail);
        return errors_;
    }

    void check_dimension() {
        if (!behavior_.metric_dimension) return;
        const auto& dimension = *behavior_.metric_dimension;
        if (custom_ || info_->source != MetricSource::cloud) {
            malformed("metricDimension is not supported for metric " + *behavior_.metric);
            return;
        }
        for (auto& error :
             check_name(dimension.dimension_name, at_ + ".metricDimension.dimensionName")) {
            errors_.push_back(error);
        }
        if (dimension.dimension_name.empty()) {
            errors_.push_back(constraint("", at_ + ".metricDimension.dimensionName",
                                         "Member must have length greater than or equal to 1"));
        }
        if (dimension.operation && *dimension.operation != "IN" &&
            *dimension.operation != "NOT_IN") {
            errors_.push_back(constraint(*dimension.operation, at_ + ".metricDimension.operator",
                                         "Member must satisfy enum value set: [IN, NOT_IN]"));
        }
    }

    void check_consecutive(std::string_view field, const std::optional<std::int64_t>& value) {
        if (value && (*value < 1 || *value > 10)) {
            malformed(std::string(field) + " " + std::to_string(*value) +
                      " should be in range[1,10]");
        }
    }

    void check_ml(const BehaviorCriteria& criteria) {
        const auto& level = *criteria.ml_confidence_level;
        if (level != "LOW" && level != "MEDIUM" && level != "HIGH") {
            errors_.push_back(
                constraint(level, at_ + ".criteria.mlDetectionConfig.confidenceLevel",
                           "Member must satisfy enum value set: [LOW, MEDIUM, HIGH]"));
        }
        if (criteria.comparison_operator || criteria.value || criteria.statistic ||
            criteria.duration_seconds) {
            malformed(
                "mlDetectionConfig cannot be combined with comparisonOperator, value, "
                "statisticalThreshold or durationSeconds");
        }
        const auto kind = kind_of(criteria);
        if (kind != MetricKind::count && kind != MetricKind::number) {
            malformed("ML Detect does not support metric " + *behavior_.metric);
        }
    }

    MetricKind kind_of(const BehaviorCriteria& criteria) const {
        if (!custom_) return info_->kind;
        return custom_metric_kind(criteria).value_or(MetricKind::number);
    }

    void check_rule(const BehaviorCriteria& criteria) {
        const std::string& metric = *behavior_.metric;
        const MetricKind kind = kind_of(criteria);
        if (!criteria.comparison_operator) {
            malformed("comparisonOperator is required");
        } else if (!operator_allowed(kind, *criteria.comparison_operator)) {
            malformed("comparisonOperator " +
                      std::string(to_string(*criteria.comparison_operator)) +
                      " is not supported for metric " + metric);
        }
        if (criteria.value && criteria.statistic) {
            malformed("value and statisticalThreshold cannot both be set");
        } else if (!criteria.value && !criteria.statistic) {
            malformed("value or statisticalThreshold is required");
        }
        if (criteria.value) check_value(*criteria.value, kind);
        if (criteria.statistic) check_statistic(*criteria.statistic, kind, criteria);
        if (criteria.duration_seconds) check_duration(*criteria.duration_seconds, kind);
    }

    void check_value(const MetricValue& value, MetricKind kind) {
        const int members = (value.count ? 1 : 0) + (value.cidrs ? 1 : 0) + (value.ports ? 1 : 0) +
                            (value.number ? 1 : 0) + (value.numbers ? 1 : 0) +
                            (value.strings ? 1 : 0);
        if (members != 1) {
            malformed(
                "value should have exactly one of count, cidrs, ports, number, numbers, "
                "strings");
            return;
        }
        if (custom_ && (value.count || value.ports)) {
            malformed("value of custom metric " + *behavior_.metric +
                      " should have number, numbers, strings or cidrs");
            return;
        }
        const bool matches = (kind == MetricKind::count && value.count) ||
                             (kind == MetricKind::ports && value.ports) ||
                             (kind == MetricKind::cidrs && value.cidrs) ||
                             (kind == MetricKind::number && value.number) ||
                             (kind == MetricKind::numbers && value.numbers) ||
                             (kind == MetricKind::strings && value.strings);
        if (!matches) {
            malformed("value should have " + std::string(value_member(kind)) + " for metric " +
                      *behavior_.metric);
            return;
        }
        if (value.cidrs) {
            for (const auto& text : *value.cidrs) {
                if (text.size() < 2 || text.size() > 43 || !parse_cidr(text)) {
                    malformed("cidr " + text + " is not a valid CIDR");
                    return;
                }
            }
        }
        if (value.number && !std::isfinite(*value.number)) malformed("number should be finite");
    }

    void check_statistic(const std::string& statistic, MetricKind kind,
                         const BehaviorCriteria& criteria) {
        if (!parse_statistic(statistic)) {
            errors_.push_back(
                constraint(statistic, at_ + ".criteria.statisticalThreshold.statistic",
                           "Member must satisfy regular expression pattern: "
                           "(p0|p0\\.1|p0\\.01|p1|p10|p50|p90|p99|p99\\.9|p99\\.99|p100)"));
            return;
        }
        if (kind != MetricKind::count && kind != MetricKind::number) {
            malformed("statisticalThreshold is not supported for metric " + *behavior_.metric);
        } else if (!criteria.duration_seconds &&
                   (custom_ || info_->source != MetricSource::cloud)) {
            malformed("statisticalThreshold needs durationSeconds");
        }
    }

    void check_duration(std::int64_t seconds, MetricKind kind) {
        const auto rule = custom_ ? (kind == MetricKind::number ? DurationRule::standard
                                                                : DurationRule::not_allowed)
                                  : info_->durations;
        if (rule == DurationRule::not_allowed) {
            malformed("durationSeconds is not supported for metric " + *behavior_.metric);
        } else if (seconds <= 0) {
            malformed("durationSeconds " + std::to_string(seconds) + " should be positive");
        } else if (rule == DurationRule::standard && seconds != 300 && seconds != 600 &&
                   seconds != 900 && seconds != 1800 && seconds != 3600) {
            malformed("durationSeconds " + std::to_string(seconds) +
                      " should be one of [300, 600, 900, 1800, 3600]");
        }
    }

    const Behavior& behavior_;
    std::string at_;
    const MetricInfo* info_ = nullptr;
    bool custom_ = false;
    std::vector<std::string> errors_;
};

}  // namespace

bool is_valid_name(std::string_view text) {
    return !text.empty() && text.size() <= 128 && name_chars_ok(text);
}

std::vector<std::string> check_behavior(const Behavior& behavior, std::size_t index) {
    return BehaviorCheck(behavior, index).run();
}

std::vector<std::string> check_behavior_list(const std::vector<Behavior>& behaviors) {
    std::vector<std::string> errors;
    if (behaviors.size() > kMaxBehaviors) {
        errors.push_back(constraint(std::to_string(behaviors.size()) + " behaviors", "behaviors",
                                    "Member must have length less than or equal to 100"));
    }
    std::set<std::string_view> seen;
    std::set<std::string_view> reported;
    for (const auto& behavior : behaviors) {
        if (behavior.name.empty()) continue;
        if (!seen.insert(behavior.name).second && reported.insert(behavior.name).second) {
            errors.push_back("Behavior " + behavior.name +
                             " is malformed. Behavior names must be unique within a profile");
        }
    }
    return errors;
}

std::vector<std::string> check_profile_members(const SecurityProfile& profile, bool require_name) {
    std::vector<std::string> errors;
    if (require_name || !profile.name.empty()) {
        if (profile.name.empty()) {
            errors.push_back(constraint("", "securityProfileName",
                                        "Member must have length greater than or equal to 1"));
        } else {
            errors = check_name(profile.name, "securityProfileName");
        }
    }
    for (const auto& target : profile.targets) {
        if (target.empty() || target.size() > 128 ||
            !std::all_of(target.begin(), target.end(), [](char c) {
                return name_chars_ok(std::string_view(&c, 1)) || c == '*';
            })) {
            errors.push_back("targets: \"" + target.substr(0, 128) +
                             "\" is not a thing name or a glob of one (1 to 128 characters of "
                             "[a-zA-Z0-9:_-] and *)");
        }
    }
    return errors;
}

}  // namespace defender::detect
