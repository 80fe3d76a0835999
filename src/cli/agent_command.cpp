// `defender agent`: publish reports to AWS IoT Device Defender (AWS's Python `agent.py`).

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/global_options.hpp"
#include "cli/log_sink.hpp"
#include "cli/mqtt_module.hpp"
#include "cli/reloadable_collector.hpp"
#include "cli/report_options.hpp"
#include "cli/signals.hpp"
#include "defender/agent.hpp"
#include "defender/stream_transport.hpp"
#include "defender/topics.hpp"

namespace defender::cli {
namespace {

constexpr unsigned kMinimumInterval = 300;

struct AgentArgs {
    ConnectionArgs connection;
    ReportArgs report;
    std::string thing_name;
    unsigned interval = kMinimumInterval;
    bool allow_short_interval = false;
    bool dry_run = false;
    std::string state_dir;
    std::uint64_t exit_after = 0;
};

std::string default_state_dir() {
    // systemd's StateDirectory= sets this (possibly a colon-separated list).
    if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
        const std::string dirs = dir;
        return dirs.substr(0, dirs.find(':'));
    }
    return "/var/lib/defender";
}

std::filesystem::path prepare_state_file(const std::string& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        spdlog::warn(
            "cannot create state directory {}: {}; report ids are not kept across restarts", dir,
            error.message());
        return {};
    }
    return std::filesystem::path(dir) / "state.json";
}

// The settings of `args` that the agent applies, also on SIGHUP. Errors are configuration
// errors (exit 2).
Result<AgentOptions> agent_options(AgentArgs& args) {
    const auto format = args.report.wire_format();
    AgentOptions options;
    options.encoding = {format, args.report.key_style(), args.dry_run && format == Format::json};
    options.build = args.report.build_options();
    auto custom_metrics = args.report.custom_metric_set();
    if (!custom_metrics) return custom_metrics.error();
    options.custom_metrics = *custom_metrics;
    options.stop_after_reports = args.exit_after;

    if (args.interval < kMinimumInterval && !args.allow_short_interval) {
        spdlog::warn(
            "interval {} s is below Device Defender's minimum of {} s; using {} s "
            "(--allow-short-interval for local brokers)",
            args.interval, kMinimumInterval, kMinimumInterval);
        args.interval = kMinimumInterval;
    }
    options.interval = std::chrono::seconds(args.interval);

    const std::string client_id =
        args.connection.client_id.empty() ? host_name() : args.connection.client_id;
    options.thing_name = args.thing_name.empty() ? client_id : args.thing_name;
    if (auto valid = validate_thing_name(options.thing_name); !valid) return valid.error();
    return options;
}

void add_agent_options(CLI::App& command, AgentArgs& args);

// SIGHUP: the command line parsed again, so the --config file is read again and options given
// on the command line still win over it.
Result<AgentArgs> reread_agent_args() {
    CLI::App app;
    app.fallthrough();
    GlobalArgs globals;
    add_global_options(app, globals, false);
    AgentArgs args;
    add_agent_options(*app.add_subcommand("agent"), args);
    std::vector<std::string> arguments(command_line().rbegin(), command_line().rend());
    try {
        app.parse(arguments);
    } catch (const CLI::ParseError& e) {
        return Error{e.what()};
    }
    return args;
}

// Applies what can change on the running agent and names what needs a restart.
void reload(const AgentArgs& running, Agent& agent, ReloadableCollector& collector) {
    spdlog::info("SIGHUP: reading the configuration again");
    auto args = reread_agent_args();
    if (!args) {
        spdlog::error("configuration not reloaded: {}", args.error().message);
        return;
    }
    auto options = agent_options(*args);
    if (!options) {
        spdlog::error("configuration not reloaded: {}", options.error().message);
        return;
    }
    const auto& old_connection = running.connection;
    const auto& new_connection = args->connection;
    const bool restart_needed =
        old_connection.endpoint != new_connection.endpoint ||
        old_connection.port != new_connection.port ||
        old_connection.root_ca != new_connection.root_ca ||
        old_connection.cert != new_connection.cert || old_connection.key != new_connection.key ||
        old_connection.client_id != new_connection.client_id ||
        old_connection.keep_alive != new_connection.keep_alive ||
        old_connection.connect_timeout != new_connection.connect_timeout ||
        running.thing_name != args->thing_name || running.state_dir != args->state_dir ||
        running.dry_run != args->dry_run || running.exit_after != args->exit_after;
    if (restart_needed) {
        spdlog::warn(
            "connection, thing name, state directory, dry-run and exit-after changes apply at "
            "the next restart");
    }
    collector.replace(make_collector(args->report.collector_options()));
    agent.reconfigure(std::move(*options));
}

void add_agent_options(CLI::App& command, AgentArgs& args) {
    add_connection_options(command, args.connection);
    command.add_option("-t,--thing-name,--thing_name", args.thing_name,
                       "Thing name (default: the client id)");
    command.add_option("-i,--interval", args.interval, "Seconds between reports (at least 300)")
        ->check(CLI::Range(1u, 86400u))
        ->capture_default_str();
    command.add_flag("--allow-short-interval", args.allow_short_interval,
                     "Allow intervals below 300 s (local brokers and tests)");
    add_report_options(command, args.report, "-s,--short-names,--short_tags");
    command.add_flag("-d,--dry-run,--dryrun", args.dry_run,
                     "Collect and print reports; no network");
    command.add_option(
        "--state-dir", args.state_dir,
        "Where the last report id is kept (default: $STATE_DIRECTORY or /var/lib/defender)");
    command
        .add_option("--exit-after", args.exit_after,
                    "Exit after this many reports are answered (0 = run until stopped)")
        ->capture_default_str();
}

int run_agent(AgentArgs args) {
    auto agent_settings = agent_options(args);
    if (!agent_settings) {
        spdlog::error("{}", agent_settings.error().message);
        return kExitUsage;
    }
    AgentOptions options = std::move(*agent_settings);
    const auto format = options.encoding.format;
    const std::string client_id =
        args.connection.client_id.empty() ? host_name() : args.connection.client_id;

    const CollectorOptions collector_options = args.report.collector_options();

    block_stop_signals();
    if (args.dry_run) {
        options.expect_replies = false;
        StreamTransport stdout_transport(std::cout, format == Format::json);
        ReloadableCollector collector(make_collector(collector_options));
        Agent agent(options, collector, stdout_transport, spdlog_sink());
        StopOnSignal on_signal([&] { agent.stop(); }, [&] { reload(args, agent, collector); });
        agent.run();
        return kExitOk;
    }

    auto settings = mqtt_settings(args.connection);
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    settings->client_id = client_id;
    const MqttModule& module = **mqtt_module();  // loaded by mqtt_settings()
    if (auto warning = module.key_permission_warning(settings->key)) spdlog::warn("{}", *warning);
    options.state_file =
        prepare_state_file(args.state_dir.empty() ? default_state_dir() : args.state_dir);

    ReloadableCollector collector(make_collector(collector_options));
    const auto transport = module.create_transport(*settings);
    Agent agent(options, collector, *transport, spdlog_sink());
    StopOnSignal on_signal([&] { agent.stop(); }, [&] { reload(args, agent, collector); });
    spdlog::info("publishing {} reports for thing {} to {}:{} every {} s", args.report.format,
                 options.thing_name, settings->endpoint, settings->port, args.interval);
    agent.run();
    return kExitOk;
}

}  // namespace

void add_agent_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<AgentArgs>();
    CLI::App* command = app.add_subcommand(
        "agent", "Publish Device Defender reports to AWS IoT over MQTT (mutual TLS)");
    add_agent_options(*command, *args);
    command->footer(
        "Example:\n  defender agent -e abc123-ats.iot.eu-west-1.amazonaws.com -r AmazonRootCA1.pem "
        "\\\n"
        "      -c device.pem.crt -k private.pem.key -t my-gateway --custom-metrics\n\n"
        "Also: --config FILE (options from an INI/TOML file), --verbosity LEVEL.");
    command->callback([args, &exit_code] { exit_code = run_agent(*args); });
}

}  // namespace defender::cli
