// SPDX-License-Identifier: Apache-2.0
#include <array>
#include <utility>

#include "defender/custom_metrics.hpp"

namespace defender {
namespace {

constexpr std::array<std::pair<CustomMetricType, const char*>, 4> kTypeNames{{
    {CustomMetricType::number, "number"},
    {CustomMetricType::number_list, "number-list"},
    {CustomMetricType::string_list, "string-list"},
    {CustomMetricType::ip_address_list, "ip-address-list"},
}};

constexpr std::array<std::pair<BuiltinMetric, const char*>, 9> kBuiltinNames{{
    {BuiltinMetric::cpu_usage, "cpu_usage"},
    {BuiltinMetric::memory_used_percent, "memory_used_percent"},
    {BuiltinMetric::uptime_seconds, "uptime_seconds"},
    {BuiltinMetric::process_count, "process_count"},
    {BuiltinMetric::disk_used_percent, "disk_used_percent"},
    {BuiltinMetric::interface_names, "interface_names"},
    {BuiltinMetric::interface_addresses, "interface_addresses"},
    {BuiltinMetric::load_average_1m, "load_average_1m"},
    {BuiltinMetric::open_file_count, "open_file_count"},
}};

template <class Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum value) {
    for (const auto& [candidate, name] : names) {
        if (candidate == value) return name;
    }
    return "?";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, const char*>, N>& names,
                             std::string_view text) {
    for (const auto& [value, name] : names) {
        if (text == name) return value;
    }
    return std::nullopt;
}

}  // namespace

const char* to_string(CustomMetricType type) {
    return name_of(kTypeNames, type);
}

std::optional<CustomMetricType> parse_custom_metric_type(std::string_view text) {
    return value_of(kTypeNames, text);
}

const char* to_string(BuiltinMetric metric) {
    return name_of(kBuiltinNames, metric);
}

std::optional<BuiltinMetric> parse_builtin_metric(std::string_view text) {
    return value_of(kBuiltinNames, text);
}

CustomMetricType type_of(BuiltinMetric metric) {
    switch (metric) {
        case BuiltinMetric::interface_names:
            return CustomMetricType::string_list;
        case BuiltinMetric::interface_addresses:
            return CustomMetricType::ip_address_list;
        default:
            return CustomMetricType::number;
    }
}

}  // namespace defender
