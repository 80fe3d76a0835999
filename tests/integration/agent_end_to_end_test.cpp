// SPDX-License-Identifier: Apache-2.0
// `defender agent` against `defender emulate` through a real mosquitto with mutual TLS.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "agent_test_rig.hpp"
#include "defender/encode.hpp"
#include "defender/mqtt_transport.hpp"
#include "defender/reply.hpp"
#include "defender/validate.hpp"
#include "encode/document.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::filesystem::path> stored_reports(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

// A test-side MQTT client, with its own certificate.
class TestClient {
public:
    TestClient(AgentRig& rig, const std::string& name) {
        const auto files = rig.pki().issue_client(name, name);
        MqttSettings settings;
        settings.endpoint = "localhost";
        settings.port = rig.broker().port();
        settings.client_id = name;
        settings.root_ca = rig.pki().ca_cert();
        settings.cert = files.cert;
        settings.key = files.key;
        settings.clean_session = true;
        transport_ = std::make_unique<MqttTransport>(settings);
        transport_->set_event_sink([this](TransportEvent event) {
            if (auto* message = std::get_if<IncomingMessage>(&event)) {
                std::lock_guard lock(mutex_);
                messages_.push_back({*message, std::chrono::steady_clock::now()});
            }
        });
        const auto connected = transport_->connect();
        if (!connected) throw std::runtime_error(connected.error().message);
    }
    MqttTransport& transport() { return *transport_; }
    struct Received {
        IncomingMessage message;
        std::chrono::steady_clock::time_point at;
    };
    std::vector<Received> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }

private:
    std::mutex mutex_;
    std::vector<Received> messages_;
    std::unique_ptr<MqttTransport> transport_;
};

// A TCP listener on the v4 wildcard and a UDP socket bound to ::1, open for the test's length.
struct OwnedListeners {
    OwnedListeners() {
        tcp.reset(::socket(AF_INET, SOCK_STREAM, 0));
        sockaddr_in any{};
        any.sin_family = AF_INET;
        socklen_t length = sizeof any;
        if (::bind(tcp.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
            ::listen(tcp.get(), 4) != 0 ||
            ::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&any), &length) != 0) {
            throw std::runtime_error("cannot open a TCP listener");
        }
        tcp_port = ntohs(any.sin_port);
        udp.reset(::socket(AF_INET6, SOCK_DGRAM, 0));
        sockaddr_in6 loopback{};
        loopback.sin6_family = AF_INET6;
        loopback.sin6_addr = in6addr_loopback;
        length = sizeof loopback;
        if (::bind(udp.get(), reinterpret_cast<sockaddr*>(&loopback), sizeof loopback) != 0 ||
            ::getsockname(udp.get(), reinterpret_cast<sockaddr*>(&loopback), &length) != 0) {
            throw std::runtime_error("cannot open a UDP socket");
        }
        udp_port = ntohs(loopback.sin6_port);
    }
    struct Fd {
        void reset(int fd) { fd_ = fd; }
        int get() const { return fd_; }
        ~Fd() {
            if (fd_ >= 0) ::close(fd_);
        }
        int fd_ = -1;
    };
    Fd tcp;
    Fd udp;
    std::uint16_t tcp_port = 0;
    std::uint16_t udp_port = 0;
    mutable std::uint16_t tcp_port_of = 0;  ///< the broker's port, also kept
};

struct ListenerView {
    std::vector<PortEntry> tcp;
    std::vector<PortEntry> udp;
    friend bool operator==(const ListenerView&, const ListenerView&) = default;
};

void PrintTo(const ListenerView& view, std::ostream* out) {
    for (const auto* list : {&view.tcp, &view.udp}) {
        *out << (list == &view.tcp ? "tcp:" : " udp:");
        for (const auto& entry : *list)
            *out << " " << entry.port << "/" << entry.interface.value_or("-");
    }
}

ListenerView owned_listeners(const Report& report, const OwnedListeners& owned) {
    ListenerView view;
    for (const auto& entry : report.metrics->listening_tcp_ports->ports) {
        if (entry.port == owned.tcp_port || entry.port == owned.tcp_port_of)
            view.tcp.push_back(entry);
    }
    for (const auto& entry : report.metrics->listening_udp_ports->ports) {
        if (entry.port == owned.udp_port) view.udp.push_back(entry);
    }
    std::sort(view.tcp.begin(), view.tcp.end());
    return view;
}

struct Variant {
    Format format;
    bool short_names;
};

class AgentFormats : public ::testing::TestWithParam<Variant> {};

TEST_P(AgentFormats, EveryReportIsAcceptedWithIncreasingIdsAndTheContentCollectGives) {
    const auto [format, short_names] = GetParam();
    AgentRig rig;
    const OwnedListeners owned;
    owned.tcp_port_of = rig.broker().port();
    rig.start_emulator(0);
    std::vector<std::string> extra{"-t", "thing-1", "-i", "1",  "--exit-after",
                                   "3",  "-l",      "0",  "-f", std::string(to_string(format))};
    if (short_names) extra.push_back("--short-names");
    ChildProcess agent(rig.agent(extra));
    const auto status = agent.wait_for(40s);
    ASSERT_TRUE(status.has_value()) << "agent still running: " << agent.stderr_text();
    ASSERT_TRUE(status->success()) << status->describe() << "\n" << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(3, 5s));

    const auto lines = rig.emulator_lines();
    std::vector<std::uint64_t> ids;
    for (const auto& line : lines) {
        EXPECT_TRUE(line.accepted) << line.detail;
        EXPECT_EQ(line.thing, "thing-1");
        EXPECT_EQ(line.format, to_string(format));
        ids.push_back(line.report_id);
    }
    ASSERT_GE(ids.size(), 3u);
    EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end())
        << "report ids not strictly increasing";
    EXPECT_NE(agent.stderr_text().find("report " + std::to_string(ids[0]) + " accepted"),
              std::string::npos)
        << agent.stderr_text();

    // Other tests and processes open and close sockets meanwhile, so the reports are compared
    // with `collect` on the listeners that exist throughout: this test's and the broker's.
    const auto collect = run_process({DEFENDER_BINARY, "collect", "-l", "0", "--compact"}, 20s);
    ASSERT_TRUE(collect.status.success()) << collect.stderr_text;
    const auto expected = owned_listeners(decode(collect.stdout_text).value(), owned);
    std::vector<PortEntry> expected_tcp{{owned.tcp_port, std::nullopt},
                                        {rig.broker().port(), "lo"}};
    std::sort(expected_tcp.begin(), expected_tcp.end());
    ASSERT_EQ(expected.tcp, expected_tcp);
    ASSERT_EQ(expected.udp, (std::vector<PortEntry>{{owned.udp_port, "lo"}}));

    const auto files = stored_reports(rig.store_dir());
    ASSERT_GE(files.size(), 3u);
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto bytes = read_file(files[i]);
        EXPECT_TRUE(validate_report(bytes).valid()) << files[i];
        const auto document = parse_document(bytes).value();
        EXPECT_EQ(document.format, format);
        EXPECT_TRUE(document.document.contains(short_names ? "hed" : "header")) << files[i];
        const auto report = decode(bytes).value();
        EXPECT_EQ(report.report_id, ids[i]);
        EXPECT_EQ(owned_listeners(report, owned), expected) << files[i];
        EXPECT_EQ(report.metrics->listening_tcp_ports->total,
                  report.metrics->listening_tcp_ports->ports.size());
        // The first report has no network_stats; the later ones do.
        EXPECT_EQ(report.metrics->network_stats.has_value(), i > 0) << files[i];
    }
}

INSTANTIATE_TEST_SUITE_P(JsonCborLongShort, AgentFormats,
                         ::testing::Values(Variant{Format::json, false},
                                           Variant{Format::json, true},
                                           Variant{Format::cbor, false},
                                           Variant{Format::cbor, true}),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                             return std::string(to_string(info.param.format)) +
                                    (info.param.short_names ? "Short" : "Long");
                         });

TEST(AgentReplies, ARejectionIsLoggedWithErrorCodeAndMessage) {
    AgentRig rig;
    TestClient service(rig, "fake-service");
    ASSERT_TRUE(service.transport().subscribe({"$aws/things/thing-r/defender/metrics/json"}).ok());
    ChildProcess agent(rig.agent({"-t", "thing-r", "-i", "30", "--exit-after", "1"}));
    ASSERT_TRUE(eventually([&] { return !service.messages().empty(); }, 20s))
        << agent.stderr_text();
    Reply rejection;
    rejection.status = ReplyStatus::rejected;
    rejection.thing_name = "thing-r";
    rejection.error_code = "InvalidPayload";
    // Issue #19.9: a peer's text with a newline and an escape sequence once forged a log line.
    rejection.error_message = "Malformed metrics report\n\x1b[1mdefender: info: report 9 accepted";
    ASSERT_TRUE(service.transport()
                    .publish("$aws/things/thing-r/defender/metrics/json/rejected",
                             encode_reply(rejection, Format::json), 5s)
                    .ok());
    const auto status = agent.wait_for(15s);
    ASSERT_TRUE(status.has_value() && status->exited && status->code == 1) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find(
                  "rejected: InvalidPayload: Malformed metrics report\\n\\x1b[1mdefender: info: "
                  "report 9 accepted (accepted 0, rejected 1"),
              std::string::npos)
        << agent.stderr_text();
    EXPECT_EQ(agent.stderr_text().find('\x1b'), std::string::npos);
    EXPECT_EQ(agent.stderr_text().find("\ndefender: info: report 9"), std::string::npos);
}

TEST(AgentReplies, TheEmulatorRejectsAMalformedRawPublishWithInvalidPayload) {
    AgentRig rig;
    rig.start_emulator(0);
    TestClient client(rig, "raw-publisher");
    ASSERT_TRUE(
        client.transport().subscribe({"$aws/things/raw/defender/metrics/cbor/rejected"}).ok());
    nlohmann::ordered_json malformed = {
        {"header", {{"report_id", 5}, {"version", "1.0"}}},
        {"custom_metrics", {{"my_custom_metric", {{"number", 0}}}}}};
    std::string cbor;
    nlohmann::ordered_json::to_cbor(malformed, nlohmann::detail::output_adapter<char>(cbor));
    ASSERT_TRUE(client.transport().publish("$aws/things/raw/defender/metrics/cbor", cbor, 5s).ok());
    ASSERT_TRUE(eventually([&] { return !client.messages().empty(); }, 10s));
    const auto reply = parse_reply(client.messages()[0].message.payload, Format::cbor);
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply->status, ReplyStatus::rejected);
    EXPECT_EQ(reply->error_code, "InvalidPayload");
    EXPECT_EQ(reply->thing_name, "raw");
    const auto lines = rig.emulator_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_FALSE(lines[0].accepted);
    EXPECT_NE(lines[0].detail.find("InvalidPayload: /custom_metrics/my_custom_metric"),
              std::string::npos)
        << lines[0].detail;
}

TEST(AgentReplies, ThrottledMakesTheAgentWaitAFullInterval) {
    AgentRig rig;
    rig.start_emulator(60);
    TestClient observer(rig, "observer");
    ASSERT_TRUE(observer.transport()
                    .subscribe({"$aws/things/thing-t/defender/metrics/json",
                                "$aws/things/thing-t/defender/metrics/json/rejected"})
                    .ok());
    ChildProcess agent(rig.agent({"-t", "thing-t", "-i", "2", "--exit-after", "3"}));
    const auto status = agent.wait_for(30s);
    // Issue #18 item 7: rejected reports under --exit-after are not a success.
    ASSERT_TRUE(status.has_value() && status->exited && status->code == 1) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("2 of the reports were rejected (exit code 1)"),
              std::string::npos)
        << agent.stderr_text();
    const auto lines = rig.emulator_lines();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(lines[0].accepted);
    EXPECT_EQ(lines[1].detail, "Throttled");
    EXPECT_EQ(lines[2].detail, "Throttled");
    EXPECT_NE(agent.stderr_text().find("rejected: Throttled"), std::string::npos);
    // After each Throttled reply the next report comes a full interval later, not at once.
    const auto messages = observer.messages();
    std::optional<std::chrono::steady_clock::time_point> rejected_at;
    int checked = 0;
    for (const auto& received : messages) {
        if (received.message.topic.ends_with("/rejected")) {
            rejected_at = received.at;
        } else if (rejected_at) {
            EXPECT_GE(received.at - *rejected_at, 1800ms);
            rejected_at.reset();
            ++checked;
        }
    }
    EXPECT_EQ(checked, 1);
}

TEST(AgentTls, KeyNotMatchingTheCertificateExitsWithCode2BeforeAnyTraffic) {
    AgentRig rig;
    const auto result = run_process(
        {DEFENDER_BINARY, "agent", "-e", "localhost", "-p", std::to_string(rig.broker().port()),
         "-r", rig.pki().ca_cert().string(), "-c", rig.pki().client().cert.string(), "-k",
         rig.pki().other_client().key.string(), "-t", "x"},
        10s);
    EXPECT_EQ(result.status.code, 2) << result.status.describe();
    EXPECT_NE(result.stderr_text.find("does not match private key"), std::string::npos)
        << result.stderr_text;
    EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1)
        << result.stderr_text;
    EXPECT_EQ(rig.broker().log().find("New client connected"), std::string::npos)
        << rig.broker().log();
}

TEST(AgentTls, MissingFilesAndBadThingNameExitWithCode2) {
    const auto missing =
        run_process({DEFENDER_BINARY, "agent", "-e", "localhost", "-r", "/nonexistent/ca.pem", "-c",
                     "/nonexistent/c.pem", "-k", "/nonexistent/k.pem"},
                    10s);
    EXPECT_EQ(missing.status.code, 2);
    EXPECT_NE(missing.stderr_text.find("/nonexistent/ca.pem"), std::string::npos)
        << missing.stderr_text;
    const auto no_endpoint = run_process({DEFENDER_BINARY, "agent"}, 10s);
    EXPECT_EQ(no_endpoint.status.code, 2);
    EXPECT_NE(no_endpoint.stderr_text.find("--endpoint"), std::string::npos)
        << no_endpoint.stderr_text;
    const auto bad_thing =
        run_process({DEFENDER_BINARY, "agent", "--dry-run", "-t", "bad/thing"}, 10s);
    EXPECT_EQ(bad_thing.status.code, 2);
    EXPECT_NE(bad_thing.stderr_text.find("thing name"), std::string::npos) << bad_thing.stderr_text;
    const auto bad_format = run_process({DEFENDER_BINARY, "agent", "--dry-run", "-f", "xml"}, 10s);
    EXPECT_EQ(bad_format.status.code, 2);
}

// Runs the agent for a few seconds with the given TLS files and checks it is refused.
void expect_refused(AgentRig& rig, const std::vector<std::string>& tls,
                    const std::string& expected_error) {
    std::vector<std::string> argv{DEFENDER_BINARY,
                                  "agent",
                                  "-t",
                                  "thing-x",
                                  "-i",
                                  "1",
                                  "--allow-short-interval",
                                  "--state-dir",
                                  (rig.work() / "state").string()};
    argv.insert(argv.end(), tls.begin(), tls.end());
    ChildProcess agent(
        ProcessOptions{argv, rig.work() / "refused.out", rig.work() / "refused.err", {}, {}});
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("cannot connect") != std::string::npos; }, 15s));
    const auto status = agent.stop(5s);
    EXPECT_TRUE(status.success()) << status.describe();
    EXPECT_NE(agent.stderr_text().find(expected_error), std::string::npos) << agent.stderr_text();
    EXPECT_TRUE(stored_reports(rig.store_dir()).empty()) << "a report left the host";
    EXPECT_TRUE(rig.emulator_lines().empty());
}

TEST(AgentTls, WrongRootCaIsRefused) {
    AgentRig rig;
    rig.start_emulator(0);
    expect_refused(rig,
                   {"-e", "localhost", "-p", std::to_string(rig.broker().port()), "-r",
                    rig.pki().other_ca_cert().string(), "-c", rig.pki().client().cert.string(),
                    "-k", rig.pki().client().key.string()},
                   "certificate");
}

TEST(AgentTls, ClientCertificateFromAnotherCaIsRefused) {
    AgentRig rig;
    rig.start_emulator(0);
    expect_refused(rig,
                   {"-e", "localhost", "-p", std::to_string(rig.broker().port()), "-r",
                    rig.pki().ca_cert().string(), "-c", rig.pki().other_client().cert.string(),
                    "-k", rig.pki().other_client().key.string()},
                   "cannot connect");
}

TEST(AgentTls, ServerCertificateForAnotherHostIsRefused) {
    AgentRig rig;
    rig.start_emulator(0);
    auto options = MosquittoBroker::mutual_tls(rig.pki());
    options.server = rig.pki().wrong_host_server();
    MosquittoBroker impostor(options);
    expect_refused(rig,
                   {"-e", "localhost", "-p", std::to_string(impostor.port()), "-r",
                    rig.pki().ca_cert().string(), "-c", rig.pki().client().cert.string(), "-k",
                    rig.pki().client().key.string()},
                   "cannot connect");
    EXPECT_EQ(impostor.log().find("New client connected"), std::string::npos) << impostor.log();
}

TEST(AgentLifecycle, BrokerDownAtStartThenUp) {
    AgentRig rig;
    rig.broker().stop();
    ChildProcess agent(rig.agent({"-t", "thing-late", "-i", "1", "--exit-after", "2"}));
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("cannot connect") != std::string::npos; }, 10s));
    std::this_thread::sleep_for(2s);
    EXPECT_TRUE(agent.running()) << "the agent must not exit while the broker is down";
    rig.broker().start();
    rig.start_emulator(0);
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value() && status->success()) << agent.stderr_text();
    EXPECT_GE(rig.emulator_lines().size(), 2u);
}

TEST(AgentLifecycle, RestartedAgentContinuesAboveTheLastReportIdAndStopsOnSigterm) {
    AgentRig rig;
    rig.start_emulator(0);
    ChildProcess first(rig.agent({"-t", "thing-s", "-i", "1", "--exit-after", "2"}, "first"));
    ASSERT_TRUE(first.wait_for(30s).value_or(ExitStatus{}).success()) << first.stderr_text();
    const auto state = read_file(rig.work() / "state" / "state.json");
    ChildProcess second(rig.agent({"-t", "thing-s", "-i", "1"}, "second"));
    ASSERT_TRUE(rig.wait_for_accepted(3, 20s)) << second.stderr_text();
    const auto started = std::chrono::steady_clock::now();
    const auto status = second.stop(10s);
    EXPECT_TRUE(status.success()) << status.describe();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    const auto lines = rig.emulator_lines();
    ASSERT_GE(lines.size(), 3u);
    EXPECT_GT(lines[2].report_id, lines[1].report_id);
    EXPECT_NE(state.find("\"last_report_id\":" + std::to_string(lines[1].report_id)),
              std::string::npos)
        << state;
    EXPECT_NE(second.stderr_text().find("stopped ("), std::string::npos) << second.stderr_text();
}

TEST(AgentLifecycle, SigtermDuringAHangingConnectAttemptStillExitsWithin5Seconds) {
    AgentRig rig;
    rig.broker().pause();  // TCP connects, TLS never answers
    ChildProcess agent(rig.agent({"-t", "thing-hang", "-i", "1"}));
    std::this_thread::sleep_for(1500ms);
    ASSERT_TRUE(agent.running());
    const auto started = std::chrono::steady_clock::now();
    agent.send_signal(SIGTERM);
    const auto status = agent.wait_for(10s);
    const auto took = std::chrono::steady_clock::now() - started;
    rig.broker().resume();
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << status->describe() << agent.stderr_text();
    EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace defender::test
