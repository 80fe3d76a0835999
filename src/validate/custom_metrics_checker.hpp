// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `custom_metrics` / `cmet` block: `"<name>": [ { "<value key>": <value> } ]`.

#include "encode/document.hpp"
#include "validate/violation_list.hpp"

namespace defender {

/// Checks the block's value (already known not to be null) at `path`.
void check_custom_metrics(const Document& block, const DocumentPath& path,
                          ViolationList& violations);

}  // namespace defender
