// SPDX-License-Identifier: Apache-2.0
// `defender agent`: publish reports to AWS IoT Device Defender (AWS's Python `agent.py`).

#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "agent/mirror_topic.hpp"
#include "cli/agent_options.hpp"
#include "cli/commands.hpp"
#include "cli/config_file_check.hpp"
#include "cli/connection_options.hpp"
#include "cli/global_options.hpp"
#include "cli/greengrass_options.hpp"
#include "cli/log_sink.hpp"
#include "cli/make_transport.hpp"
#include "cli/mqtt_module.hpp"
#include "cli/option_checks.hpp"
#include "cli/reloadable_collector.hpp"
#include "cli/report_options.hpp"
#include "cli/signals.hpp"
#include "cli/state_dir.hpp"
#include "cli/suggestions.hpp"
#include "cli/systemd_notify.hpp"
#include "defender/agent.hpp"
#include "defender/greengrass_transport.hpp"
#include "defender/limits.hpp"
#include "defender/stream_transport.hpp"
#include "defender/topics.hpp"
#include "transport/greengrass/eventstream.hpp"

namespace defender::cli {
namespace {

std::filesystem::path prepare_state_file(const std::string& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        // Still try to write it at every report: the directory may become writable later.
        spdlog::warn("cannot create state directory {}: {}", dir, error.message());
    }
    return std::filesystem::path(dir) / kStateFileName;
}

}  // namespace

Identity identity_of(const AgentArgs& args) {
    const std::string& given_id = args.connection.client_id;
    const std::string& given_thing = args.thing_name;
    if (given_id.empty() && given_thing.empty()) return {host_name(), host_name()};
    return {given_id.empty() ? given_thing : given_id,
            given_thing.empty() ? given_id : given_thing};
}

// The settings of `args` that the agent applies, also on SIGHUP. Errors are configuration
// errors (exit 2).
Result<AgentOptions> agent_options(AgentArgs& args) {
    const auto format = args.report.wire_format();
    AgentOptions options;
    options.encoding = {format, args.report.key_style(), args.dry_run && format == Format::json};
    options.build = args.report.build_options();
    std::vector<std::string> warnings;
    // The agent is a child subreaper (run_agent): the orphans of metric commands are its own.
    auto custom_metrics = args.report.custom_metric_set(true, &warnings);
    if (!custom_metrics) return custom_metrics.error();
    for (const auto& warning : warnings)
        spdlog::warn("{}", warning);
    options.custom_metrics = *custom_metrics;
    options.stop_after_reports = args.exit_after;
    options.reply_timeout = std::chrono::milliseconds(std::llround(args.reply_timeout * 1000));
    if (args.max_report_bytes) options.max_report_bytes = args.max_report_bytes;
    if (!args.dry_run) options.report_log_dir = args.log_reports;
    options.report_log_count = args.log_reports_count;

    if (args.interval < kMinimumInterval && !args.allow_short_interval) {
        spdlog::warn(
            "interval {} s is below Device Defender's minimum of {} s; using {} s "
            "(--allow-short-interval for local brokers)",
            args.interval, kMinimumInterval, kMinimumInterval);
        args.interval = kMinimumInterval;
    }
    options.interval = std::chrono::milliseconds(std::llround(args.interval * 1000));

    options.thing_name = identity_of(args).thing_name;
    if (auto valid = validate_thing_name(options.thing_name); !valid) return valid.error();
    if (args.mirror_topic) {
        if (auto mirror = mirror_topic(*args.mirror_topic, options.thing_name, format); !mirror)
            return Error{"--mirror-topic: " + mirror.error().message};
        options.mirror_topic = *args.mirror_topic;
    }
    return options;
}

namespace {

// SIGHUP: the command line parsed again, so the --config file is read again and options given
// on the command line still win over it.
Result<AgentArgs> reread_agent_args() {
    CLI::App app;
    app.fallthrough();
    GlobalArgs globals;
    add_global_options(app, globals, false);
    AgentArgs args;
    add_agent_options(*app.add_subcommand("agent"), args);
    if (auto path = config_argument(command_line())) {
        auto checked = check_config_file(*path);
        if (!checked) return checked.error();
        if (*checked) spdlog::warn("{}", **checked);
    }
    std::vector<std::string> arguments(command_line().rbegin(), command_line().rend());
    try {
        app.parse(arguments);
    } catch (const CLI::ParseError& e) {
        if (auto path = config_argument(command_line())) {
            const auto place =
                locate_config_error(*path, e.what(), command_line(), option_names(app));
            return Error{place.prefix + e.what() + place.suggestion};
        }
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
    const bool restart_needed =
        running.connection != args->connection || running.thing_name != args->thing_name ||
        running.state_dir != args->state_dir || running.dry_run != args->dry_run ||
        running.exit_after != args->exit_after || running.greengrass != args->greengrass ||
        running.log_reports != args->log_reports ||
        running.log_reports_count != args->log_reports_count;
    if (restart_needed) {
        spdlog::warn(
            "connection, thing name, state directory, dry-run, exit-after and log-reports "
            "changes apply at the next restart");
    }
    collector.replace(make_collector(args->report.collector_options()));
    agent.reconfigure(std::move(*options));
}

}  // namespace

void add_agent_options(CLI::App& command, AgentArgs& args) {
    add_connection_options(command, args.connection, "the thing name, else the host name");
    command
        .add_option("-t,--thing-name,--thing_name", args.thing_name,
                    "Thing name (default: the client id, else the host name)")
        ->check(non_empty("the thing name"));
    command.add_option("-i,--interval", args.interval, "Seconds between reports (at least 300)")
        ->check(finite_range(0.01, 86400.0))
        ->capture_default_str();
    command.add_flag("--allow-short-interval", args.allow_short_interval,
                     "Allow intervals below 300 s (local brokers and tests)");
    command
        .add_option("--reply-timeout", args.reply_timeout,
                    "Seconds to wait for the service's reply before a report counts as "
                    "delivered and unanswered")
        ->check(finite_range(0.01, 3600.0))
        ->capture_default_str();
    add_report_options(command, args.report, "-s,--short-names,--short_tags");
    command.add_flag("-d,--dry-run,--dryrun", args.dry_run,
                     "Collect and print reports; no network");
    command.add_option("--state-dir", args.state_dir,
                       "Where the last report id is kept (default: $STATE_DIRECTORY, else "
                       "/var/lib/defender for root, $XDG_STATE_HOME/defender for other users)");
    command
        .add_option("--exit-after", args.exit_after,
                    "Exit after this many reports are answered (0 = run until stopped)")
        ->capture_default_str();
    command.add_flag("--greengrass", args.greengrass,
                     "Publish through the AWS IoT Greengrass V2 nucleus (IPC); the default when "
                     "SVCUID and " +
                         std::string(kSocketVariable) + " are set and no --endpoint is given");
    command
        .add_option("--max-report-bytes", args.max_report_bytes,
                    "Largest report; lists are shortened to fit (default: 131072, or what fits "
                    "a 10000-byte Greengrass IPC message)")
        ->check(CLI::Range(std::size_t{256}, kMaxPayloadBytes));
    command.add_option("--log-reports", args.log_reports,
                       "Keep the last published reports, byte for byte, with their replies in "
                       "DIR (<id>.json or .cbor, <id>.reply.json)");
    command
        .add_option("--log-reports-count", args.log_reports_count,
                    "How many reports --log-reports keeps (each at most 128 KiB)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
        ->capture_default_str();
    command
        .add_option("--mirror-topic", args.mirror_topic,
                    "Also publish each report, byte for byte, on this topic (QoS 1), e.g. "
                    "dt/defender/{thingName}/metrics/{format}: for a detector or an IoT rule "
                    "where the reserved topic cannot be subscribed")
        ->type_name("TEMPLATE");
}

namespace {

int run_greengrass_agent(AgentArgs& args);

void log_mirror(const AgentOptions& options) {
    if (options.mirror_topic.empty()) return;
    spdlog::info(
        "mirroring each report on {} (--mirror-topic)",
        mirror_topic(options.mirror_topic, options.thing_name, options.encoding.format).value());
}

// With --exit-after (a test or a one-shot check), a report the service rejected is a failure.
int exit_code_of(const AgentCounts& counts, const AgentOptions& options) {
    if (options.stop_after_reports == 0 || counts.rejected == 0) return kExitOk;
    spdlog::error("{} of the reports were rejected (exit code {})", counts.rejected,
                  static_cast<int>(kExitInvalid));
    return kExitInvalid;
}

int run_agent(AgentArgs args) {
    // Commands of custom metrics may leave daemons behind: they become our children (also
    // when the agent is not PID 1 of a container), to be reaped and never left as zombies.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    systemd_notifier();  // takes NOTIFY_SOCKET and WATCHDOG_* out of the environment
    if (!args.dry_run &&
        (args.greengrass || (args.connection.endpoint.empty() && running_under_greengrass()))) {
        return run_greengrass_agent(args);
    }
    auto agent_settings = agent_options(args);
    if (!agent_settings) {
        spdlog::error("{}", agent_settings.error().message);
        return kExitUsage;
    }
    AgentOptions options = std::move(*agent_settings);
    const auto format = options.encoding.format;

    const CollectorOptions collector_options = args.report.collector_options();

    block_stop_signals();
    if (args.dry_run) {
        options.expect_replies = false;
        options.dry_run = true;
        const TransportConfig transport_config = StreamSettings{&std::cout, format == Format::json};
        auto transport = make_transport(transport_config);
        if (!transport) {
            spdlog::error("{}", transport.error().message);
            return kExitUsage;
        }
        ReloadableCollector collector(make_collector(collector_options));
        options.destination = transport_destination(transport_config);
        systemd_notifier().attach(options);
        Agent agent(options, collector, **transport, spdlog_sink());
        StopOnSignal on_signal([&] { agent.stop(); }, [&] { reload(args, agent, collector); });
        agent.run();
        return kExitOk;
    }

    auto settings = mqtt_settings(args.connection);
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    settings->client_id = identity_of(args).client_id;
    const MqttModule& module = **mqtt_module();  // loaded by mqtt_settings()
    if (auto warning = module.key_permission_warning(settings->key)) spdlog::warn("{}", *warning);
    options.state_file =
        prepare_state_file(args.state_dir.empty() ? default_state_dir() : args.state_dir);
    options.boot_id_file =
        std::filesystem::path(collector_options.procfs) / "sys/kernel/random/boot_id";

    const TransportConfig transport_config = *settings;
    auto transport = make_transport(transport_config);
    if (!transport) {
        spdlog::error("{}", transport.error().message);
        return kExitUsage;
    }
    ReloadableCollector collector(make_collector(collector_options));
    options.destination = transport_destination(transport_config);
    systemd_notifier().attach(options);
    Agent agent(options, collector, **transport, spdlog_sink());
    StopOnSignal on_signal([&] { agent.stop(); }, [&] { reload(args, agent, collector); });
    spdlog::info("publishing {} reports every {} s to {}:{} as client id {}, thing {} ({})",
                 args.report.format, args.interval, settings->endpoint, settings->port,
                 settings->client_id, options.thing_name, describe_transport(args.connection));
    log_mirror(options);
    return exit_code_of(agent.run(), options);
}

/// Publishes through the Greengrass nucleus's IPC socket, as a Greengrass V2 component.
int run_greengrass_agent(AgentArgs& args) {
    auto settings = greengrass_settings_from_environment();
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    if (!args.interval_given) {
        const auto choice = greengrass_interval(std::getenv(kIntervalVariable));
        if (choice.warning) spdlog::warn("{}", *choice.warning);
        args.interval = choice.seconds;
    }
    if (args.thing_name.empty()) {
        const char* thing = std::getenv(kThingVariable);
        args.thing_name = thing ? thing : "";
    }
    if (args.thing_name.empty()) {
        spdlog::error(
            "no thing name: {} is not set (the nucleus sets it to the core device's "
            "name) and no --thing-name was given",
            kThingVariable);
        return kExitUsage;
    }
    auto agent_settings = agent_options(args);  // also raises a short interval to 300 s
    if (!agent_settings) {
        spdlog::error("{}", agent_settings.error().message);
        return kExitUsage;
    }
    AgentOptions options = std::move(*agent_settings);
    auto topic = make_topic(options.thing_name, args.report.wire_format(), TopicKind::publish);
    if (!options.mirror_topic.empty()) {
        // The mirror publish carries the same bytes: the longer topic sets the budget.
        const auto mirror =
            mirror_topic(options.mirror_topic, options.thing_name, args.report.wire_format());
        if (mirror.value().size() > topic.value().size()) topic = mirror;
    }
    const std::size_t budget = greengrass_default_report_bytes(topic.value());
    if (!args.max_report_bytes) {
        options.max_report_bytes = budget;
    } else if (args.max_report_bytes > budget) {
        settings->max_message_bytes = eventstream::kMaxMessageBytes;
        spdlog::warn(
            "--max-report-bytes {} lets IPC messages grow over 10000 bytes: Greengrass nucleus "
            "lite closes such connections (the Java nucleus accepts up to 128 KiB)",
            args.max_report_bytes);
    }
    // The nucleus runs a component in its own work folder: keep the report id there.
    options.state_file = prepare_state_file(args.state_dir.empty() ? "." : args.state_dir);
    options.boot_id_file =
        std::filesystem::path(args.report.collector_options().procfs) / "sys/kernel/random/boot_id";

    block_stop_signals();
    const auto collector = make_collector(args.report.collector_options());
    const TransportConfig transport_config = *settings;
    auto transport = make_transport(transport_config);
    if (!transport) {
        spdlog::error("{}", transport.error().message);
        return kExitUsage;
    }
    options.destination = transport_destination(transport_config);
    systemd_notifier().attach(options);
    Agent agent(options, *collector, **transport, spdlog_sink());
    StopOnSignal on_signal(
        [&] { agent.stop(); }, {},
        [] {
            spdlog::info(
                "SIGHUP ignored: in Greengrass mode the settings come from the component's "
                "configuration; deploy a new configuration to change them");
        });
    spdlog::info(
        "publishing {} reports for thing {} through the Greengrass nucleus every {} s (up to {} "
        "bytes each)",
        args.report.format, options.thing_name, args.interval, options.max_report_bytes);
    log_mirror(options);
    return exit_code_of(agent.run(), options);
}

}  // namespace

void add_agent_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<AgentArgs>();
    CLI::App* command = app.add_subcommand(
        "agent",
        "Publish Device Defender reports to AWS IoT over MQTT (mutual TLS) or through "
        "Greengrass IPC");
    add_agent_options(*command, *args);
    command->footer(
        "Example:\n  defender agent -e abc123-ats.iot.eu-west-1.amazonaws.com -r AmazonRootCA1.pem "
        "\\\n"
        "      -c device.pem.crt -k private.pem.key -t my-gateway --custom-metrics\n\n"
        "Also: --config FILE (options from an INI/TOML file), --verbosity LEVEL.");
    command->callback([args, command, &exit_code] {
        args->interval_given = command->get_option("--interval")->count() > 0;
        exit_code = run_agent(*args);
    });
}

}  // namespace defender::cli
