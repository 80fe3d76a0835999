// SPDX-License-Identifier: Apache-2.0
// Device Defender's data rules (spec §2.4) applied to one custom-metric value.

#include <type_traits>

#include "defender/custom_metrics.hpp"
#include "report/data_rules.hpp"

namespace defender {
namespace {

CustomMetricType type_of_value(const CustomValue& value) {
    switch (value.index()) {
        case 0:
            return CustomMetricType::number;
        case 1:
            return CustomMetricType::number_list;
        case 2:
            return CustomMetricType::string_list;
        default:
            return CustomMetricType::ip_address_list;
    }
}

template <class Item, class Check>
std::optional<std::string> first_problem(const std::vector<Item>& items, const char* rule,
                                         Check check) {
    for (const auto& item : items) {
        if (auto problem = check(item)) return std::string(rule) + ": " + *problem;
    }
    return std::nullopt;
}

std::optional<std::string> check_size(std::size_t size, std::size_t max_list_size) {
    if (max_list_size == 0 || size <= max_list_size) return std::nullopt;
    return "list size: " + std::to_string(size) + " items, above the limit of " +
           std::to_string(max_list_size);
}

}  // namespace

std::optional<std::string> check_custom_value(const CustomValue& value, CustomMetricType type,
                                              std::size_t max_list_size) {
    if (type_of_value(value) != type) {
        return std::string("type: a ") + to_string(type_of_value(value)) + " value for a " +
               to_string(type) + " metric";
    }
    const auto number_rule = [](const Number& n) { return check_number(n); };
    return std::visit(
        [&](const auto& alternative) -> std::optional<std::string> {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, NumberValue>) {
                if (auto problem = check_number(alternative.value))
                    return "number precision: " + *problem;
                return std::nullopt;
            } else {
                if (auto problem = check_size(alternative.values.size(), max_list_size))
                    return problem;
                if constexpr (std::is_same_v<T, NumberListValue>) {
                    return first_problem(alternative.values, "number precision", number_rule);
                } else if constexpr (std::is_same_v<T, StringListValue>) {
                    return first_problem(alternative.values, "string-list characters",
                                         check_string_list_item);
                } else {
                    return first_problem(alternative.values, "ip-list addresses", check_ip_literal);
                }
            }
        },
        value);
}

}  // namespace defender
