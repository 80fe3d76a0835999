// SPDX-License-Identifier: Apache-2.0
// `--config FILE`: any bytes as the config file of each subcommand, parsed by the same
// CLI11 set-up as the executable (src/cli/main.cpp). Parse errors are expected; any other
// escape or a sanitizer report is a bug. The commands themselves do not run.
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "cli/commands.hpp"
#include "cli/subcommand_config.hpp"

namespace {

// Thrown once parsing is complete, before the chosen command would run.
struct Parsed {};

void parse_with_config(const std::string& subcommand, const std::string& config_path) {
    using namespace defender::cli;
    CLI::App app{"defender"};
    app.require_subcommand(1);
    app.fallthrough();
    std::string verbosity = "info";
    app.add_option("--verbosity", verbosity, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.set_config("--config", "", "config file");
    app.config_formatter(std::make_shared<SubcommandConfig>(app));
    app.allow_config_extras(CLI::config_extras_mode::error);
    int exit_code = kExitOk;
    add_agent_command(app, exit_code);
    add_collect_command(app, exit_code);
    add_check_command(app, exit_code);
    add_emulate_command(app, exit_code);
    // Runs before any subcommand callback (CLI11 calls the app's first).
    app.parse_complete_callback([] { throw Parsed{}; });

    std::vector<std::string> args{config_path, "--config", subcommand};  // reversed by parse()
    try {
        app.parse(args);
    } catch (const Parsed&) {
        // Every option took its value from the file.
    } catch (const CLI::Error&) {
        // A bad config file: main() prints the error and exits with kExitUsage.
    } catch (const std::exception&) {
        // main() reports these as "defender: error: ..." (kExitCannotRun), not a crash.
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("config", 0);
    if (fd < 0) return 0;
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
        return 0;
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    for (const char* subcommand : {"agent", "collect", "emulate", "check"})
        parse_with_config(subcommand, path);
    return 0;
}
