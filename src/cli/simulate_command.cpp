// SPDX-License-Identifier: Apache-2.0
// `defender simulate`: a load generator. N simulated things (report/simulated_fleet.hpp)
// publish valid reports on their Device Defender topics over K connections, each report slot
// spread evenly over the interval, on the shared client loop (agent/client_loop.hpp).

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/client_loop.hpp"
#include "agent/loop_clock.hpp"
#include "agent/repeat_limiter.hpp"
#include "cli/commands.hpp"
#include "cli/connection_options.hpp"
#include "cli/mqtt_module.hpp"
#include "cli/option_checks.hpp"
#include "cli/signals.hpp"
#include "defender/encode.hpp"
#include "defender/topics.hpp"
#include "report/simulated_fleet.hpp"

namespace defender::cli {
namespace {

using Clock = std::chrono::steady_clock;
using Nanoseconds = std::chrono::nanoseconds;

struct SimulateArgs {
    ConnectionArgs connection;
    std::size_t things = 100;
    double interval = 300;
    double misbehaving = 0;
    std::uint64_t seed = 1;
    std::string format = "json";
    std::string names = "long";
    std::string thing_prefix = "sim-";
    double duration = 0;        ///< 0: until --reports or a signal
    std::uint64_t reports = 0;  ///< 0: until --duration or a signal
    std::size_t connections = 1;
    double rate = 0;  ///< reports per second over all connections; 0: no cap
    double reply_wait = 2;
    bool json = false;
};

/// What every connection shares: the limits and the counts.
struct Shared {
    std::uint64_t report_limit = 0;
    std::atomic<std::uint64_t> reserved{0};  ///< report slots taken (--reports)
    std::atomic<std::uint64_t> published{0};
    std::atomic<std::uint64_t> acknowledged{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<bool> interrupted{false};
    std::mutex mutex;
    Clock::time_point last_acknowledged{};  ///< guarded by mutex
};

Nanoseconds seconds(double value) {
    return std::chrono::duration_cast<Nanoseconds>(std::chrono::duration<double>(value));
}

// One connection's things and their slots: thing j of this connection reports at
// start + offset[j] + round * interval, the offsets spread evenly over the interval.
class SimulateHandler final : public ClientHandler {
public:
    struct Member {
        std::size_t index;  ///< in the fleet
        Nanoseconds offset;
        std::string topic;
        std::uint64_t next_id;
    };

    SimulateHandler(ClientLoop& client, SimulatedFleet& fleet, std::vector<Member> members,
                    const SimulateArgs& args, Shared& shared, Time start)
        : client_(client),
          fleet_(fleet),
          members_(std::move(members)),
          shared_(shared),
          encoding_{*parse_format(args.format),
                    args.names == "short" ? KeyStyle::short_names : KeyStyle::long_names, false},
          interval_(seconds(args.interval)),
          start_(start),
          end_(args.duration > 0 ? std::optional<Time>(start + seconds(args.duration))
                                 : std::nullopt),
          gap_(args.rate > 0 ? seconds(static_cast<double>(args.connections) / args.rate)
                             : Nanoseconds(0)),
          reply_wait_(seconds(args.reply_wait)),
          publish_warnings_(std::chrono::minutes(1)) {
        for (const auto& member : members_)
            names_.push_back(fleet_.thing(member.index).profile().name);
        std::sort(names_.begin(), names_.end());
    }

    Time work(Time now) override {
        if (draining_) return drain(now);
        if (end_ && now >= *end_) return start_draining(now);
        while (!client_.stopping() && client_.connected()) {
            if (end_ && now >= *end_) return start_draining(now);
            const Time due = due_time();
            if (due > now) return end_ ? std::min(due, *end_) : due;
            if (gap_.count() > 0 && now < next_allowed_) return next_allowed_;
            if (shared_.report_limit != 0 &&
                shared_.reserved.fetch_add(1) >= shared_.report_limit) {
                return start_draining(now);
            }
            publish(members_[cursor_]);
            next_allowed_ = now + gap_;
            advance();
            now = clock_now();
        }
        return end_ ? std::min(due_time(), *end_) : due_time();
    }
    void connected(Time now) override {
        if (!first_connection_) {
            // Slots missed while disconnected are skipped, not sent in a burst.
            while (due_time() < now)
                advance();
        }
        first_connection_ = false;
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
    // Replies to this connection's things (the subscription covers every thing's).
    void message(const IncomingMessage& message, Time) override {
        const auto topic = parse_topic(message.topic);
        if (!topic || topic->kind == TopicKind::publish || !mine(topic->thing_name)) return;
        ++(topic->kind == TopicKind::accepted ? shared_.accepted : shared_.rejected);
        ++replies_;
    }
    static Clock::time_point clock_now() { return Clock::now(); }

private:
    Time due_time() const { return start_ + members_[cursor_].offset + round_ * interval_; }
    void advance() {
        if (++cursor_ == members_.size()) {
            cursor_ = 0;
            ++round_;
        }
    }
    bool mine(const std::string& name) const {
        return std::binary_search(names_.begin(), names_.end(), name);
    }

    void publish(Member& member) {
        auto& thing = fleet_.thing(member.index);
        const auto bytes = encode(thing.next_report(member.next_id++), encoding_);
        ++shared_.published;
        auto published = client_.transport().publish(member.topic, bytes, std::chrono::seconds(5));
        if (published) {
            ++shared_.acknowledged;
            ++acknowledged_;
            std::lock_guard lock(shared_.mutex);
            shared_.last_acknowledged = clock_now();
            return;
        }
        ++shared_.failed;
        if (publish_warnings_.warn(clock_now()))
            spdlog::warn(
                "cannot publish the report of {}: {} (more failures are counted, not "
                "logged, for a minute)",
                thing.profile().name, published.error().message);
    }
    // The publishing is over: replies still on their way get reply_wait.
    Time start_draining(Time now) {
        draining_ = true;
        drain_until_ = now + reply_wait_;
        return drain(now);
    }
    Time drain(Time now) {
        if (now >= drain_until_ || replies_ >= acknowledged_ || shared_.interrupted) {
            client_.stop();
            return now;
        }
        return drain_until_;
    }

    ClientLoop& client_;
    SimulatedFleet& fleet_;
    std::vector<Member> members_;
    std::vector<std::string> names_;  ///< of this connection's things, sorted
    Shared& shared_;
    EncodeOptions encoding_;
    Nanoseconds interval_;
    Time start_;
    std::optional<Time> end_;
    Nanoseconds gap_;
    Nanoseconds reply_wait_;
    RepeatLimiter publish_warnings_;
    std::size_t cursor_ = 0;
    std::uint64_t round_ = 0;
    Time next_allowed_{};
    bool first_connection_ = true;
    bool draining_ = false;
    Time drain_until_{};
    std::uint64_t acknowledged_ = 0;
    std::uint64_t replies_ = 0;
};

ClientLoopOptions simulate_client_options() {
    ClientLoopOptions options;
    options.backoff_initial = std::chrono::seconds(1);
    options.backoff_max = std::chrono::seconds(30);
    options.stable_link = std::chrono::milliseconds(0);
    options.kept_payload_bytes = 4096;  // replies are small; anything else is not read
    return options;
}

std::string client_id_of(const SimulateArgs& args, std::size_t connection) {
    const std::string base = args.connection.client_id.empty() ? "defender-simulate-" + host_name()
                                                               : args.connection.client_id;
    return args.connections == 1 ? base : base + "-" + std::to_string(connection);
}

Status check_args(const SimulateArgs& args) {
    if (args.connections > args.things)
        return Error{"--connections " + std::to_string(args.connections) +
                     " is more than --things " + std::to_string(args.things) +
                     ": each connection needs a thing"};
    // The longest name is the last thing's.
    const std::string last = args.thing_prefix + std::to_string(args.things - 1);
    if (auto valid = validate_thing_name(last); !valid)
        return Error{"--thing-prefix \"" + args.thing_prefix + "\" makes thing names like " + last +
                     ": " + valid.error().message};
    return Done{};
}

void print_summary(const SimulateArgs& args, const Shared& shared, std::size_t misbehaving,
                   Clock::time_point start) {
    const auto end =
        shared.last_acknowledged == Clock::time_point{} ? start : shared.last_acknowledged;
    const double elapsed = std::chrono::duration<double>(end - start).count();
    const double rate = elapsed > 0 ? static_cast<double>(shared.acknowledged) / elapsed : 0;
    if (args.json) {
        nlohmann::ordered_json summary = {
            {"things", args.things},
            {"misbehaving", misbehaving},
            {"connections", args.connections},
            {"format", args.format},
            {"published", shared.published.load()},
            {"acknowledged", shared.acknowledged.load()},
            {"failed", shared.failed.load()},
            {"accepted", shared.accepted.load()},
            {"rejected", shared.rejected.load()},
            {"seconds", std::round(elapsed * 1000) / 1000},
            {"reports_per_second", std::round(rate * 10) / 10},
            {"interrupted", shared.interrupted.load()},
        };
        std::cout << summary.dump() << std::endl;
        return;
    }
    std::cout << "simulate: published " << shared.published << ", acknowledged "
              << shared.acknowledged << ", failed " << shared.failed << ", accepted "
              << shared.accepted << ", rejected " << shared.rejected << " in "
              << std::round(elapsed * 1000) / 1000 << " s (" << std::round(rate * 10) / 10
              << " reports/s)" << std::endl;
}

int run_simulate(const SimulateArgs& args) {
    if (auto valid = check_args(args); !valid) {
        spdlog::error("{}", valid.error().message);
        return kExitUsage;
    }
    auto settings = mqtt_settings(args.connection);
    if (!settings) {
        spdlog::error("{}", settings.error().message);
        return kExitUsage;
    }
    FleetOptions fleet_options;
    fleet_options.things = args.things;
    fleet_options.misbehaving = args.misbehaving;
    fleet_options.seed = args.seed;
    fleet_options.thing_prefix = args.thing_prefix;
    SimulatedFleet fleet(fleet_options);
    const Format format = *parse_format(args.format);
    // Report ids: milliseconds since the epoch at the start, then one more per report, so
    // that they also increase over a restart.
    const auto first_id =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());

    block_stop_signals();
    Shared shared;
    shared.report_limit = args.reports;
    SystemLoopClock clock;
    const auto start = clock.now();
    const std::vector<std::string> reply_filters = {
        "$aws/things/+/defender/metrics/" + args.format + "/accepted",
        "$aws/things/+/defender/metrics/" + args.format + "/rejected"};

    std::vector<std::unique_ptr<Transport>> transports;
    std::vector<std::unique_ptr<ClientLoop>> clients;
    std::vector<std::unique_ptr<SimulateHandler>> handlers;
    const Nanoseconds interval = seconds(args.interval);
    for (std::size_t k = 0; k < args.connections; ++k) {
        auto connection_settings = *settings;
        connection_settings.client_id = client_id_of(args, k);
        transports.push_back((*mqtt_module())->create_transport(connection_settings));
        clients.push_back(
            std::make_unique<ClientLoop>(*transports.back(), clock, simulate_client_options()));
        // Every connection gets every thing's replies: --reply-wait 0 spares the broker that.
        if (args.reply_wait > 0) (void)clients.back()->set_subscriptions(reply_filters);
        std::vector<SimulateHandler::Member> members;
        for (std::size_t i = k; i < args.things; i += args.connections) {
            const auto offset = Nanoseconds(static_cast<std::int64_t>(
                static_cast<long double>(interval.count()) * static_cast<long double>(i) /
                static_cast<long double>(args.things)));
            members.push_back(
                {i, offset, *make_topic(fleet.thing(i).profile().name, format, TopicKind::publish),
                 first_id});
        }
        handlers.push_back(std::make_unique<SimulateHandler>(
            *clients.back(), fleet, std::move(members), args, shared, start));
    }
    StopOnSignal on_signal(
        [&] {
            shared.interrupted = true;
            for (auto& client : clients)
                client->stop();
        },
        {}, [] { spdlog::info("SIGHUP ignored: defender simulate has nothing to reload"); });
    spdlog::info(
        "simulating {} things ({} misbehaving), a {} report each every {} s, over {} "
        "connection(s) to {}:{} ({})",
        args.things, fleet.misbehaving_count(), args.format, args.interval, args.connections,
        settings->endpoint, settings->port, describe_transport(args.connection));
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < args.connections; ++k) {
        ClientLoop* client = clients[k].get();
        SimulateHandler* handler = handlers[k].get();
        threads.emplace_back([client, handler] { client->run(*handler); });
    }
    for (auto& thread : threads)
        thread.join();
    print_summary(args, shared, fleet.misbehaving_count(), start);
    if (shared.acknowledged == 0) {
        spdlog::error("no report was acknowledged by the broker (exit code {})",
                      static_cast<int>(kExitCannotRun));
        return kExitCannotRun;
    }
    return kExitOk;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<SimulateArgs>();
    CLI::App* command = app.add_subcommand(
        "simulate",
        "Publish valid reports for many simulated things (a load generator for tests and "
        "benchmarks)");
    add_connection_options(*command, args->connection,
                           "defender-simulate-<host name>, with -<n> per connection");
    command->add_option("--things", args->things, "How many things to simulate")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
        ->capture_default_str();
    command
        ->add_option("--interval", args->interval,
                     "Seconds between two reports of each thing; the things' reports are spread "
                     "evenly over it")
        ->check(finite_range(0.001, 86400.0))
        ->capture_default_str();
    command
        ->add_option("--misbehaving", args->misbehaving,
                     "Fraction of things that misbehave: extra listening ports, traffic bursts, "
                     "new remote destinations")
        ->check(finite_range(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--seed", args->seed, "Seed of the things' profiles and reports")
        ->capture_default_str();
    command->add_option("-f,--format", args->format, "Report encoding")
        ->check(CLI::IsMember({"json", "cbor"}))
        ->capture_default_str();
    command->add_option("--names", args->names, "Field names: long (header, metrics) or short")
        ->check(CLI::IsMember({"long", "short"}))
        ->capture_default_str();
    command->add_option("--thing-prefix", args->thing_prefix, "Thing i is named <prefix><i>")
        ->check(non_empty("the thing prefix"))
        ->capture_default_str();
    command
        ->add_option("--duration", args->duration,
                     "Stop publishing after this many seconds (0 = no limit)")
        ->check(finite_range(0.0, 1e9))
        ->capture_default_str();
    command
        ->add_option("--reports", args->reports,
                     "Stop after this many reports over all things (0 = no limit)")
        ->capture_default_str();
    command
        ->add_option("--connections", args->connections,
                     "MQTT connections to spread the things over")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
        ->capture_default_str();
    command
        ->add_option("--rate", args->rate,
                     "At most this many reports per second over all connections (0 = no cap)")
        ->check(finite_range(0.0, 1e9))
        ->capture_default_str();
    command
        ->add_option("--reply-wait", args->reply_wait,
                     "At the end, seconds to wait for the replies of acknowledged reports (0: no "
                     "wait, and replies are not subscribed to nor counted)")
        ->check(finite_range(0.0, 3600.0))
        ->capture_default_str();
    command->add_flag("--json", args->json, "Print the summary as JSON");
    command->footer(
        "Example:\n  defender simulate -e localhost -p 8883 -r ca.pem -c sim.pem -k sim.key "
        "--things 1000 --interval 60 --misbehaving 0.05 --duration 600");
    command->callback([args, &exit_code] { exit_code = run_simulate(*args); });
}

}  // namespace defender::cli
