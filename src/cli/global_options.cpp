// SPDX-License-Identifier: Apache-2.0
#include "cli/global_options.hpp"

#include <memory>

#include "cli/logging.hpp"
#include "cli/subcommand_config.hpp"
#include "defender/version.hpp"

namespace defender::cli {
namespace {

std::vector<std::string>& saved_command_line() {
    static std::vector<std::string> arguments;
    return arguments;
}

}  // namespace

void add_global_options(CLI::App& app, GlobalArgs& args, bool set_up_logging) {
    app.add_option("--verbosity", args.verbosity, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.add_option("--log-format", args.log_format,
                   "Log lines: auto (journal under systemd, else text), text, journal or json")
        ->check(CLI::IsMember({"auto", "text", "journal", "json"}))
        ->capture_default_str();
    app.set_version_flag("--version", std::string("defender ") + DEFENDER_VERSION);
    app.set_config(
        "--config", "",
        "Read the subcommand's options from FILE (INI or TOML; keys as the long options)");
    app.config_formatter(std::make_shared<SubcommandConfig>(app));
    app.allow_config_extras(CLI::config_extras_mode::error);
    if (set_up_logging) {
        app.parse_complete_callback(
            [&args] { setup_logging(args.verbosity, *log_style_from_name(args.log_format)); });
    }
}

void remember_command_line(int argc, const char* const* argv) {
    saved_command_line().assign(argv + (argc > 0 ? 1 : 0), argv + argc);
}

const std::vector<std::string>& command_line() {
    return saved_command_line();
}

}  // namespace defender::cli
