// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs a custom metric's command and returns what it printed, bounded in time and size.

#include <string>

#include "defender/custom_metrics.hpp"

namespace defender {

/// Standard output of the command when it exits with status 0 within its timeout, having
/// printed at most `max_output_bytes`. Otherwise the command's process group is killed and the
/// error names the command and what happened (with the first line of its standard error).
/// When `cancel_fd` (an eventfd or pipe, -1 for none) is or becomes readable, the command is
/// killed (or not started) and the reading fails.
Result<std::string> run_command(const CommandSource& command, int cancel_fd = -1);

/// The environment a command runs with: PATH (a default when unset), LANG, HOME and TZ from
/// `from` when set there, and the variables `command.environment` names; "NAME=value" each.
std::vector<std::string> command_environment(const CommandSource& command, char** from);

}  // namespace defender
