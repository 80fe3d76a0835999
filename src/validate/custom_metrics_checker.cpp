// SPDX-License-Identifier: Apache-2.0
#include "validate/custom_metrics_checker.hpp"

#include <functional>
#include <string>

#include "report/data_rules.hpp"
#include "validate/value_checks.hpp"

namespace defender {
namespace {

constexpr std::string_view kValueKeys = "number, number_list, string_list or ip_list";

void add_if(const std::optional<std::string>& reason, const DocumentPath& path,
            ViolationList& violations) {
    if (reason) violations.add(path, *reason);
}

void check_number_value(const Document& value, const DocumentPath& path,
                        ViolationList& violations) {
    if (value.is_number_unsigned()) {
        add_if(check_number(value.get<std::uint64_t>()), path, violations);
    } else if (value.is_number_integer()) {
        add_if(check_number(value.get<std::int64_t>()), path, violations);
    } else if (value.is_number_float()) {
        add_if(check_number(value.get<double>()), path, violations);
    } else {
        violations.add(path, "must be a number, not " + describe_type(value));
    }
}

void check_string_item(const Document& value, const DocumentPath& path, ViolationList& violations) {
    if (!expect_string(value, path, violations)) return;
    add_if(check_string_list_item(value.get_ref<const std::string&>()), path, violations);
}

void check_ip_item(const Document& value, const DocumentPath& path, ViolationList& violations) {
    if (!expect_string(value, path, violations)) return;
    add_if(check_ip_literal(value.get_ref<const std::string&>()), path, violations);
}

using ItemCheck = std::function<void(const Document&, const DocumentPath&, ViolationList&)>;

// Empty lists are fine: AWS agents send them and the service accepts them (spec §2.5).
void check_list(const Document& value, const DocumentPath& path, ViolationList& violations,
                const ItemCheck& check_item) {
    if (!expect_array(value, path, violations)) return;
    for (std::size_t i = 0; i < value.size(); ++i) {
        check_item(value[i], path.element(i), violations);
    }
}

void check_value_object(const Document& object, const DocumentPath& path,
                        ViolationList& violations) {
    if (!expect_object(object, path, violations)) return;
    if (object.empty()) {
        violations.add(path, "has no value: expected one member " + std::string(kValueKeys));
        return;
    }
    std::size_t position = 0;
    bool seen_value_key = false;
    for (const auto& [key, value] : object.items()) {
        const auto member_path = path.member(key, position++);
        const bool known =
            key == "number" || key == "number_list" || key == "string_list" || key == "ip_list";
        if (!known) {
            violations.add(member_path, "unknown value key " + in_quotes(key) + " (expected " +
                                            std::string(kValueKeys) + ")");
            continue;
        }
        if (seen_value_key) {
            violations.add(member_path, "a custom metric holds exactly one value key");
            continue;
        }
        seen_value_key = true;
        if (value.is_null()) {
            violations.add(member_path, "null is not allowed");
        } else if (key == "number") {
            check_number_value(value, member_path, violations);
        } else if (key == "number_list") {
            check_list(value, member_path, violations, check_number_value);
        } else if (key == "string_list") {
            check_list(value, member_path, violations, check_string_item);
        } else {
            check_list(value, member_path, violations, check_ip_item);
        }
    }
}

void check_metric(const Document& value, const DocumentPath& path, ViolationList& violations) {
    if (!value.is_array()) {
        // The documented InvalidPayload case: {"number":0} without the array.
        violations.add(path, "must be an array holding one object, e.g. [{\"number\":0}], not " +
                                 describe_type(value));
        return;
    }
    if (value.size() != 1) {
        violations.add(path, "must be an array holding exactly one object, not " +
                                 std::to_string(value.size()) + " elements");
        return;
    }
    check_value_object(value[0], path.element(0), violations);
}

}  // namespace

void check_custom_metrics(const Document& block, const DocumentPath& path,
                          ViolationList& violations) {
    if (!expect_object(block, path, violations)) return;
    std::size_t position = 0;
    for (const auto& [name, value] : block.items()) {
        const auto metric_path = path.member(name, position++);
        add_if(check_metric_name(name), metric_path, violations);
        check_metric(value, metric_path, violations);
    }
}

}  // namespace defender
