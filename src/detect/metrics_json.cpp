// SPDX-License-Identifier: Apache-2.0
// metrics_json: a report's metrics by AWS metric name, each value as the MetricValue member
// AWS records it in, through the same extraction the evaluator uses (metric_extract.hpp).
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "defender/detect.hpp"
#include "detect/compiled_behavior.hpp"
#include "detect/json_writer.hpp"
#include "detect/metric_catalog.hpp"
#include "detect/metric_extract.hpp"

namespace defender::detect {
namespace {

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

// Appends `"name":{"<member>":value}` for an extracted value; nothing when there is none.
bool append_metric(std::string& out, std::string_view name, const StoredValue& value,
                   MetricKind kind) {
    if (std::holds_alternative<std::monostate>(value)) return false;
    if (out.size() > 1) out += ',';
    json_writer::append_string(out, name);
    out += ":{";
    std::visit(
        [&out, kind](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                json_writer::append_key(out, kind == MetricKind::cidrs ? "cidrs" : "strings");
                json_writer::append_list(out, v);
            } else if constexpr (std::is_same_v<T, PackedAddresses>) {
                json_writer::append_key(out, kind == MetricKind::cidrs ? "cidrs" : "strings");
                json_writer::append_list(out, unpack_addresses(v));
            } else {
                json_writer::append_key(out, value_member(kind));
                if constexpr (std::is_same_v<T, double>) {
                    json_writer::append_double(out, v);
                } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                    json_writer::append_integer(out, v);
                } else {
                    json_writer::append_list(out, v);
                }
            }
        },
        value);
    out += '}';
    return true;
}

MetricKind custom_kind(const CustomValue& value) {
    if (std::holds_alternative<NumberValue>(value)) return MetricKind::number;
    if (std::holds_alternative<NumberListValue>(value)) return MetricKind::numbers;
    if (std::holds_alternative<StringListValue>(value)) return MetricKind::strings;
    return MetricKind::cidrs;
}

}  // namespace

std::string metrics_json(const Report& report) {
    std::string out = "{";
    out.reserve(512);
    std::vector<std::string_view> written;  // names, so the first of a name wins
    for (const auto name : kDeviceMetrics) {
        const MetricInfo* info = find_aws_metric(name);
        if (info == nullptr) continue;
        CompiledBehavior behavior;
        behavior.source = info->source;
        behavior.kind = info->kind;
        if (append_metric(out, name, extract_metric(behavior, report), info->kind)) {
            written.push_back(name);
        }
    }
    // A custom metric: the first of a name, as the evaluator reads.
    for (const auto& metric : report.custom_metrics) {
        if (std::find(written.begin(), written.end(), metric.name) != written.end()) continue;
        CompiledBehavior behavior;
        behavior.source = MetricSource::custom;
        behavior.kind = custom_kind(metric.value);
        behavior.custom_name = metric.name;
        if (append_metric(out, metric.name, extract_metric(behavior, report), behavior.kind)) {
            written.push_back(metric.name);
        }
    }
    out += '}';
    return out;
}

}  // namespace defender::detect
