// SPDX-License-Identifier: Apache-2.0
#pragma once
// The queries and actions of `defender detect`, shaped like the AWS CLI's: they read (or, for a
// verification state, write) the store, also while a detector runs.

#include <CLI/CLI.hpp>

#include <string>

namespace defender::cli {

/// Adds list-active-violations, list-violation-events, put-verification-state-on-violation
/// and validate-security-profile-behaviors under `detect`.
void add_detect_queries(CLI::App& detect, int& exit_code);

}  // namespace defender::cli
