// SPDX-License-Identifier: Apache-2.0
#pragma once
// Type and range checks of single document values, shared by the report and custom-metric
// checkers. Each records a violation at `path` and returns false when the value is wrong.

#include <cstdint>
#include <string_view>

#include "encode/document.hpp"
#include "validate/violation_list.hpp"

namespace defender {

/// "integer", "float", "string", "object", ... for messages.
std::string_view type_name(const Document& value);
/// "null", "an integer", "a string", ... for messages.
std::string describe_type(const Document& value);

bool expect_object(const Document& value, const DocumentPath& path, ViolationList& violations);
bool expect_array(const Document& value, const DocumentPath& path, ViolationList& violations);
bool expect_string(const Document& value, const DocumentPath& path, ViolationList& violations);
bool expect_non_empty_string(const Document& value, const DocumentPath& path,
                             ViolationList& violations);

/// An integer (not a float, string or boolean) within [min, max].
bool expect_integer_in(const Document& value, std::uint64_t min, std::uint64_t max,
                       const DocumentPath& path, ViolationList& violations);

/// The value of an integer that passed expect_integer_in with min >= 0.
std::uint64_t unsigned_value(const Document& value);

}  // namespace defender
