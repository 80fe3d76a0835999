#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "cli/subcommand_config.hpp"

int main(int argc, char** argv) {
    using namespace defender::cli;
    CLI::App app{"defender: agent for AWS IoT Device Defender"};
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand
    std::string verbosity = "info";
    app.add_option("--verbosity", verbosity, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.set_version_flag("--version", std::string("defender ") + DEFENDER_VERSION);
    app.set_config(
        "--config", "",
        "Read the subcommand's options from FILE (INI or TOML; keys as the long options)");
    app.config_formatter(std::make_shared<SubcommandConfig>(app));
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.parse_complete_callback([&] { setup_logging(verbosity); });

    int exit_code = kExitOk;
    add_agent_command(app, exit_code);
    add_collect_command(app, exit_code);
    add_check_command(app, exit_code);
    add_emulate_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "defender: error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "defender: error: " << e.what() << "\n";
        return kExitCannotRun;
    }
    return exit_code;
}
