// SPDX-License-Identifier: Apache-2.0
#pragma once
// The subcommands of the `defender` executable. Each registers itself on the app and, when
// chosen, stores its process exit code in `exit_code`.

#include <CLI/CLI.hpp>

namespace defender::cli {

/// Stable process exit codes (documented in docs/configuration.md).
enum ExitCode : int {
    kExitOk = 0,
    kExitInvalid = 1,       ///< `check`: the report has violations
    kExitUsage = 2,         ///< bad option or configuration; `check`: input unreadable
    kExitCannotRun = 3,     ///< the system could not be read or written (e.g. a /proc file missing)
    kExitNotConnected = 4,  ///< `doctor`: a connection step (resolve to SUBSCRIBE) failed
    kExitNotAnswered = 5,   ///< `doctor`: the report was not acknowledged or not answered
};

void add_collect_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_agent_command(CLI::App& app, int& exit_code);
void add_emulate_command(CLI::App& app, int& exit_code);
void add_detect_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_init_command(CLI::App& app, int& exit_code);
void add_doctor_command(CLI::App& app, int& exit_code);

}  // namespace defender::cli
