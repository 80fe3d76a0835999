// SPDX-License-Identifier: Apache-2.0
// `defender status`: what the agent's state file says about it (connection, last report,
// lifetime totals), and whether its process still runs.

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "agent/state_file.hpp"
#include "agent/status_text.hpp"
#include "cli/commands.hpp"
#include "cli/state_dir.hpp"

namespace defender::cli {
namespace {

struct StatusArgs {
    std::string state_dir;
    bool json = false;
};

std::string first_line(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

// Whether the process that wrote `saved` still runs: it said it stopped; the machine booted
// since; its pid is gone, or belongs now to another program (not named as this one is).
Liveness liveness_of(const SavedStatus& saved, const std::filesystem::path& procfs) {
    if (saved.status.state == ConnectionState::stopped) return Liveness::stopped;
    const std::string boot_id = read_boot_id(procfs / "sys/kernel/random/boot_id");
    if (!boot_id.empty() && !saved.boot_id.empty() && boot_id != saved.boot_id)
        return Liveness::rebooted;
    if (saved.pid <= 0 || saved.pid > INT32_MAX) return Liveness::gone;
    const auto pid = static_cast<pid_t>(saved.pid);
    if (::kill(pid, 0) != 0 && errno != EPERM) return Liveness::gone;
    const std::string name = first_line(procfs / std::to_string(pid) / "comm");
    const std::string own = first_line(procfs / "self/comm");
    if (!name.empty() && !own.empty() && name != own) return Liveness::gone;
    return Liveness::running;
}

int run_status(const StatusArgs& args) {
    const std::filesystem::path dir = args.state_dir.empty() ? default_state_dir() : args.state_dir;
    const std::filesystem::path file = dir / kStateFileName;
    struct stat status {};
    if (::stat(dir.c_str(), &status) != 0) {
        spdlog::error("cannot read state directory {}: {} (give the agent's --state-dir)",
                      dir.string(), std::strerror(errno));
        return kExitUsage;
    }
    if (::lstat(file.c_str(), &status) != 0) {
        if (errno == ENOENT) {
            spdlog::error(
                "no state file {}: the agent has not run with this state directory "
                "(give its --state-dir)",
                file.string());
        } else {
            spdlog::error("cannot read state file {}: {}", file.string(), std::strerror(errno));
        }
        return kExitUsage;
    }
    const auto state = load_state(file);
    if (!state) {
        spdlog::error("{}", state.error().message);
        return kExitUsage;
    }
    const Liveness liveness = state->status ? liveness_of(*state->status, "/proc") : Liveness::gone;
    const auto now = std::chrono::system_clock::now();
    std::cout << (args.json ? status_report_json(*state, file.string(), liveness, now)
                            : status_report_text(*state, liveness, now))
              << std::flush;
    return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<StatusArgs>();
    CLI::App* command = app.add_subcommand(
        "status",
        "Print the agent's status from its state directory: connection, last report, lifetime "
        "totals");
    command->add_option("--state-dir", args->state_dir,
                        "The agent's state directory (default: $STATE_DIRECTORY, else "
                        "/var/lib/defender for root, $XDG_STATE_HOME/defender for other users)");
    command->add_flag("--json", args->json, "Print one JSON object");
    command->footer(
        "Exit codes: 0 the status was printed (also when the agent is not running), 2 the state "
        "directory or file cannot be read.");
    command->callback([args, &exit_code] { exit_code = run_status(*args); });
}

}  // namespace defender::cli
