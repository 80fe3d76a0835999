// SPDX-License-Identifier: Apache-2.0
#include "detect/criteria.hpp"

#include <algorithm>

#include "detect/address_list.hpp"

namespace defender::detect {
namespace {

template <class T>
bool compare_as(T value, ComparisonOperator op, T threshold) {
    switch (op) {
        case ComparisonOperator::less_than:
            return value < threshold;
        case ComparisonOperator::less_than_equals:
            return value <= threshold;
        case ComparisonOperator::greater_than:
            return value > threshold;
        case ComparisonOperator::greater_than_equals:
            return value >= threshold;
        default:
            return true;
    }
}

// Every element in the set (in-*), or none (not-in-*): the empty list passes both.
template <class List, class InSet>
bool set_rule(const List& elements, bool allowed_list, InSet in_set) {
    for (const auto& element : elements) {
        if (in_set(element) != allowed_list) return false;
    }
    return true;
}

bool is_allowed_list(ComparisonOperator op) {
    return op == ComparisonOperator::in_cidr_set || op == ComparisonOperator::in_port_set ||
           op == ComparisonOperator::in_set;
}

}  // namespace

bool compare(double value, ComparisonOperator op, double threshold) {
    return compare_as(value, op, threshold);
}

bool conforms(const CompiledBehavior& behavior, const StoredValue& value) {
    const bool allowed = is_allowed_list(behavior.op);
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        if (behavior.kind == MetricKind::count)
            return compare_as(*count, behavior.op, behavior.count);
        return compare(static_cast<double>(*count), behavior.op, behavior.number);
    }
    if (const auto* number = std::get_if<double>(&value)) {
        if (behavior.kind == MetricKind::count) {
            return compare(*number, behavior.op, static_cast<double>(behavior.count));
        }
        return compare(*number, behavior.op, behavior.number);
    }
    if (const auto* ports = std::get_if<std::vector<std::uint16_t>>(&value)) {
        return set_rule(*ports, allowed, [&](std::uint16_t port) {
            return std::binary_search(behavior.ports.begin(), behavior.ports.end(), port);
        });
    }
    if (const auto* numbers = std::get_if<std::vector<double>>(&value)) {
        return set_rule(*numbers, allowed, [&](double n) {
            return std::binary_search(behavior.numbers.begin(), behavior.numbers.end(), n);
        });
    }
    if (const auto* packed = std::get_if<PackedAddresses>(&value)) {
        return set_rule(addresses_of(*packed), allowed, [&](const IpAddress& address) {
            return std::any_of(behavior.cidrs.begin(), behavior.cidrs.end(),
                               [&](const Cidr& block) { return contains(block, address); });
        });
    }
    if (const auto* texts = std::get_if<std::vector<std::string>>(&value)) {
        if (behavior.kind == MetricKind::cidrs) {
            // An element that is no address cannot be placed: it is skipped.
            return set_rule(*texts, allowed, [&](const std::string& text) {
                const auto address = IpAddress::parse(text);
                if (!address) return allowed;
                return std::any_of(behavior.cidrs.begin(), behavior.cidrs.end(),
                                   [&](const Cidr& block) { return contains(block, *address); });
            });
        }
        return set_rule(*texts, allowed, [&](const std::string& text) {
            return std::binary_search(behavior.strings.begin(), behavior.strings.end(), text);
        });
    }
    return true;
}

bool is_empty_list(const StoredValue& value) {
    return std::visit(
        [](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::vector<std::uint16_t>> ||
                          std::is_same_v<T, std::vector<std::string>> ||
                          std::is_same_v<T, std::vector<double>>) {
                return v.empty();
            } else if constexpr (std::is_same_v<T, PackedAddresses>) {
                return v.bytes.empty();
            } else {
                return false;
            }
        },
        value);
}

double numeric_value(const StoredValue& value) {
    if (const auto* count = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*count);
    if (const auto* number = std::get_if<double>(&value)) return *number;
    return 0.0;
}

std::optional<MetricValue> to_metric_value(const StoredValue& value, MetricKind kind) {
    MetricValue out;
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        if (kind == MetricKind::count) {
            out.count = *count;
        } else {
            out.number = static_cast<double>(*count);
        }
    } else if (const auto* number = std::get_if<double>(&value)) {
        if (kind == MetricKind::count && *number >= 0) {
            out.count = static_cast<std::uint64_t>(*number);
        } else {
            out.number = *number;
        }
    } else if (const auto* ports = std::get_if<std::vector<std::uint16_t>>(&value)) {
        out.ports = *ports;
    } else if (const auto* numbers = std::get_if<std::vector<double>>(&value)) {
        out.numbers = *numbers;
    } else if (const auto* texts = std::get_if<std::vector<std::string>>(&value)) {
        if (kind == MetricKind::cidrs) {
            out.cidrs = *texts;
        } else {
            out.strings = *texts;
        }
    } else if (const auto* packed = std::get_if<PackedAddresses>(&value)) {
        if (kind == MetricKind::cidrs) {
            out.cidrs = unpack_addresses(*packed);
        } else {
            out.strings = unpack_addresses(*packed);
        }
    } else {
        return std::nullopt;
    }
    return out;
}

}  // namespace defender::detect
