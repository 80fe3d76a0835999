// SPDX-License-Identifier: Apache-2.0
// `defender detect`: Device Defender Detect, self-hosted (docs/detect.md). The detector runs on
// the client loop the agent and `emulate` share; its queries read the store.

#include <spdlog/spdlog.h>

#include <memory>

#include "agent/client_loop.hpp"
#include "agent/loop_clock.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/detect_queries.hpp"
#include "cli/detector.hpp"
#include "cli/mqtt_module.hpp"
#include "cli/option_checks.hpp"
#include "cli/signals.hpp"
#include "cli/systemd_notify.hpp"

namespace defender::cli {
namespace {

struct DetectArgs {
    ConnectionArgs connection;
    DetectorArgs detector;
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

    block_stop_signals();
    const auto transport = (*mqtt_module())->create_transport(*settings);
    SystemLoopClock clock;
    ClientLoop client(*transport, clock, detector_client_options());
    (void)client.set_subscriptions(detector->subscriptions());  // not connected yet
    DetectHandler handler(client, *detector, clock);
    StopOnSignal on_signal([&] { client.stop(); }, [&] { detector->request_reload(client); });
    client.run(handler);
    detector->shutdown();
    detector->log_totals();
    return kExitOk;
}

}  // namespace

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
