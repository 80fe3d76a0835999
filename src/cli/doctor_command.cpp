// SPDX-License-Identifier: Apache-2.0
// `defender doctor`: the connection path step by step, with the agent's options and
// configuration file: configuration, resolve, TCP (direct or through the proxy), TLS (the
// server's chain, version, ALPN), the WebSocket upgrade, MQTT CONNECT, SUBSCRIBE to the reply
// topics, PUBLISH of one real report, and Device Defender's reply. Exit 0 only when the report
// was accepted.

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/agent_options.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/greengrass_options.hpp"
#include "cli/make_transport.hpp"
#include "cli/mqtt_module.hpp"
#include "defender/topics.hpp"
#include "doctor/checklist.hpp"

namespace defender::cli {
namespace {

using doctor::Step;
using doctor::StepState;
using Clock = std::chrono::steady_clock;

struct DoctorArgs {
    AgentArgs agent;
    bool json = false;
};

Step ok(std::string name, std::string detail) {
    return Step{std::move(name), StepState::ok, std::move(detail), {}, ""};
}

Step failed(std::string name, std::string failure, std::string detail) {
    return Step{std::move(name), StepState::failed, std::move(detail), {}, std::move(failure)};
}

std::string seconds_text(double seconds) {
    std::ostringstream text;
    text.precision(seconds < 10 ? 2 : 3);
    text << seconds << " s";
    return text.str();
}

/// Prints the checklist and gives the exit code for it.
int finish(const std::vector<Step>& done, const std::vector<std::string>& names,
           const doctor::Context& context, bool json) {
    const auto steps = doctor::complete(done, names);
    if (json) {
        std::cout << doctor::render_json(steps, context) << "\n";
    } else {
        std::cout << doctor::render_text(steps, context) << std::flush;
    }
    const Step* failure = doctor::first_failure(steps);
    if (failure == nullptr) {
        return steps.back().state == StepState::ok ? kExitOk : kExitNotConnected;
    }
    if (failure->failure == "config") return kExitUsage;
    if (failure->failure == "reply_rejected") return kExitInvalid;
    if (failure->name == "PUBLISH" || failure->name == "reply") return kExitNotAnswered;
    return kExitNotConnected;
}

std::vector<std::string> reply_filters(const std::string& thing, Format format) {
    return {make_topic(thing, format, TopicKind::accepted).value(),
            make_topic(thing, format, TopicKind::rejected).value()};
}

// Steps PUBLISH and reply: the agent's own loop, for one report (collected, encoded and
// matched as the service's would be), on a connection of its own.
void publish_one_report(AgentOptions options, const AgentArgs& args, Transport& transport,
                        std::chrono::seconds connect_timeout, std::vector<Step>& steps) {
    options.stop_after_reports = 1;
    options.report_log_dir.clear();  // the service's --log-reports folder stays the service's
    options.backoff_initial = std::chrono::milliseconds(500);
    std::mutex mutex;
    std::condition_variable changed;
    AgentStatus last;
    std::string last_error;
    bool done = false;
    std::optional<Clock::time_point> answered_at;
    options.on_status = [&](const AgentStatus& status) {
        std::lock_guard lock(mutex);
        last = status;
        // Cleared when the agent stops: kept for the PUBLISH line.
        if (!status.last_error.empty()) last_error = status.last_error;
        if (!answered_at && status.last_outcome != ReportOutcome::none) answered_at = Clock::now();
    };
    const auto collector = make_collector(args.report.collector_options());
    Agent agent(options, *collector, transport,
                [](LogLevel, const std::string& line) { spdlog::debug("agent: {}", line); });
    // The agent retries for ever: the check gives it one connection, the PUBACK and the reply.
    const auto limit = connect_timeout * 2 + options.publish_timeout + options.reply_timeout +
                       std::chrono::seconds(5);
    const auto started = Clock::now();
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!changed.wait_until(lock, started + limit, [&] { return done; })) agent.stop();
    });
    const AgentCounts counts = agent.run();
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    changed.notify_all();
    watchdog.join();

    const std::string id = std::to_string(last.last_report_id);
    const double took =
        std::chrono::duration<double>((answered_at ? *answered_at : Clock::now()) - started)
            .count();
    switch (last.last_outcome) {
        case ReportOutcome::accepted:
            steps.push_back(ok("PUBLISH", "report " + id + " acknowledged (PUBACK, QoS 1)"));
            steps.push_back(ok("reply", "accepted: report " + id + ", " + seconds_text(took) +
                                            " after the start of this step"));
            return;
        case ReportOutcome::rejected:
            steps.push_back(ok("PUBLISH", "report " + id + " acknowledged (PUBACK, QoS 1)"));
            steps.push_back(failed("reply", "reply_rejected",
                                   "rejected: report " + id + ": " + last.last_report_detail));
            return;
        case ReportOutcome::unanswered:
            steps.push_back(ok("PUBLISH", "report " + id + " acknowledged (PUBACK, QoS 1)"));
            steps.push_back(failed("reply", "reply_timeout",
                                   "no reply within " + seconds_text(args.reply_timeout) +
                                       " on the accepted and rejected topics"));
            return;
        case ReportOutcome::failed:
            steps.push_back(failed("PUBLISH", "publish", last.last_report_detail));
            return;
        case ReportOutcome::none:
            break;
    }
    std::string why = counts.published > 0 ? "acknowledged, but the check ended first"
                                           : "no report was published";
    if (!last_error.empty()) why += ": " + last_error;
    steps.push_back(failed("PUBLISH", "publish", why));
}

doctor::Context context_of(const AgentArgs& args, const Identity& identity) {
    doctor::Context context;
    context.endpoint = args.connection.endpoint;
    context.port = args.connection.port != 0       ? args.connection.port
                   : args.connection.use_websocket ? 443
                                                   : 8883;
    context.client_id = identity.client_id;
    context.thing_name = identity.thing_name;
    context.root_ca = args.connection.root_ca;
    context.signing_region = args.connection.signing_region;
    context.reply_timeout = args.reply_timeout;
    return context;
}

// The packaged defender-agent.service passes the credentials on its command line
// (LoadCredential= from /etc/defender/certs/), so agent.conf does not name them: those files,
// for the ones neither the options nor the file give. The paths taken.
std::vector<std::string> service_credentials(ConnectionArgs& connection) {
    const std::pair<std::string*, const char*> defaults[] = {
        {&connection.root_ca, "/etc/defender/certs/AmazonRootCA1.pem"},
        {&connection.cert, "/etc/defender/certs/device.pem.crt"},
        {&connection.key, "/etc/defender/certs/private.pem.key"},
    };
    std::vector<std::string> taken;
    for (const auto& [value, path] : defaults) {
        if (connection.use_websocket && value != &connection.root_ca) continue;
        std::error_code error;
        if (value->empty() && std::filesystem::is_regular_file(path, error)) {
            *value = path;
            taken.push_back(path);
        }
    }
    return taken;
}

int run_greengrass_doctor(AgentArgs& args, bool json) {
    const std::vector<std::string> names{"configuration", "IPC socket", "IPC connect",
                                         "SUBSCRIBE",     "PUBLISH",    "reply"};
    if (args.thing_name.empty()) {
        const char* thing = std::getenv(kThingVariable);
        args.thing_name = thing ? thing : "";
    }
    doctor::Context context = context_of(args, identity_of(args));
    context.endpoint = "the Greengrass nucleus";
    std::vector<Step> steps;
    if (args.thing_name.empty()) {
        steps.push_back(failed("configuration", "config",
                               std::string("no thing name: ") + kThingVariable +
                                   " is not set and no --thing-name was given"));
        return finish(steps, names, context, json);
    }
    if (args.interval < kMinimumInterval) args.interval = kMinimumInterval;
    auto options = agent_options(args);
    if (!options) {
        steps.push_back(failed("configuration", "config", options.error().message));
        return finish(steps, names, context, json);
    }
    const Format format = args.report.wire_format();
    if (!args.max_report_bytes) {
        options->max_report_bytes = greengrass_default_report_bytes(
            make_topic(options->thing_name, format, TopicKind::publish).value());
    }
    steps.push_back(ok("configuration", "Greengrass IPC, thing " + options->thing_name + ", " +
                                            args.report.format + " reports"));

    auto settings = greengrass_settings_from_environment();
    if (!settings) {
        steps.push_back(failed("IPC socket", "socket", settings.error().message));
        return finish(steps, names, context, json);
    }
    struct stat info {};
    if (::stat(settings->socket_path.c_str(), &info) != 0 || !S_ISSOCK(info.st_mode)) {
        steps.push_back(failed("IPC socket", "socket",
                               settings->socket_path + " is not a Unix socket (or is missing)"));
        return finish(steps, names, context, json);
    }
    steps.push_back(ok("IPC socket", settings->socket_path));

    auto transport = make_transport(*settings);
    if (!transport) {
        steps.push_back(failed("IPC connect", "ipc", transport.error().message));
        return finish(steps, names, context, json);
    }
    if (Status connected = (*transport)->connect(); !connected) {
        steps.push_back(failed("IPC connect", "ipc", connected.error().message));
        return finish(steps, names, context, json);
    }
    steps.push_back(ok("IPC connect", "the nucleus accepted the component's token (SVCUID)"));
    const auto filters = reply_filters(options->thing_name, format);
    if (Status subscribed = (*transport)->subscribe(filters); !subscribed) {
        steps.push_back(failed("SUBSCRIBE", "ipc", subscribed.error().message));
        return finish(steps, names, context, json);
    }
    steps.push_back(ok("SUBSCRIBE", filters[0] + ", " + filters[1] + " (SubscribeToIoTCore)"));
    (*transport)->disconnect(std::chrono::seconds(1));
    publish_one_report(std::move(*options), args, **transport,
                       std::chrono::duration_cast<std::chrono::seconds>(settings->connect_timeout),
                       steps);
    return finish(steps, names, context, json);
}

int run_doctor(DoctorArgs& doctor) {
    AgentArgs& args = doctor.agent;
    if (args.greengrass || (args.connection.endpoint.empty() && running_under_greengrass())) {
        return run_greengrass_doctor(args, doctor.json);
    }
    std::vector<std::string> names{"configuration", "resolve",   "TCP connect", "TLS handshake",
                                   "MQTT CONNECT",  "SUBSCRIBE", "PUBLISH",     "reply"};
    if (args.connection.use_websocket) names.insert(names.begin() + 4, "WebSocket upgrade");
    const Identity identity = identity_of(args);
    const doctor::Context context = context_of(args, identity);
    std::vector<Step> steps;

    if (args.interval < kMinimumInterval) args.interval = kMinimumInterval;  // not used here
    auto options = agent_options(args);
    if (!options) {
        steps.push_back(failed("configuration", "config", options.error().message));
        return finish(steps, names, context, doctor.json);
    }
    const auto from_unit = service_credentials(args.connection);
    auto settings = mqtt_settings(args.connection);
    if (!settings) {
        steps.push_back(failed("configuration", "config", settings.error().message));
        return finish(steps, names, context, doctor.json);
    }
    settings->client_id = identity.client_id;
    const MqttModule& module = **mqtt_module();  // loaded by mqtt_settings()
    std::string detail = describe_transport(args.connection) + " to " + settings->endpoint + ":" +
                         std::to_string(settings->port) + ", client id \"" + settings->client_id +
                         "\", thing " + options->thing_name;
    if (auto proxy = module.proxy_description(*settings); proxy && !proxy->empty())
        detail += ", HTTP proxy " + *proxy;
    steps.push_back(ok("configuration", detail));
    for (const auto& path : from_unit) {
        steps.back().notes.push_back(path + " (the service unit's LoadCredential= source)");
    }
    if (auto warning = module.key_permission_warning(settings->key)) {
        steps.back().notes.push_back("warning: " + *warning);
    }

    const auto filters = reply_filters(options->thing_name, args.report.wire_format());
    for (auto& probed : module.probe_connection(*settings, filters)) {
        steps.push_back(Step{probed.name, probed.ok ? StepState::ok : StepState::failed,
                             probed.detail, probed.notes, probed.failure});
    }
    if (doctor::first_failure(steps) != nullptr || steps.size() + 2 != names.size()) {
        return finish(steps, names, context, doctor.json);
    }
    auto transport = make_transport(*settings);
    if (!transport) {
        steps.push_back(failed("PUBLISH", "publish", transport.error().message));
        return finish(steps, names, context, doctor.json);
    }
    options->destination = transport_destination(*settings);
    publish_one_report(std::move(*options), args, **transport, settings->connect_timeout, steps);
    return finish(steps, names, context, doctor.json);
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<DoctorArgs>();
    args->agent.reply_timeout = 30;
    CLI::App* command = app.add_subcommand(
        "doctor",
        "Check the connection step by step (resolve, TCP, TLS, MQTT CONNECT, SUBSCRIBE, one "
        "report and its reply) with the agent's options, and say what a failure means");
    add_agent_options(*command, args->agent);
    command->add_flag("--json", args->json, "Print the steps as one JSON object");
    command->footer(
        "Takes the agent's options and configuration file:\n"
        "  defender doctor --config /etc/defender/agent.conf\n"
        "Publishes one real report (its report id from the clock; the state directory is not "
        "written).\n"
        "Exit codes: 0 the report was accepted, 1 it was rejected, 2 bad options or "
        "configuration, 4 a connection step failed (resolve to SUBSCRIBE), 5 the report was not "
        "acknowledged or not answered.");
    command->callback([args, &exit_code] { exit_code = run_doctor(*args); });
}

}  // namespace defender::cli
