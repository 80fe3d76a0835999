// SPDX-License-Identifier: Apache-2.0
#pragma once
// The metrics a behavior may name: the device-side ones (where a report carries them, their
// value kind, their durations), the cloud-side ones (valid, never in a device report), and the
// value kind of a custom metric, inferred from its behavior (docs/detect.md, "Metrics").

#include <optional>
#include <string_view>

#include "defender/detect.hpp"

namespace defender::detect {

/// The kind of value a metric has, named after the MetricValue member that holds it.
enum class MetricKind { count, ports, cidrs, number, numbers, strings };

/// Where a device-side metric is in a report.
enum class MetricSource {
    bytes_in,
    bytes_out,
    packets_in,
    packets_out,
    listening_tcp_total,
    listening_udp_total,
    established_total,
    listening_tcp_ports,
    listening_udp_ports,
    destination_ips,
    custom,  ///< `custom_metrics.<name>`
    cloud,   ///< not in device reports
};

/// Which `durationSeconds` a metric accepts.
enum class DurationRule {
    standard,     ///< 300, 600, 900, 1800 or 3600
    not_allowed,  ///< list metrics: a datapoint is one report
    any,          ///< cloud-side metrics: not checked further here
};

struct MetricInfo {
    std::string_view name;
    MetricKind kind;
    MetricSource source;
    DurationRule durations;
    bool summed = false;  ///< `network_stats` deltas: summed over a window, not the last value
};

/// The AWS metric (`aws:...`) of that name, device- or cloud-side; nullptr when unknown.
const MetricInfo* find_aws_metric(std::string_view name);

/// True for the names AWS reserves (`aws:` prefix).
bool is_aws_metric_name(std::string_view name);

/// The kind of a custom metric as its behavior implies it (the value member it compares
/// with, else the operator, else number for statistical and ML behaviors); nullopt when the
/// behavior does not say.
std::optional<MetricKind> custom_metric_kind(const BehaviorCriteria& criteria);

/// The MetricValue member name of a kind (`count`, `ports`, ...).
const char* value_member(MetricKind kind);

/// The operators a kind allows.
bool operator_allowed(MetricKind kind, ComparisonOperator op);

/// True for less-than, less-than-equals, greater-than, greater-than-equals.
bool is_numeric_operator(ComparisonOperator op);

}  // namespace defender::detect
