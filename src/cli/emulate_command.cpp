// `defender emulate`: a local stand-in for the Device Defender service on any MQTT broker.

#include <spdlog/spdlog.h>

#include <iostream>
#include <random>

#include "agent/backoff.hpp"
#include "agent/event_queue.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/mqtt_module.hpp"
#include "cli/signals.hpp"
#include "defender/service_emulator.hpp"

namespace defender::cli {
namespace {

struct EmulateArgs {
    ConnectionArgs connection;
    unsigned min_interval = 300;
    std::string store_dir;
};

struct Stop {};
using EmulatorEvent = std::variant<TransportEvent, Stop>;

class EmulatorLoop {
public:
    EmulatorLoop(Transport& transport, ServiceEmulator& emulator)
        : transport_(transport),
          emulator_(emulator),
          backoff_(std::chrono::seconds(1), std::chrono::seconds(30), std::random_device{}()) {
        transport_.set_event_sink([this](TransportEvent event) { events_.push(std::move(event)); });
    }

    void run() {
        auto next_connect = std::chrono::steady_clock::now();
        while (true) {
            if (!transport_.is_connected() && std::chrono::steady_clock::now() >= next_connect) {
                if (connect()) {
                    backoff_.reset();
                } else {
                    next_connect = std::chrono::steady_clock::now() + backoff_.next();
                }
            }
            const auto deadline = transport_.is_connected()
                                      ? std::chrono::steady_clock::now() + std::chrono::hours(1)
                                      : next_connect;
            auto event = events_.pop_until(deadline);
            if (!event) continue;
            if (std::holds_alternative<Stop>(*event)) break;
            auto& transport_event = std::get<TransportEvent>(*event);
            if (auto* lost = std::get_if<ConnectionLost>(&transport_event)) {
                spdlog::warn("connection lost: {}", lost->reason);
                next_connect = std::chrono::steady_clock::now() + backoff_.next();
                continue;
            }
            answer(std::get<IncomingMessage>(transport_event));
        }
        transport_.disconnect(std::chrono::seconds(2));
    }

    void stop() { events_.push(Stop{}); }

private:
    bool connect() {
        if (auto connected = transport_.connect(); !connected) {
            spdlog::warn("cannot connect: {}", connected.error().message);
            return false;
        }
        if (auto subscribed = transport_.subscribe(ServiceEmulator::subscriptions()); !subscribed) {
            spdlog::warn("cannot subscribe: {}", subscribed.error().message);
            transport_.disconnect(std::chrono::seconds(1));
            return false;
        }
        spdlog::info("emulating Device Defender: waiting for reports");
        return true;
    }

    void answer(const IncomingMessage& message) {
        auto answer = emulator_.handle(message, std::chrono::steady_clock::now());
        if (!answer) return;
        std::cout << answer->summary << std::endl;
        if (!answer->store_problem.empty()) spdlog::warn("{}", answer->store_problem);
        if (answer->reply_topic.empty()) return;
        if (auto published = transport_.publish(answer->reply_topic, answer->reply_payload,
                                                std::chrono::seconds(5));
            !published) {
            spdlog::warn("cannot publish the reply on {}: {}", answer->reply_topic,
                         published.error().message);
        }
    }

    Transport& transport_;
    ServiceEmulator& emulator_;
    Backoff backoff_;
    EventQueue<EmulatorEvent> events_;
};

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
    block_stop_signals();
    ServiceEmulator emulator({std::chrono::seconds(args.min_interval), args.store_dir});
    const auto transport = (*mqtt_module())->create_transport(*settings);
    EmulatorLoop loop(*transport, emulator);
    StopOnSignal on_signal(
        [&] { loop.stop(); }, {},
        [] { spdlog::info("SIGHUP ignored: defender emulate has nothing to reload"); });
    loop.run();
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
    command->footer(
        "Example:\n  defender emulate -e localhost -p 8883 -r ca.pem -c emulator.pem -k "
        "emulator.key");
    command->callback([args, &exit_code] { exit_code = run_emulate(*args); });
}

}  // namespace defender::cli
