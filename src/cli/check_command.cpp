// PLACEHOLDER: replaced by the validator work.
#include "cli/commands.hpp"
namespace defender::cli {
void add_check_command(CLI::App& app, int& exit_code) {
    app.add_subcommand("check", "Validate a report")->callback([&] { exit_code = kExitUsage; });
}
}  // namespace defender::cli
