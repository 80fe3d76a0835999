// SPDX-License-Identifier: Apache-2.0
#pragma once
// Whether a datapoint conforms to a behavior's criteria. A criterion describes normal
// behavior: a datapoint violates when the comparison is false. Sets: `in-*` means every
// reported element is in the set, `not-in-*` that none is; an empty list always conforms.

#include "defender/detect.hpp"
#include "detect/compiled_behavior.hpp"

namespace defender::detect {

/// The datapoint `value` (not monostate) against the behavior's `value`.
bool conforms(const CompiledBehavior& behavior, const StoredValue& value);

/// `value` compared with `threshold` by a numeric operator.
bool compare(double value, ComparisonOperator op, double threshold);

/// True for a list value with no element (it conforms and clears an alarm at once).
bool is_empty_list(const StoredValue& value);

/// A datapoint as a MetricValue for violation records (`count`, `number`, `ports`, `cidrs`,
/// `numbers` or `strings`, after the behavior's kind).
std::optional<MetricValue> to_metric_value(const StoredValue& value, MetricKind kind);

/// The value as a number (counts and numbers); 0 for lists.
double numeric_value(const StoredValue& value);

}  // namespace defender::detect
