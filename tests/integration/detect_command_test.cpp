// SPDX-License-Identifier: Apache-2.0
// `defender detect` end to end: real agents (or reports published by the test), mosquitto with
// mutual TLS, the detector with a compressed time scale, a subscriber on the violations topic,
// and the queries reading the same store.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "agent_test_rig.hpp"
#include "defender/encode.hpp"
#include "defender/mqtt_transport.hpp"
#include "mqtt_test_settings.hpp"

namespace defender::test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

// A TCP socket listening on 127.0.0.1 on a free port, closed on destruction or close().
class Listener {
public:
    Listener() {
        // Close-on-exec: the processes the test starts must not keep it listening.
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(fd_, 1) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
    }
    ~Listener() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

class DetectRig {
public:
    DetectRig() : detect_cert_(rig_.pki().issue_client("defender-detect", "detect")) {}

    AgentRig& agents() { return rig_; }
    std::filesystem::path store() const { return rig_.work() / "detect.db"; }

    std::filesystem::path write_profile(const std::string& json) {
        const auto path = rig_.work() / ("profile-" + std::to_string(++profiles_) + ".json");
        std::ofstream(path) << json;
        return path;
    }

    std::vector<std::string> connection_args() {
        return {"-e", "localhost",
                "-p", std::to_string(rig_.broker().port()),
                "-r", rig_.pki().ca_cert().string(),
                "-c", detect_cert_.cert.string(),
                "-k", detect_cert_.key.string()};
    }

    // Starts `defender detect` and waits until it has subscribed.
    void start(const std::vector<std::string>& extra) {
        std::vector<std::string> argv{DEFENDER_BINARY,     "detect",  "--client-id",
                                      "detect-under-test", "--store", store().string()};
        const auto connection = connection_args();
        argv.insert(argv.end(), connection.begin(), connection.end());
        argv.insert(argv.end(), extra.begin(), extra.end());
        ++starts_;
        const auto log = rig_.work() / ("detect-" + std::to_string(starts_));
        detect_ = std::make_unique<ChildProcess>(
            ProcessOptions{argv, log.string() + ".out", log.string() + ".err", {}, {}});
        const bool ready = eventually(
            [&] {
                return detect_->stderr_text().find("detecting: subscribed") != std::string::npos;
            },
            15s);
        if (!ready) throw std::runtime_error("detect did not subscribe: " + detect_->stderr_text());
    }
    ChildProcess& detect() { return *detect_; }

    // Subscribes (QoS 1, in this process: no output buffering between) to the violations
    // topics.
    void watch_violations() {
        auto settings =
            local_mutual_tls_settings(rig_.pki(), rig_.broker().port(), "violation-watcher");
        watcher_ = make_mqtt_transport(settings);
        watcher_->set_event_sink([this](TransportEvent event) {
            if (auto* message = std::get_if<IncomingMessage>(&event)) {
                std::lock_guard lock(mutex_);
                received_.push_back(message->payload);
            }
        });
        if (!watcher_->connect().ok() || !watcher_->subscribe({"defender/violations/#"}).ok()) {
            throw std::runtime_error("the violations watcher cannot subscribe");
        }
    }
    std::vector<Json> published_events() const {
        std::lock_guard lock(mutex_);
        std::vector<Json> events;
        for (const auto& payload : received_) {
            events.push_back(Json::parse(payload, nullptr, false));
        }
        return events;
    }
    std::size_t published(const std::string& type) const {
        std::size_t count = 0;
        for (const auto& event : published_events()) {
            count += event.value("violationEventType", "") == type ? 1 : 0;
        }
        return count;
    }

    // Runs a query subcommand; its exit code and stdout.
    std::pair<int, std::string> query(const std::vector<std::string>& args) {
        std::vector<std::string> argv{DEFENDER_BINARY, "detect"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--store");
        argv.push_back(store().string());
        const auto log = rig_.work() / ("query-" + std::to_string(++queries_));
        ChildProcess child(
            ProcessOptions{argv, log.string() + ".out", log.string() + ".err", {}, {}});
        const auto status = child.wait_for(30s);
        if (!status) throw std::runtime_error("query did not end");
        return {status->code, child.stdout_text()};
    }
    Json events_in_store() {
        auto [code, text] =
            query({"list-violation-events", "--start-time", "0", "--end-time", "99999999999"});
        EXPECT_EQ(code, 0) << text;
        return Json::parse(text).at("violationEvents");
    }

private:
    AgentRig rig_;
    CertificateFiles detect_cert_;
    std::unique_ptr<ChildProcess> detect_;
    std::unique_ptr<Transport> watcher_;
    mutable std::mutex mutex_;
    std::vector<std::string> received_;
    int profiles_ = 0;
    int starts_ = 0;
    int queries_ = 0;
};

std::string port_profile(std::uint16_t port) {
    return R"({"securityProfileName": "no-extra-ports", "behaviors": [{"name": "OnlyKnownPorts",)"
           R"( "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator":)"
           R"( "not-in-port-set", "value": {"ports": [)" +
           std::to_string(port) + "]}}}]}";
}

// An agent reporting every second raises in-alarm on aws:listening-tcp-ports when a port
// opens, and alarm-cleared when it closes; both arrive on the violations topic and in the
// queries.
TEST(DetectCommand, APortThatOpensRaisesAnAlarmThatClearsWhenItCloses) {
    DetectRig rig;
    Listener listener;
    const auto profile = rig.write_profile(port_profile(listener.port()));
    rig.watch_violations();
    rig.agents().start_emulator(0);
    rig.start({"--profile", profile.string(), "--time-scale", "0.01"});
    ChildProcess agent(rig.agents().agent({"-t", "gateway-1", "-i", "1"}));

    ASSERT_TRUE(eventually([&] { return rig.published("in-alarm") >= 1; }, 30s))
        << rig.detect().stderr_text();
    auto [code, active] = rig.query({"list-active-violations", "--thing-name", "gateway-1"});
    ASSERT_EQ(code, 0);
    const auto violations = Json::parse(active).at("activeViolations");
    ASSERT_EQ(violations.size(), 1u) << active;
    EXPECT_EQ(violations[0].at("behavior").at("name"), "OnlyKnownPorts");
    EXPECT_EQ(violations[0].at("securityProfileName"), "no-extra-ports");
    const std::string id = violations[0].at("violationId");

    listener.close();
    ASSERT_TRUE(eventually([&] { return rig.published("alarm-cleared") >= 1; }, 30s))
        << rig.detect().stderr_text() << agent.stderr_text().substr(0, 4000);
    EXPECT_EQ(
        Json::parse(rig.query({"list-active-violations"}).second).at("activeViolations").size(),
        0u);
    const auto events = rig.events_in_store();
    ASSERT_EQ(events.size(), 2u) << events.dump();
    EXPECT_EQ(events[0].at("violationEventType"), "alarm-cleared") << "newest first";
    EXPECT_EQ(events[1].at("violationEventType"), "in-alarm");
    EXPECT_EQ(events[0].at("violationId"), id);
    EXPECT_EQ(events[1].at("violationId"), id);

    // A person's verdict is kept and shown.
    EXPECT_EQ(rig.query({"put-verification-state-on-violation", "--violation-id", id,
                         "--verification-state", "BENIGN_POSITIVE",
                         "--verification-state-description", "the test opened it"})
                  .first,
              0);
    for (const auto& event : rig.events_in_store()) {
        EXPECT_EQ(event.at("verificationState"), "BENIGN_POSITIVE");
    }
    EXPECT_EQ(rig.query({"put-verification-state-on-violation", "--violation-id", "nope",
                         "--verification-state", "TRUE_POSITIVE"})
                  .first,
              2);
    agent.stop();
    EXPECT_EQ(rig.detect().stop().code, 0);
}

// Reports of a fleet published by the test: each thing alternates between a report that
// violates and one that conforms, so every report raises or clears an alarm. detect is killed
// with SIGKILL twice along the way; every event it recorded is published, and none twice.
TEST(DetectCommand, KillDashNineLosesAndDuplicatesNothing) {
    DetectRig rig;
    const auto profile = rig.write_profile(
        R"({"securityProfileName": "p", "behaviors": [{"name": "Ports", "metric":)"
        R"( "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set",)"
        R"( "value": {"ports": [22]}}}]})");
    rig.watch_violations();
    const std::vector<std::string> args{"--profile", profile.string()};
    rig.start(args);

    auto settings = local_mutual_tls_settings(rig.agents().pki(), rig.agents().broker().port(),
                                              "fleet-publisher");
    auto publisher = make_mqtt_transport(settings);
    publisher->set_event_sink([](TransportEvent) {});
    ASSERT_TRUE(publisher->connect().ok());
    constexpr int kThings = 10;
    constexpr int kRounds = 12;
    for (int round = 0; round < kRounds; ++round) {
        for (int thing = 0; thing < kThings; ++thing) {
            Report report;
            report.report_id = 1000 + round;
            report.metrics.emplace();
            PortList ports;
            ports.ports.push_back({static_cast<std::uint16_t>(round % 2 == 0 ? 8080 : 22), {}});
            ports.total = 1;
            report.metrics->listening_tcp_ports = ports;
            const auto published = publisher->publish(
                "$aws/things/thing-" + std::to_string(thing) + "/defender/metrics/json",
                encode(report, {}), 5s);
            ASSERT_TRUE(published.ok()) << published.error().message;
        }
        if (round == 3 || round == 7) {
            std::this_thread::sleep_for(50ms);
            rig.detect().kill();
            rig.start(args);
        }
    }
    // Every thing ends conforming (the last round is odd): no alarm stays on, and every
    // recorded event was published (twice in a row a second apart: the queue has drained).
    const auto settled = [&] {
        return Json::parse(rig.query({"list-active-violations"}).second)
                   .at("activeViolations")
                   .empty() &&
               rig.published_events().size() == rig.events_in_store().size();
    };
    ASSERT_TRUE(eventually(
        [&] {
            if (!settled()) return false;
            std::this_thread::sleep_for(1s);
            return settled();
        },
        60s))
        << rig.detect().stderr_text()
        << "\nactive: " << rig.query({"list-active-violations"}).second << "\npublished "
        << rig.published_events().size() << ", recorded " << rig.events_in_store().size();

    std::multiset<std::string> on_topic;
    for (const auto& event : rig.published_events()) {
        on_topic.insert(event.at("violationId").get<std::string>() + " " +
                        event.at("violationEventType").get<std::string>());
    }
    std::set<std::string> in_store;
    std::map<std::string, std::vector<std::string>> per_thing;
    auto stored = rig.events_in_store();
    std::reverse(stored.begin(), stored.end());  // listed newest first
    for (const auto& event : stored) {
        in_store.insert(event.at("violationId").get<std::string>() + " " +
                        event.at("violationEventType").get<std::string>());
        per_thing[event.at("thingName")].push_back(event.at("violationEventType"));
    }
    EXPECT_EQ(std::set<std::string>(on_topic.begin(), on_topic.end()), in_store);
    EXPECT_EQ(on_topic.size(), in_store.size()) << "an event was published twice";
    EXPECT_EQ(per_thing.size(), static_cast<std::size_t>(kThings));
    for (const auto& [thing, types] : per_thing) {
        // Alarms alternate with clears: a restart never forgets an alarm that is on.
        for (std::size_t i = 0; i < types.size(); ++i) {
            EXPECT_EQ(types[i], i % 2 == 0 ? "in-alarm" : "alarm-cleared") << thing;
        }
        EXPECT_EQ(types.size() % 2, 0u) << thing;
    }
    publisher->disconnect(1s);
}

// The queries' shapes and exit codes without a detector running.
TEST(DetectCommand, QueriesAndValidationFromTheCommandLine) {
    DetectRig rig;
    auto [missing_code, missing] = rig.query({"list-active-violations"});
    EXPECT_EQ(missing_code, 3) << "no store yet";

    const auto good = rig.write_profile(port_profile(22));
    const auto bad = rig.write_profile(
        R"({"behaviors": [{"name": "B", "metric": "aws:listening-tcp-ports", "criteria":)"
        R"( {"comparisonOperator": "less-than", "value": {"count": 1}}}]})");
    ChildProcess valid(
        ProcessOptions{{DEFENDER_BINARY, "detect", "validate-security-profile-behaviors",
                        "--behaviors", good.string()},
                       rig.agents().work() / "valid.out",
                       rig.agents().work() / "valid.err",
                       {},
                       {}});
    ASSERT_EQ(valid.wait_for(30s)->code, 0);
    EXPECT_EQ(Json::parse(valid.stdout_text()).at("valid"), true);
    ChildProcess invalid(
        ProcessOptions{{DEFENDER_BINARY, "detect", "validate-security-profile-behaviors",
                        "--behaviors", bad.string()},
                       rig.agents().work() / "invalid.out",
                       rig.agents().work() / "invalid.err",
                       {},
                       {}});
    ASSERT_EQ(invalid.wait_for(30s)->code, 1);
    const auto answer = Json::parse(invalid.stdout_text());
    EXPECT_EQ(answer.at("valid"), false);
    EXPECT_FALSE(answer.at("validationErrors").at(0).at("errorMessage").get<std::string>().empty());

    ChildProcess refused(
        ProcessOptions{{DEFENDER_BINARY, "detect", "--profile", bad.string(), "-e", "localhost"},
                       rig.agents().work() / "refused.out",
                       rig.agents().work() / "refused.err",
                       {},
                       {}});
    ASSERT_EQ(refused.wait_for(30s)->code, 2);
    EXPECT_NE(refused.stderr_text().find(bad.string()), std::string::npos) << refused.stderr_text();
}

}  // namespace
}  // namespace defender::test
