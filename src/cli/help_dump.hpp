// SPDX-License-Identifier: Apache-2.0
#pragma once
// `defender help-dump conf|man|markdown` (hidden): the sample agent.conf, the defender(1) man
// page and the option tables of docs/configuration.md, generated from the CLI11 option table so
// that they cannot drift from the options the executable accepts. tests/docs/ compares the
// committed files with this output.

#include <CLI/CLI.hpp>
#include <ostream>

namespace defender::cli {

void add_help_dump_command(CLI::App& app, int& exit_code);

/// The commented sample configuration of `defender agent` (packaging/agent.conf).
void write_sample_config(const CLI::App& app, std::ostream& out);
/// The man page defender(1) in roff (packaging/defender.1).
void write_man_page(const CLI::App& app, std::ostream& out);
/// One Markdown option table per subcommand (docs/configuration.md, generated part).
void write_option_tables(const CLI::App& app, std::ostream& out);

}  // namespace defender::cli
