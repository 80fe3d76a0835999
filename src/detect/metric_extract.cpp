// SPDX-License-Identifier: Apache-2.0
#include "detect/metric_extract.hpp"

#include <algorithm>

#include "detect/address_list.hpp"
#include "detect/cidr.hpp"

namespace defender::detect {
namespace {

StoredValue port_numbers(const std::optional<PortList>& list) {
    if (!list) return {};
    std::vector<std::uint16_t> ports;
    ports.reserve(list->ports.size());
    for (const auto& entry : list->ports)
        ports.push_back(entry.port);
    return ports;
}

StoredValue total_of(const std::optional<PortList>& list) {
    if (!list) return {};
    return list->total;
}

double as_double(const Number& number) {
    return std::visit([](auto v) { return static_cast<double>(v); }, number);
}

StoredValue custom_value(const CompiledBehavior& behavior, const Report& report) {
    for (const auto& metric : report.custom_metrics) {
        if (metric.name != behavior.custom_name) continue;
        switch (behavior.kind) {
            case MetricKind::number:
                if (const auto* value = std::get_if<NumberValue>(&metric.value)) {
                    return as_double(value->value);
                }
                return {};
            case MetricKind::numbers:
                if (const auto* value = std::get_if<NumberListValue>(&metric.value)) {
                    std::vector<double> numbers;
                    numbers.reserve(value->values.size());
                    for (const auto& number : value->values)
                        numbers.push_back(as_double(number));
                    return numbers;
                }
                return {};
            case MetricKind::strings:
                if (const auto* value = std::get_if<StringListValue>(&metric.value)) {
                    return value->values;
                }
                return {};
            case MetricKind::cidrs:
                if (const auto* value = std::get_if<IpListValue>(&metric.value)) {
                    return value->values;
                }
                return {};
            default:
                return {};
        }
    }
    return {};
}

}  // namespace

StoredValue extract_metric(const CompiledBehavior& behavior, const Report& report) {
    if (behavior.source == MetricSource::custom) return custom_value(behavior, report);
    if (!report.metrics) return {};
    const Metrics& metrics = *report.metrics;
    const auto& stats = metrics.network_stats;
    switch (behavior.source) {
        case MetricSource::bytes_in:
            return stats ? StoredValue(stats->bytes_in) : StoredValue();
        case MetricSource::bytes_out:
            return stats ? StoredValue(stats->bytes_out) : StoredValue();
        case MetricSource::packets_in:
            return stats ? StoredValue(stats->packets_in) : StoredValue();
        case MetricSource::packets_out:
            return stats ? StoredValue(stats->packets_out) : StoredValue();
        case MetricSource::listening_tcp_total:
            return total_of(metrics.listening_tcp_ports);
        case MetricSource::listening_udp_total:
            return total_of(metrics.listening_udp_ports);
        case MetricSource::established_total:
            if (!metrics.established_connections) return {};
            return metrics.established_connections->total;
        case MetricSource::listening_tcp_ports:
            return port_numbers(metrics.listening_tcp_ports);
        case MetricSource::listening_udp_ports:
            return port_numbers(metrics.listening_udp_ports);
        case MetricSource::destination_ips: {
            if (!metrics.established_connections) return {};
            std::vector<IpAddress> addresses;
            for (const auto& connection : metrics.established_connections->connections) {
                if (const auto address = remote_address(connection.remote_addr)) {
                    addresses.push_back(address->normalized());
                }
            }
            // In address order (IPv4 first), each once.
            std::sort(addresses.begin(), addresses.end());
            addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
            return pack(addresses);
        }
        default:
            return {};
    }
}

}  // namespace defender::detect
