// SPDX-License-Identifier: Apache-2.0
#pragma once
// The security profiles `defender detect` evaluates, read from the files given with --profile.

#include <string>
#include <vector>

#include "defender/detect.hpp"

namespace defender::cli {

/// Reads and parses every file (a directory: its *.json files); the error names the file and
/// its first problem in the service's wording.
Result<std::vector<detect::SecurityProfile>> load_profiles(const std::vector<std::string>& paths);
/// Logs, once, each behavior that is loaded but not evaluated and why.
void log_not_evaluated(const detect::Evaluator& evaluator);

}  // namespace defender::cli
