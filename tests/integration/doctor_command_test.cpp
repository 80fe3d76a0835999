// SPDX-License-Identifier: Apache-2.0
// `defender doctor` through the executable: every step ok against mosquitto and the emulator
// (mutual TLS, the agent's configuration file, ALPN, WebSocket, an HTTP proxy), and the first
// failing step with its meaning for a wrong CA, a refused client id, a stopped emulator,
// nothing listening and a name that does not resolve; `--json`; Greengrass mode against the
// fake nucleus.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent_test_rig.hpp"
#include "connect_proxy.hpp"
#include "fake_nucleus.hpp"
#include "ports.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kThing = "doctor-thing";

// `defender doctor` for the test broker and device; `replace` swaps option values (e.g. "-r").
std::vector<std::string> doctor_argv(AgentRig& rig, const std::vector<std::string>& extra,
                                     const std::map<std::string, std::string>& replace = {}) {
    std::vector<std::string> argv{DEFENDER_BINARY, "doctor", "-t", kThing};
    auto tls = rig.agent_tls_args();
    for (std::size_t i = 0; i + 1 < tls.size(); i += 2) {
        if (const auto found = replace.find(tls[i]); found != replace.end())
            tls[i + 1] = found->second;
    }
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream input(text);
    for (std::string line; std::getline(input, line);)
        lines.push_back(line);
    return lines;
}

// The checklist lines ("[ ok ] ...", "[FAIL] ...", "[skip] ..."), without notes and advice.
std::vector<std::string> step_lines(const std::string& text) {
    std::vector<std::string> steps;
    for (const auto& line : lines_of(text)) {
        if (line.starts_with("[ ok ] ") || line.starts_with("[FAIL] ") ||
            line.starts_with("[skip] "))
            steps.push_back(line);
    }
    return steps;
}

bool all_ok(const std::string& text, std::size_t count) {
    const auto steps = step_lines(text);
    if (steps.size() != count) return false;
    for (const auto& step : steps)
        if (!step.starts_with("[ ok ] ")) return false;
    return true;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(DoctorCommand, EveryStepOkAgainstMosquittoAndTheEmulator) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto run = run_process(doctor_argv(rig, {}), 60s);
    ASSERT_EQ(run.status.code, 0) << run.stdout_text << run.stderr_text;
    EXPECT_TRUE(all_ok(run.stdout_text, 8)) << run.stdout_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u);
    EXPECT_TRUE(steps[0].starts_with("[ ok ] configuration: MQTT with mutual TLS to localhost:"))
        << steps[0];
    EXPECT_TRUE(steps[1].starts_with("[ ok ] resolve: localhost is ")) << steps[1];
    EXPECT_TRUE(has(steps[2], "directly (no proxy)")) << steps[2];
    EXPECT_TRUE(has(steps[3], "TLSv1.2, ALPN: none offered, server certificate verified"))
        << steps[3];
    EXPECT_TRUE(has(run.stdout_text, "certificate 0: subject ")) << run.stdout_text;
    EXPECT_TRUE(has(steps[4], "CONNACK 0 (accepted) for client id \"doctor-thing\"")) << steps[4];
    EXPECT_TRUE(has(steps[5],
                    "$aws/things/doctor-thing/defender/metrics/json/accepted: QoS 1 "
                    "granted"))
        << steps[5];
    EXPECT_TRUE(steps[6].starts_with("[ ok ] PUBLISH: report ")) << steps[6];
    EXPECT_TRUE(steps[7].starts_with("[ ok ] reply: accepted: report ")) << steps[7];
    EXPECT_TRUE(rig.wait_for_accepted(1, 5s));
    EXPECT_FALSE(has(run.stdout_text + run.stderr_text, "PRIVATE KEY"));

    // The agent's configuration file, with keys only the agent uses, works as it is.
    const fs::path conf = rig.work() / "agent.conf";
    std::ofstream(conf) << "endpoint = \"localhost\"\nport = " << rig.broker().port()
                        << "\nroot-ca = \"" << rig.pki().ca_cert().string() << "\"\ncert = \""
                        << rig.pki().client().cert.string() << "\"\nkey = \""
                        << rig.pki().client().key.string() << "\"\nthing-name = \"" << kThing
                        << "\"\ninterval = 300\ncustom-metrics = true\nstate-dir = \""
                        << (rig.work() / "state").string() << "\"\n";
    const auto configured =
        run_process({DEFENDER_BINARY, "doctor", "--config", conf.string()}, 60s);
    EXPECT_EQ(configured.status.code, 0) << configured.stdout_text << configured.stderr_text;
    EXPECT_TRUE(all_ok(configured.stdout_text, 8)) << configured.stdout_text;
    EXPECT_TRUE(rig.wait_for_accepted(2, 5s));
    EXPECT_FALSE(fs::exists(rig.work() / "state")) << "doctor writes no state";
}

TEST(DoctorCommand, AWrongRootCaFailsAtTheTlsStep) {
    AgentRig rig;
    rig.start_emulator(0);
    const std::string other = rig.pki().other_ca_cert().string();
    const auto run = run_process(doctor_argv(rig, {}, {{"-r", other}}), 60s);
    EXPECT_EQ(run.status.code, 4) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[2].starts_with("[ ok ] TCP connect")) << steps[2];
    EXPECT_TRUE(
        steps[3].starts_with("[FAIL] TLS handshake: server certificate verification "
                             "failed"))
        << steps[3];
    for (std::size_t i = 4; i < steps.size(); ++i)
        EXPECT_TRUE(steps[i].starts_with("[skip] ")) << steps[i];
    EXPECT_TRUE(has(run.stdout_text, "server's certificate is not signed by --root-ca " + other))
        << run.stdout_text;
    EXPECT_TRUE(has(run.stdout_text, "certificate 0: subject ")) << run.stdout_text;
    EXPECT_TRUE(has(run.stdout_text, "What to do: ")) << run.stdout_text;
}

TEST(DoctorCommand, ARefusedClientIdFailsAtConnectWithThePolicyExplanation) {
    AgentRig rig(false, {std::string("clientid_prefixes ") + kThing});
    const auto run = run_process(doctor_argv(rig, {"--client-id", "gateway-7"}), 60s);
    EXPECT_EQ(run.status.code, 4) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[3].starts_with("[ ok ] TLS handshake")) << steps[3];
    EXPECT_TRUE(steps[4].starts_with("[FAIL] MQTT CONNECT: connect to localhost:")) << steps[4];
    EXPECT_TRUE(has(steps[4],
                    "not authorized (CONNACK 5): the policy does not allow iot:Connect "
                    "for client id \"gateway-7\", the certificate is inactive or not "
                    "attached, or another client took this client id"))
        << steps[4];
    EXPECT_TRUE(steps[5].starts_with("[skip] SUBSCRIBE")) << steps[5];
    EXPECT_TRUE(has(run.stdout_text, "must allow iot:Connect for client/gateway-7"))
        << run.stdout_text;
}

TEST(DoctorCommand, NoEmulatorFailsAtTheReplyStep) {
    AgentRig rig;  // the broker takes the report, nobody answers
    const auto run = run_process(doctor_argv(rig, {"--reply-timeout", "1"}), 60s);
    EXPECT_EQ(run.status.code, 5) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[6].starts_with("[ ok ] PUBLISH: report ")) << steps[6];
    EXPECT_EQ(steps[7], "[FAIL] reply: no reply within 1 s on the accepted and rejected topics");
    EXPECT_TRUE(has(run.stdout_text,
                    "no reply: is Device Defender enabled for this "
                    "account/region, or is this an emulator without replies"))
        << run.stdout_text;
}

TEST(DoctorCommand, ARejectedReportFailsAtTheReplyStepWithItsCode) {
    AgentRig rig;
    rig.start_emulator(300);  // a second report within 300 s is Throttled
    const auto first = run_process(doctor_argv(rig, {}), 60s);
    ASSERT_EQ(first.status.code, 0) << first.stdout_text << first.stderr_text;
    const auto run = run_process(doctor_argv(rig, {}), 60s);
    EXPECT_EQ(run.status.code, 1) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[6].starts_with("[ ok ] PUBLISH: report ")) << steps[6];
    EXPECT_TRUE(steps[7].starts_with("[FAIL] reply: rejected: report ")) << steps[7];
    EXPECT_TRUE(has(steps[7], "Throttled")) << steps[7];
    EXPECT_TRUE(has(run.stdout_text, "Device Defender received the report and rejected it"))
        << run.stdout_text;
}

TEST(DoctorCommand, NothingListeningFailsAtTcp) {
    AgentRig rig;
    const std::string port = std::to_string(find_free_port());
    const auto run = run_process(doctor_argv(rig, {}, {{"-p", port}}), 60s);
    EXPECT_EQ(run.status.code, 4) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[1].starts_with("[ ok ] resolve")) << steps[1];
    EXPECT_TRUE(steps[2].starts_with("[FAIL] TCP connect: localhost:" + port + ": ")) << steps[2];
    EXPECT_TRUE(has(steps[2], "refused")) << steps[2];
    EXPECT_TRUE(has(run.stdout_text, "nothing listens on port " + port)) << run.stdout_text;
}

TEST(DoctorCommand, ANameThatDoesNotResolveFailsAtResolveAndJsonSaysSo) {
    AgentRig rig;
    auto argv = doctor_argv(rig, {}, {{"-e", "nonexistent.invalid"}});
    const auto run = run_process(argv, 60s);
    EXPECT_EQ(run.status.code, 4) << run.stdout_text << run.stderr_text;
    const auto steps = step_lines(run.stdout_text);
    ASSERT_EQ(steps.size(), 8u) << run.stdout_text;
    EXPECT_TRUE(steps[0].starts_with("[ ok ] configuration")) << steps[0];
    EXPECT_TRUE(steps[1].starts_with("[FAIL] resolve: cannot resolve host nonexistent.invalid"))
        << steps[1];

    argv.push_back("--json");
    const auto json = run_process(argv, 60s);
    EXPECT_EQ(json.status.code, 4);
    const auto document = nlohmann::json::parse(json.stdout_text);
    EXPECT_EQ(document.at("ok"), false);
    const auto& list = document.at("steps");
    ASSERT_EQ(list.size(), 8u) << json.stdout_text;
    EXPECT_EQ(list[0].at("name"), "configuration");
    EXPECT_EQ(list[0].at("result"), "ok");
    EXPECT_EQ(list[1].at("name"), "resolve");
    EXPECT_EQ(list[1].at("result"), "fail");
    EXPECT_EQ(list[1].at("failure"), "resolve");
    EXPECT_EQ(list[7].at("name"), "reply");
    EXPECT_EQ(list[7].at("result"), "skip");
    EXPECT_EQ(document.at("failure").at("step"), "resolve");
    EXPECT_FALSE(document.at("failure").at("fix").get<std::string>().empty());
}

enum class Mode { Alpn, WebSocket, MutualTlsProxy, WebSocketProxy };

struct ModeCase {
    std::string name;
    Mode mode;
};

class DoctorModes : public testing::TestWithParam<ModeCase> {};

TEST_P(DoctorModes, EveryStepOk) {
    const ModeCase& c = GetParam();
    ConnectivityRig rig;
    rig.start_emulator();
    ConnectProxy proxy;
    const std::string ca = rig.pki().ca_cert().string();
    const bool websocket = c.mode == Mode::WebSocket || c.mode == Mode::WebSocketProxy;
    std::vector<std::string> args;
    if (websocket) {
        args = {"-e", "localhost", "-p", std::to_string(rig.wss_port()), "-r", ca, "-w"};
    } else {
        args = {"-e", "localhost",
                "-p", std::to_string(rig.mtls_port()),
                "-r", ca,
                "-c", rig.pki().client().cert.string(),
                "-k", rig.pki().client().key.string()};
    }
    if (c.mode == Mode::Alpn) {
        args.push_back("--alpn");
        args.push_back("always");
    }
    const bool proxied = c.mode == Mode::MutualTlsProxy || c.mode == Mode::WebSocketProxy;
    if (proxied) {
        for (const std::string arg : {"--proxy-host", "127.0.0.1", "--proxy-port"})
            args.push_back(arg);
        args.push_back(std::to_string(proxy.port()));
    }
    auto options = rig.agent("thing-doctor", args, ConnectivityRig::credentials_environment(),
                             "doctor-" + c.name);
    options.argv[1] = "doctor";
    ChildProcess doctor(options);
    const auto status = doctor.wait_for(60s);
    ASSERT_TRUE(status) << doctor.stderr_text();
    const std::string out = doctor.stdout_text();
    EXPECT_TRUE(status->success()) << status->describe() << out << doctor.stderr_text();
    EXPECT_TRUE(all_ok(out, websocket ? 9 : 8)) << out;
    EXPECT_GE(rig.accepted(), 1u);
    if (websocket) {
        EXPECT_TRUE(has(out, "[ ok ] WebSocket upgrade: HTTP 101 Switching Protocols")) << out;
    }
    if (c.mode == Mode::Alpn) {
        EXPECT_TRUE(has(out, "ALPN: offered x-amzn-mqtt-ca")) << out;
    }
    if (proxied) {
        EXPECT_TRUE(has(out, "through HTTP proxy 127.0.0.1:" + std::to_string(proxy.port())))
            << out;
        EXPECT_GE(proxy.tunnels(), 2u);  // the steps' connection and the report's
    }
    const std::string all = out + doctor.stderr_text();
    EXPECT_FALSE(has(all, kTestSecretKey));
    EXPECT_FALSE(has(all, kTestSessionToken));
    EXPECT_FALSE(has(all, "X-Amz-Signature=")) << all;
}

INSTANTIATE_TEST_SUITE_P(Transports, DoctorModes,
                         testing::Values(ModeCase{"alpn", Mode::Alpn},
                                         ModeCase{"websocket", Mode::WebSocket},
                                         ModeCase{"proxy", Mode::MutualTlsProxy},
                                         ModeCase{"websocket_proxy", Mode::WebSocketProxy}),
                         [](const auto& info) { return info.param.name; });

// Greengrass mode: the steps against the fake nucleus, as a component would run them.
RunResult greengrass_doctor(const TempDir& dir, const std::string& socket,
                            const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "SVCUID=ABCDEFGHIJKLMNOP",
                                  "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=" + socket,
                                  "AWS_IOT_THING_NAME=GgCore",
                                  DEFENDER_BINARY,
                                  "doctor",
                                  "--state-dir",
                                  (dir / "state").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, 60s);
}

TEST(DoctorCommand, GreengrassStepsAgainstTheFakeNucleus) {
    TempDir dir;
    FakeNucleusOptions options;
    options.socket_path = dir / "ipc.socket";
    options.token = "ABCDEFGHIJKLMNOP";
    options.strict = true;
    {
        FakeNucleus nucleus(options);
        const auto run = greengrass_doctor(dir, options.socket_path.string());
        EXPECT_EQ(run.status.code, 0) << run.stdout_text << run.stderr_text;
        EXPECT_TRUE(all_ok(run.stdout_text, 6)) << run.stdout_text;
        EXPECT_TRUE(has(run.stdout_text, "[ ok ] IPC socket: " + options.socket_path.string()))
            << run.stdout_text;
        EXPECT_TRUE(has(run.stdout_text, "[ ok ] reply: accepted: report ")) << run.stdout_text;
    }
    {
        options.authorize_subscribe = false;
        FakeNucleus nucleus(options);
        const auto run = greengrass_doctor(dir, options.socket_path.string());
        EXPECT_EQ(run.status.code, 4) << run.stdout_text << run.stderr_text;
        const auto steps = step_lines(run.stdout_text);
        ASSERT_EQ(steps.size(), 6u) << run.stdout_text;
        EXPECT_TRUE(steps[2].starts_with("[ ok ] IPC connect")) << steps[2];
        EXPECT_TRUE(steps[3].starts_with("[FAIL] SUBSCRIBE: ")) << steps[3];
        EXPECT_TRUE(steps[5].starts_with("[skip] reply")) << steps[5];
    }
    const auto missing = greengrass_doctor(dir, (dir / "no.socket").string());
    EXPECT_EQ(missing.status.code, 4) << missing.stdout_text << missing.stderr_text;
    EXPECT_TRUE(has(missing.stdout_text, "[FAIL] IPC socket: " + (dir / "no.socket").string() +
                                             " is not a Unix socket (or is missing)"))
        << missing.stdout_text;
}

}  // namespace
}  // namespace defender::test
