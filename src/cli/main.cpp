// SPDX-License-Identifier: Apache-2.0
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/config_file_check.hpp"
#include "cli/global_options.hpp"
#include "cli/help_dump.hpp"
#include "cli/logging.hpp"
#include "cli/suggestions.hpp"

namespace {

// A setting both on the command line (the unit's ExecStart=) and in the file: the command line
// wins, silently in CLI11; one line says so.
void warn_about_overridden_settings(const CLI::App& app, const std::string& path,
                                    const std::vector<std::string>& arguments) {
    const auto chosen = app.get_subcommands();
    if (chosen.empty()) return;
    const auto keys = defender::cli::config_keys(path);
    for (const auto& argument : arguments) {
        if (argument == "--") break;
        if (!argument.starts_with("-") || argument == "--config") continue;
        const std::string flag = argument.substr(0, argument.find('='));
        const CLI::Option* option = chosen.front()->get_option_no_throw(flag);
        if (option == nullptr) option = app.get_option_no_throw(flag);
        if (option == nullptr) continue;
        for (const auto& entry : keys) {
            const std::string& key = entry.first;
            const auto names = option->get_lnames();
            const bool same = std::any_of(names.begin(), names.end(), [&](std::string name) {
                std::replace(name.begin(), name.end(), '_', '-');
                return name == key;
            });
            if (same) {
                spdlog::warn("{} is set on the command line and in {}:{}; the command line wins",
                             flag, path, entry.second);
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace defender::cli;
    remember_command_line(argc, argv);
    // Until the options are parsed (errors in them included): info and above, style auto.
    setup_logging("info", *log_style_from_name("auto"));

    CLI::App app{"defender: agent for AWS IoT Device Defender"};
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand
    GlobalArgs globals;
    add_global_options(app, globals, false);
    // Before the subcommand runs: logging as asked, then what the configuration file loses.
    app.parse_complete_callback([&] {
        setup_logging(globals.verbosity, *log_style_from_name(globals.log_format));
        if (auto path = config_argument(command_line()))
            warn_about_overridden_settings(app, *path, command_line());
    });

    int exit_code = kExitOk;
    add_agent_command(app, exit_code);
    add_collect_command(app, exit_code);
    add_check_command(app, exit_code);
    add_emulate_command(app, exit_code);
    add_detect_command(app, exit_code);
    add_simulate_command(app, exit_code);
    add_status_command(app, exit_code);
    add_init_command(app, exit_code);
    add_doctor_command(app, exit_code);
    add_help_dump_command(app, exit_code);

    if (auto hint = python_sample_hint(command_line())) {
        spdlog::error("{}", *hint);
        return kExitUsage;
    }
    // CLI11 would block on a FIFO, read /dev/zero until memory runs out, and call an unreadable
    // file "missing": the file is checked first.
    if (auto path = config_argument(command_line())) {
        auto checked = check_config_file(*path);
        if (!checked) {
            spdlog::error("{}", checked.error().message);
            return kExitUsage;
        }
        if (*checked) spdlog::warn("{}", **checked);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (app.get_subcommands().empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
            // `defender` alone: what it can do, not only that something is missing.
            std::cerr << app.help();
            if (auto word = unknown_subcommand(app, command_line())) {
                spdlog::error("unknown subcommand \"{}\"{}", *word,
                              subcommand_suggestion(app, *word));
            } else {
                spdlog::error("give a subcommand: defender <subcommand> --help for its options");
            }
            return kExitUsage;
        }
        if (auto path = config_argument(command_line())) {
            const auto place =
                locate_config_error(*path, e.what(), command_line(), option_names(app));
            if (!place.prefix.empty()) {
                spdlog::error("{}{}{}", place.prefix, e.what(), place.suggestion);
                return kExitUsage;
            }
        }
        spdlog::error("{}{}", e.what(), suggestion_for(app, e));
        return kExitUsage;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitCannotRun;
    }
    return exit_code;
}
