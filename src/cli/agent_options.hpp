// SPDX-License-Identifier: Apache-2.0
#pragma once
// The options of `defender agent`, shared with `defender doctor` (the same command line and
// configuration file), and the settings made from them.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/connection_options.hpp"
#include "cli/report_options.hpp"
#include "defender/agent.hpp"

namespace defender::cli {

/// Device Defender's shortest interval between reports, in seconds.
inline constexpr unsigned kMinimumInterval = 300;

/// What the agent's options hold.
struct AgentArgs {
    ConnectionArgs connection;
    ReportArgs report;
    std::string thing_name;
    double interval = kMinimumInterval;  ///< fractions only matter with --allow-short-interval
    bool allow_short_interval = false;
    double reply_timeout = 60;
    bool dry_run = false;
    std::string state_dir;
    std::uint64_t exit_after = 0;
    bool greengrass = false;
    bool interval_given = false;
    std::size_t max_report_bytes = 0;  ///< 0: the transport's default
    std::string log_reports;           ///< --log-reports DIR
    std::size_t log_reports_count = 20;
    std::optional<std::string> mirror_topic;  ///< --mirror-topic TEMPLATE (given empty: an error)
};

/// The MQTT client id and the thing name. Each defaults to the other, and both to the host name:
/// AWS IoT policies allow iot:Connect for client/${iot:Connection.Thing.ThingName}, which only
/// resolves when the client id is the thing name (the AWS IoT Device Client's convention).
struct Identity {
    std::string client_id;
    std::string thing_name;
};

Identity identity_of(const AgentArgs& args);

/// The settings of `args` that the agent applies, also on SIGHUP. Errors are configuration
/// errors (exit 2). Raises a short interval to 300 s (with a warning).
Result<AgentOptions> agent_options(AgentArgs& args);

/// Registers the agent's options (connection, report, agent) on `command`.
void add_agent_options(CLI::App& command, AgentArgs& args);

}  // namespace defender::cli
