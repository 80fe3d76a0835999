// SPDX-License-Identifier: Apache-2.0
// Operator and event-type spellings: AWS's, exactly.
#include <array>
#include <utility>

#include "defender/detect.hpp"

namespace defender::detect {
namespace {

constexpr std::array<std::pair<ComparisonOperator, const char*>, 10> kOperators = {{
    {ComparisonOperator::less_than, "less-than"},
    {ComparisonOperator::less_than_equals, "less-than-equals"},
    {ComparisonOperator::greater_than, "greater-than"},
    {ComparisonOperator::greater_than_equals, "greater-than-equals"},
    {ComparisonOperator::in_cidr_set, "in-cidr-set"},
    {ComparisonOperator::not_in_cidr_set, "not-in-cidr-set"},
    {ComparisonOperator::in_port_set, "in-port-set"},
    {ComparisonOperator::not_in_port_set, "not-in-port-set"},
    {ComparisonOperator::in_set, "in-set"},
    {ComparisonOperator::not_in_set, "not-in-set"},
}};

}  // namespace

const char* to_string(ComparisonOperator op) {
    for (const auto& entry : kOperators) {
        if (entry.first == op) return entry.second;
    }
    return "less-than";
}

std::optional<ComparisonOperator> parse_comparison_operator(std::string_view text) {
    for (const auto& entry : kOperators) {
        if (text == entry.second) return entry.first;
    }
    return std::nullopt;
}

const char* to_string(ViolationEventType type) {
    switch (type) {
        case ViolationEventType::in_alarm:
            return "in-alarm";
        case ViolationEventType::alarm_cleared:
            return "alarm-cleared";
        case ViolationEventType::alarm_invalidated:
            return "alarm-invalidated";
    }
    return "in-alarm";
}

}  // namespace defender::detect
