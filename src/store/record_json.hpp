// SPDX-License-Identifier: Apache-2.0
#pragma once
// Violation records in and out of their rows: a row keeps the record as the AWS CLI prints it
// (detect.hpp's to_json), read back here; the AWS CLI shapes with a verdict added.

#include <string>
#include <string_view>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"
#include "defender/result.hpp"

namespace defender::detect::store {

/// An event from its row's JSON; `notify` is kept in a column of its own.
Result<ViolationEvent> event_from_json(std::string_view json, bool notify);
/// An active violation from its row's JSON.
Result<ActiveViolation> active_violation_from_json(std::string_view json);

}  // namespace defender::detect::store
