#pragma once
// Runs a custom metric's command and returns what it printed, bounded in time and size.

#include <string>

#include "defender/custom_metrics.hpp"

namespace defender {

/// Standard output of the command when it exits with status 0 within its timeout, having
/// printed at most `max_output_bytes`. Otherwise the command's process group is killed and the
/// error names the command and what happened (with the first line of its standard error).
Result<std::string> run_command(const CommandSource& command);

}  // namespace defender
