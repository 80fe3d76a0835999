// SPDX-License-Identifier: Apache-2.0
#pragma once
// The options every subcommand shares (--verbosity, --log-format, --config, --version), and the
// process's command line, kept so that `defender agent` can parse it again on SIGHUP.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace defender::cli {

struct GlobalArgs {
    std::string verbosity = "info";
    std::string log_format = "auto";
};

/// Adds the global options and the --config file reader to `app`. With `set_up_logging`,
/// logging is set up from them once the command line is parsed.
void add_global_options(CLI::App& app, GlobalArgs& args, bool set_up_logging = true);

/// The command line as main() received it (without argv[0]).
void remember_command_line(int argc, const char* const* argv);
const std::vector<std::string>& command_line();

}  // namespace defender::cli
