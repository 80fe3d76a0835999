// SPDX-License-Identifier: Apache-2.0
#include "validate/value_checks.hpp"

#include <string>

namespace defender {

std::string_view type_name(const Document& value) {
    if (value.is_number_integer()) return "integer";
    if (value.is_number_float()) return "float";
    if (value.is_boolean()) return "boolean";
    if (value.is_binary()) return "byte string";
    return value.type_name();
}

std::string describe_type(const Document& value) {
    if (value.is_null()) return "null";
    const std::string name(type_name(value));
    const bool vowel = name.front() == 'a' || name.front() == 'i' || name.front() == 'o';
    return (vowel ? "an " : "a ") + name;
}

namespace {

bool expect_type(bool matches, std::string_view expected, const Document& value,
                 const DocumentPath& path, ViolationList& violations) {
    if (matches) return true;
    violations.add(path, "must be " + std::string(expected) + ", not " + describe_type(value));
    return false;
}

}  // namespace

bool expect_object(const Document& value, const DocumentPath& path, ViolationList& violations) {
    return expect_type(value.is_object(), "an object", value, path, violations);
}

bool expect_array(const Document& value, const DocumentPath& path, ViolationList& violations) {
    return expect_type(value.is_array(), "an array", value, path, violations);
}

bool expect_string(const Document& value, const DocumentPath& path, ViolationList& violations) {
    return expect_type(value.is_string(), "a string", value, path, violations);
}

bool expect_non_empty_string(const Document& value, const DocumentPath& path,
                             ViolationList& violations) {
    if (!expect_string(value, path, violations)) return false;
    if (!value.get_ref<const std::string&>().empty()) return true;
    violations.add(path, "must not be empty");
    return false;
}

bool expect_integer_in(const Document& value, std::uint64_t min, std::uint64_t max,
                       const DocumentPath& path, ViolationList& violations) {
    if (!expect_type(value.is_number_integer(), "an integer", value, path, violations)) {
        return false;
    }
    const std::string range = std::to_string(min) + ".." + std::to_string(max);
    if (!value.is_number_unsigned()) {
        const auto number = value.get<std::int64_t>();
        if (number < 0) {
            violations.add(path, std::to_string(number) + " is outside " + range);
            return false;
        }
    }
    const auto number = unsigned_value(value);
    if (number < min || number > max) {
        violations.add(path, std::to_string(number) + " is outside " + range);
        return false;
    }
    return true;
}

std::uint64_t unsigned_value(const Document& value) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
}

}  // namespace defender
