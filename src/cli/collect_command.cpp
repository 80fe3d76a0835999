// PLACEHOLDER: replaced soon.
#include "cli/commands.hpp"
namespace defender::cli {
void add_collect_command(CLI::App& app, int& exit_code) {
    app.add_subcommand("collect", "Print reports")->callback([&] { exit_code = kExitUsage; });
}
}  // namespace defender::cli
