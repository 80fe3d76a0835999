#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "cli/commands.hpp"
#include "cli/global_options.hpp"
#include "cli/help_dump.hpp"
#include "cli/logging.hpp"

int main(int argc, char** argv) {
    using namespace defender::cli;
    remember_command_line(argc, argv);
    // Until the options are parsed (errors in them included): info and above, style auto.
    setup_logging("info", *log_style_from_name("auto"));

    CLI::App app{"defender: agent for AWS IoT Device Defender"};
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand
    GlobalArgs globals;
    add_global_options(app, globals);

    int exit_code = kExitOk;
    add_agent_command(app, exit_code);
    add_collect_command(app, exit_code);
    add_check_command(app, exit_code);
    add_emulate_command(app, exit_code);
    add_help_dump_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        spdlog::error("{}", e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitCannotRun;
    }
    return exit_code;
}
