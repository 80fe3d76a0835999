// SPDX-License-Identifier: Apache-2.0
#include "detect/metric_catalog.hpp"

#include <array>

namespace defender::detect {
namespace {

using enum MetricKind;
using enum MetricSource;

constexpr std::array kAwsMetrics = {
    MetricInfo{"aws:all-bytes-in", count, bytes_in, DurationRule::standard, true},
    MetricInfo{"aws:all-bytes-out", count, bytes_out, DurationRule::standard, true},
    MetricInfo{"aws:all-packets-in", count, packets_in, DurationRule::standard, true},
    MetricInfo{"aws:all-packets-out", count, packets_out, DurationRule::standard, true},
    MetricInfo{"aws:num-listening-tcp-ports", count, listening_tcp_total, DurationRule::standard},
    MetricInfo{"aws:num-listening-udp-ports", count, listening_udp_total, DurationRule::standard},
    MetricInfo{"aws:num-established-tcp-connections", count, established_total,
               DurationRule::standard},
    MetricInfo{"aws:listening-tcp-ports", ports, listening_tcp_ports, DurationRule::not_allowed},
    MetricInfo{"aws:listening-udp-ports", ports, listening_udp_ports, DurationRule::not_allowed},
    MetricInfo{"aws:destination-ip-addresses", cidrs, destination_ips, DurationRule::not_allowed},
    // Cloud-side: measured by the broker, never in a device report.
    MetricInfo{"aws:message-byte-size", count, cloud, DurationRule::any},
    MetricInfo{"aws:num-messages-received", count, cloud, DurationRule::any},
    MetricInfo{"aws:num-messages-sent", count, cloud, DurationRule::any},
    MetricInfo{"aws:num-authorization-failures", count, cloud, DurationRule::any},
    MetricInfo{"aws:num-connection-attempts", count, cloud, DurationRule::any},
    MetricInfo{"aws:num-disconnects", count, cloud, DurationRule::any},
    MetricInfo{"aws:disconnect-duration", count, cloud, DurationRule::any},
    MetricInfo{"aws:source-ip-address", cidrs, cloud, DurationRule::any},
};

}  // namespace

const MetricInfo* find_aws_metric(std::string_view name) {
    for (const auto& info : kAwsMetrics) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

bool is_aws_metric_name(std::string_view name) {
    return name.starts_with("aws:");
}

std::optional<MetricKind> custom_metric_kind(const BehaviorCriteria& criteria) {
    if (criteria.value) {
        const auto& value = *criteria.value;
        if (value.number) return number;
        if (value.numbers) return numbers;
        if (value.strings) return strings;
        if (value.cidrs) return cidrs;
        if (value.count) return count;
        if (value.ports) return ports;
    }
    if (criteria.comparison_operator) {
        const auto op = *criteria.comparison_operator;
        if (is_numeric_operator(op)) return number;
        if (op == ComparisonOperator::in_cidr_set || op == ComparisonOperator::not_in_cidr_set) {
            return cidrs;
        }
    }
    if (criteria.statistic || criteria.ml_confidence_level) return number;
    return std::nullopt;
}

const char* value_member(MetricKind kind) {
    switch (kind) {
        case count:
            return "count";
        case ports:
            return "ports";
        case cidrs:
            return "cidrs";
        case number:
            return "number";
        case numbers:
            return "numbers";
        case strings:
            return "strings";
    }
    return "count";
}

bool is_numeric_operator(ComparisonOperator op) {
    return op == ComparisonOperator::less_than || op == ComparisonOperator::less_than_equals ||
           op == ComparisonOperator::greater_than || op == ComparisonOperator::greater_than_equals;
}

bool operator_allowed(MetricKind kind, ComparisonOperator op) {
    switch (kind) {
        case count:
        case number:
            return is_numeric_operator(op);
        case ports:
            return op == ComparisonOperator::in_port_set ||
                   op == ComparisonOperator::not_in_port_set;
        case cidrs:
            return op == ComparisonOperator::in_cidr_set ||
                   op == ComparisonOperator::not_in_cidr_set;
        case numbers:
        case strings:
            return op == ComparisonOperator::in_set || op == ComparisonOperator::not_in_set;
    }
    return false;
}

}  // namespace defender::detect
