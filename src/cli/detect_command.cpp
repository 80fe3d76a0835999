// SPDX-License-Identifier: Apache-2.0
// `defender detect`: Device Defender Detect, self-hosted (docs/detect.md). The detector runs on
// the client loop the agent and `emulate` share; its queries read the store.

#include <spdlog/spdlog.h>

#include <memory>

#include "agent/client_loop.hpp"
#include "agent/loop_clock.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/console_module.hpp"
#include "cli/detect_queries.hpp"
#include "cli/detector.hpp"
#include "cli/make_transport.hpp"
#include "cli/option_checks.hpp"
#include "cli/signals.hpp"
#include "cli/systemd_notify.hpp"
#include "console/http_address.hpp"

namespace defender::cli {
namespace {

struct DetectArgs {
    ConnectionArgs connection;
    DetectorArgs detector;
    HttpArgs http;
};

// The detector alone on the client loop.
class DetectHandler final : public ClientHandler {
public:
    DetectHandler(ClientLoop& client, Detector& detector, LoopClock& clock)
        : client_(client), detector_(detector), clock_(clock) {}

    Time work(Time now) override { return detector_.work(client_, now); }
    void connected(Time) override {
        spdlog::info("detecting: subscribed to the report topics");
        systemd_notifier().notify("READY=1\nSTATUS=connected, detecting");
        detector_.connected(client_);
    }
    void connect_failed(const std::string& error, std::chrono::milliseconds, Time) override {
        spdlog::warn("cannot connect: {}", error);
        systemd_notifier().notify("READY=1\nSTATUS=not connected: " + error);
    }
    void subscribe_failed(const std::string& error, std::chrono::milliseconds, Time) override {
        spdlog::warn("cannot subscribe: {}", error);
    }
    void connection_lost(const std::string& reason, std::chrono::milliseconds, Time) override {
        spdlog::warn("connection lost: {}", reason);
        systemd_notifier().notify("STATUS=not connected: " + reason);
    }
    void message(const IncomingMessage& message, Time now) override {
        detector_.message(client_, message, now);
    }
    void messages_dropped(std::size_t count) override {
        spdlog::warn("{} reports dropped: they arrived faster than the store could record them",
                     count);
    }
    void woken() override { detector_.woken(client_, clock_.now()); }

private:
    ClientLoop& client_;
    Detector& detector_;
    LoopClock& clock_;
};

int run_detect(const DetectArgs& args) {
    // The profiles first: a wrong profile is the likelier mistake, and says more.
    int exit_code = kExitOk;
    auto detector = Detector::open(args.detector, exit_code);
    if (!detector) return exit_code;
    ConnectionArgs connection = args.connection;
    if (connection.client_id.empty()) connection.client_id = "defender-detect-" + host_name();
    auto settings = mqtt_settings(connection);
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    // A persistent session keeps the subscriptions, and the reports sent meanwhile, across
    // reconnects, restarts and broker restarts.
    settings->clean_session = false;
    spdlog::info("detect: {} profile file(s), store {}, endpoint {}:{}, client id {}, {}",
                 args.detector.profiles.size(), detector->store_path(), connection.endpoint,
                 settings->port, connection.client_id, describe_transport(connection));

    // Before any thread starts: threads inherit the mask, so the stop signals reach only
    // the thread that waits for them.
    block_stop_signals();
    // The console: its module is loaded only with --http (a detector without it maps none of
    // its code).
    std::unique_ptr<console::Console> web_console;
    if (!args.http.listen.empty()) {
        web_console = start_console(
            args.http, detector->store_path(), [&detector] { return detector->counters(); },
            exit_code);
        if (!web_console) return exit_code;
    }

    auto transport = make_transport(*settings);
    if (!transport) {
        spdlog::error("{}", transport.error().message);
        return kExitUsage;
    }
    SystemLoopClock clock;
    ClientLoop client(**transport, clock, detector_client_options());
    (void)client.set_subscriptions(detector->subscriptions());  // not connected yet
    DetectHandler handler(client, *detector, clock);
    StopOnSignal on_signal([&] { client.stop(); }, [&] { detector->request_reload(client); });
    client.run(handler);
    web_console.reset();
    detector->shutdown();
    detector->log_totals();
    return kExitOk;
}

}  // namespace

std::unique_ptr<console::Console> start_console(const HttpArgs& args, const std::string& store_path,
                                                std::function<detect::DetectCounters()> counters,
                                                int& exit_code) {
    exit_code = kExitUsage;
    if (args.cert.empty() != args.key.empty()) {
        spdlog::error("--http-cert and --http-key go together: give both for HTTPS, or neither");
        return nullptr;
    }
    if (auto address = console::parse_http_address(args.listen); !address) {
        spdlog::error("{}", address.error().message);
        return nullptr;
    }
    auto module = console_module();
    if (!module) {
        spdlog::error("{}", module.error().message);
        exit_code = kExitCannotRun;
        return nullptr;
    }
    console::ConsoleSettings settings;
    settings.listen = args.listen;
    settings.auth_file = args.auth_file;
    settings.cert_file = args.cert;
    settings.key_file = args.key;
    settings.store_path = store_path;
    settings.counters = std::move(counters);
    console::ConsoleStartError error;
    auto started = (*module)->start(settings, error);
    if (!started) {
        spdlog::error("web console: {}", error.message);
        exit_code = error.usage ? kExitUsage : kExitCannotRun;
        return nullptr;
    }
    for (const auto& warning : started->warnings())
        spdlog::warn("web console: {}", warning);
    spdlog::info("web console at {}{}", started->url(),
                 args.auth_file.empty() ? "" : " (login: " + args.auth_file + ")");
    exit_code = kExitOk;
    return started;
}

void add_http_options(CLI::App& command, HttpArgs& args) {
    command
        .add_option("--http", args.listen,
                    "Serve the web console and Prometheus /metrics here: PORT (on 127.0.0.1), "
                    "ADDR:PORT or [IPV6]:PORT (default: off; docs/console.md)")
        ->type_name("ADDR:PORT");
    command
        .add_option("--http-auth-file", args.auth_file,
                    "Ask for a login: lines user:hash, the hash as `openssl passwd -6` makes it")
        ->type_name("FILE");
    command
        .add_option("--http-cert", args.cert,
                    "Serve HTTPS with this certificate chain (PEM), with --http-key")
        ->type_name("FILE");
    command.add_option("--http-key", args.key, "The private key (PEM) of --http-cert")
        ->type_name("FILE");
}

ClientLoopOptions detector_client_options() {
    ClientLoopOptions options;
    options.backoff_initial = std::chrono::seconds(1);
    options.backoff_max = std::chrono::seconds(30);
    options.stable_link = std::chrono::milliseconds(0);
    // A fleet's reports wait here while the store writes; beyond this the oldest are dropped
    // (and counted) rather than the memory growing without bound.
    options.queued_messages = 100000;
    options.queued_message_bytes = 256 * 1024 * 1024;
    return options;
}

void add_detector_options(CLI::App& command, DetectorArgs& args, const std::string& prefix) {
    command
        .add_option("--" + prefix + "profile", args.profiles,
                    "A security profile (JSON, as `aws iot describe-security-profile` prints it), "
                    "or a directory of them (*.json); repeatable")
        ->type_name("FILE");
    command
        .add_option("--" + prefix + "store", args.store,
                    "The SQLite database of states and violations (default: detect.db in the "
                    "state directory; /var/lib/defender-detect for root)")
        ->type_name("FILE");
    command
        .add_option("--violations-topic", args.violations_topic,
                    "Where each violation event is published ({thingName}, "
                    "{securityProfileName})")
        ->type_name("TOPIC")
        ->capture_default_str();
    command
        .add_option("--time-scale", args.time_scale,
                    "Testing aid: multiply durations, window alignment and the 2-day "
                    "invalidation by this (0.01: 300 s windows last 3 s)")
        ->check(finite_range(1e-6, 1e6))
        ->capture_default_str();
}

void add_detect_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<DetectArgs>();
    CLI::App* command = app.add_subcommand(
        "detect",
        "Evaluate security profiles over the fleet's reports, as Device Defender Detect did");
    add_connection_options(*command, args->connection, "defender-detect-<host name>");
    add_detector_options(*command, args->detector, "");
    command
        ->add_option("--reports-topic", args->detector.reports_topics,
                     "Also read reports from this topic template, e.g. "
                     "dt/defender/{thingName}/metrics/{format}; repeatable")
        ->type_name("TOPIC");
    command
        ->add_option("--datapoint-days", args->detector.datapoint_days,
                     "Keep each report's datapoints this many days")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    command
        ->add_option("--event-days", args->detector.event_days,
                     "Keep violation events this many days")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    command->footer(
        "Example:\n  defender detect -e localhost -p 8883 -r ca.pem -c detect.pem -k detect.key "
        "--profile profile.json\n  defender detect list-active-violations");
    add_http_options(*command, args->http);
    add_detect_queries(*command, exit_code);
    command->callback([args, command, &exit_code] {
        if (!command->get_subcommands().empty()) return;
        if (args->detector.profiles.empty()) {
            spdlog::error("defender detect needs at least one --profile FILE");
            exit_code = kExitUsage;
            return;
        }
        exit_code = run_detect(*args);
    });
}

}  // namespace defender::cli
