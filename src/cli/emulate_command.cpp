// SPDX-License-Identifier: Apache-2.0
// `defender emulate`: a local stand-in for the Device Defender service on any MQTT broker.

#include <spdlog/spdlog.h>

#include <iostream>

#include "agent/client_loop.hpp"
#include "agent/loop_clock.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/detector.hpp"
#include "cli/make_transport.hpp"
#include "cli/signals.hpp"
#include "defender/service_emulator.hpp"

namespace defender::cli {
namespace {

struct EmulateArgs {
    ConnectionArgs connection;
    unsigned min_interval = 300;
    std::string store_dir;
    DetectorArgs detector;  ///< with --detect-profile: a detector over the accepted reports
    HttpArgs http;          ///< with --detect-profile: the detector's web console
};

// The emulator's side of the client loop (agent/client_loop.hpp): answers every report; the
// loop connects, retries with backoff and resubscribes.
class EmulatorHandler final : public ClientHandler {
public:
    EmulatorHandler(ClientLoop& client, ServiceEmulator& emulator, Detector* detector,
                    LoopClock& clock)
        : client_(client), emulator_(emulator), detector_(detector), clock_(clock) {}

    Time work(Time now) override {
        return detector_ != nullptr ? detector_->work(client_, now) : now + std::chrono::hours(1);
    }
    void connected(Time) override {
        spdlog::info("emulating Device Defender: waiting for reports");
        if (detector_ != nullptr) detector_->connected(client_);
    }
    void woken() override {
        if (detector_ != nullptr) detector_->woken(client_, clock_.now());
    }
    void connect_failed(const std::string& error, std::chrono::milliseconds, Time) override {
        spdlog::warn("cannot connect: {}", error);
    }
    void subscribe_failed(const std::string& error, std::chrono::milliseconds, Time) override {
        spdlog::warn("cannot subscribe: {}", error);
    }
    void connection_lost(const std::string& reason, std::chrono::milliseconds, Time) override {
        spdlog::warn("connection lost: {}", reason);
    }
    void message(const IncomingMessage& message, Time now) override {
        auto answer = emulator_.handle(message, now);
        if (!answer) return;
        std::cout << answer->summary << std::endl;
        if (!answer->store_problem.empty()) spdlog::warn("{}", answer->store_problem);
        if (!answer->reply_topic.empty()) {
            if (auto published = client_.transport().publish(
                    answer->reply_topic, answer->reply_payload, std::chrono::seconds(5));
                !published) {
                spdlog::warn("cannot publish the reply on {}: {}", answer->reply_topic,
                             published.error().message);
            }
        }
        // Detect sees what the service accepted, as at AWS.
        if (answer->accepted && detector_ != nullptr) detector_->message(client_, message, now);
    }

private:
    ClientLoop& client_;
    ServiceEmulator& emulator_;
    Detector* detector_;
    LoopClock& clock_;
};

// Waits of 1 s doubling up to 30 s, short again after any connection; every message is kept
// (a report may be up to 128 KiB and more, which the emulator refuses itself).
ClientLoopOptions emulator_client_options() {
    ClientLoopOptions options;
    options.backoff_initial = std::chrono::seconds(1);
    options.backoff_max = std::chrono::seconds(30);
    options.stable_link = std::chrono::milliseconds(0);
    return options;
}

int run_emulate(const EmulateArgs& args) {
    ConnectionArgs connection = args.connection;
    if (connection.client_id.empty()) connection.client_id = "defender-emulator-" + host_name();
    auto settings = mqtt_settings(connection);
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    // A persistent session keeps the subscriptions (and reports queued for us) across
    // reconnects and broker restarts.
    settings->clean_session = false;
    if (!args.store_dir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(args.store_dir, error);
        if (error) {
            spdlog::error("cannot create store directory {}: {}", args.store_dir, error.message());
            return kExitUsage;
        }
    }
    if (!args.http.listen.empty() && args.detector.profiles.empty()) {
        spdlog::error("--http serves the detector's console: give --detect-profile too");
        return kExitUsage;
    }
    std::unique_ptr<Detector> detector;
    if (!args.detector.profiles.empty()) {
        int exit_code = kExitOk;
        detector = Detector::open(args.detector, exit_code);
        if (!detector) return exit_code;
        spdlog::info("detecting with {} profile file(s), store {}", args.detector.profiles.size(),
                     detector->store_path());
    }
    block_stop_signals();  // before the console's threads: they inherit the mask
    std::unique_ptr<console::Console> web_console;
    if (detector && !args.http.listen.empty()) {
        int exit_code = kExitOk;
        web_console = start_console(
            args.http, detector->store_path(), [&detector] { return detector->counters(); },
            exit_code);
        if (!web_console) return exit_code;
    }
    ServiceEmulator emulator({std::chrono::seconds(args.min_interval), args.store_dir});
    auto transport = make_transport(*settings);
    if (!transport) {
        spdlog::error("{}", transport.error().message);
        return kExitUsage;
    }
    SystemLoopClock clock;
    ClientLoop client(**transport, clock,
                      detector ? detector_client_options() : emulator_client_options());
    (void)client.set_subscriptions(ServiceEmulator::subscriptions());  // not connected yet
    EmulatorHandler handler(client, emulator, detector.get(), clock);
    std::function<void()> reload;
    if (detector) reload = [&] { detector->request_reload(client); };
    StopOnSignal on_signal(
        [&] { client.stop(); }, reload,
        [] { spdlog::info("SIGHUP ignored: defender emulate has nothing to reload"); });
    client.run(handler);
    web_console.reset();
    if (detector) {
        detector->shutdown();
        detector->log_totals();
    }
    return kExitOk;
}

}  // namespace

void add_emulate_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<EmulateArgs>();
    CLI::App* command = app.add_subcommand(
        "emulate", "Answer reports as Device Defender would (a local stand-in on any MQTT broker)");
    add_connection_options(*command, args->connection, "defender-emulator-<host name>");
    command
        ->add_option("--min-interval", args->min_interval,
                     "Reject with Throttled a thing's report sooner than this many seconds")
        ->capture_default_str();
    command->add_option("--store", args->store_dir, "Write every received report into DIR");
    add_detector_options(*command, args->detector, "detect-");
    add_http_options(*command, args->http);
    command->footer(
        "Example:\n  defender emulate -e localhost -p 8883 -r ca.pem -c emulator.pem -k "
        "emulator.key");
    command->callback([args, &exit_code] { exit_code = run_emulate(*args); });
}

}  // namespace defender::cli
