// SPDX-License-Identifier: Apache-2.0
// metrics_json: a report's metrics by AWS metric name, each value as the MetricValue member
// AWS records it in, through the same extraction the evaluator uses (metric_extract.hpp).
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "defender/detect.hpp"
#include "detect/compiled_behavior.hpp"
#include "detect/metric_catalog.hpp"
#include "detect/metric_extract.hpp"

namespace defender::detect {
namespace {

using Json = nlohmann::ordered_json;

// The device-side metrics, in the order of docs/detect.md's table.
constexpr std::array<std::string_view, 10> kDeviceMetrics = {
    "aws:all-bytes-in",
    "aws:all-bytes-out",
    "aws:all-packets-in",
    "aws:all-packets-out",
    "aws:num-listening-tcp-ports",
    "aws:num-listening-udp-ports",
    "aws:num-established-tcp-connections",
    "aws:listening-tcp-ports",
    "aws:listening-udp-ports",
    "aws:destination-ip-addresses",
};

// The MetricValue of an extracted value of this kind; null when there is none.
Json value_json(const StoredValue& value, MetricKind kind) {
    return std::visit(
        [kind](const auto& v) -> Json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return nullptr;
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                return {{kind == MetricKind::cidrs ? "cidrs" : "strings", v}};
            } else {
                return {{value_member(kind), v}};
            }
        },
        value);
}

MetricKind custom_kind(const CustomValue& value) {
    if (std::holds_alternative<NumberValue>(value)) return MetricKind::number;
    if (std::holds_alternative<NumberListValue>(value)) return MetricKind::numbers;
    if (std::holds_alternative<StringListValue>(value)) return MetricKind::strings;
    return MetricKind::cidrs;
}

}  // namespace

std::string metrics_json(const Report& report) {
    Json out = Json::object();
    for (const auto name : kDeviceMetrics) {
        const MetricInfo* info = find_aws_metric(name);
        if (info == nullptr) continue;
        CompiledBehavior behavior;
        behavior.source = info->source;
        behavior.kind = info->kind;
        Json value = value_json(extract_metric(behavior, report), info->kind);
        if (!value.is_null()) out[std::string(name)] = std::move(value);
    }
    for (const auto& metric : report.custom_metrics) {
        if (out.contains(metric.name)) continue;  // the first of a name, as the evaluator reads
        CompiledBehavior behavior;
        behavior.source = MetricSource::custom;
        behavior.kind = custom_kind(metric.value);
        behavior.custom_name = metric.name;
        Json value = value_json(extract_metric(behavior, report), behavior.kind);
        if (!value.is_null()) out[metric.name] = std::move(value);
    }
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace defender::detect
