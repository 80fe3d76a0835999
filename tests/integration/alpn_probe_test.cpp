// SPDX-License-Identifier: Apache-2.0
// ALPN x-amzn-mqtt-ca: an `openssl s_server -alpn x-amzn-mqtt-ca` probe on 127.0.0.1 shows
// what `defender agent` offers: automatically on port 443, with --alpn always on any port,
// never over WebSocket (AlpnDecision). mosquitto ignores ALPN, so the agent reaches it with
// ALPN offered, directly here and through a proxy in proxy_agent_test.

#include <gtest/gtest.h>

#include <thread>

#include "defender/mqtt_transport.hpp"
#include "ports.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

/// `openssl s_server` with ALPN on `port`; nullopt when it cannot listen there.
std::optional<ChildProcess> alpn_server(ConnectivityRig& rig, std::uint16_t port,
                                        const std::string& name) {
    // `sleep` keeps s_server's standard input open: at end of input it would quit.
    ChildProcess server(ProcessOptions{
        {"sh", "-c",
         "sleep 60 | exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
             rig.pki().server().cert.string() + " -key " + rig.pki().server().key.string() +
             " -alpn x-amzn-mqtt-ca"},
        rig.work() / (name + ".out"),
        rig.work() / (name + ".err"),
        {},
        {}});
    if (!wait_until_accepting(port, 5s) || !server.running()) return std::nullopt;
    return server;
}

std::string offered(ChildProcess& server, ChildProcess& agent) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline &&
           server.stdout_text().find("ALPN protocols advertised by the client") ==
               std::string::npos &&
           server.running())
        std::this_thread::sleep_for(50ms);
    agent.kill();
    server.stop(2s);
    return server.stdout_text();
}

std::vector<std::string> mtls_args(ConnectivityRig& rig, std::uint16_t port) {
    return {"-e", "localhost",
            "-p", std::to_string(port),
            "-r", rig.pki().ca_cert().string(),
            "-c", rig.pki().client().cert.string(),
            "-k", rig.pki().client().key.string()};
}

TEST(AlpnProbe, AlwaysOffersXAmznMqttCaOnAnyPort) {
    ConnectivityRig rig;
    const auto port = find_free_port();
    auto server = alpn_server(rig, port, "s_server");
    ASSERT_TRUE(server);
    auto args = mtls_args(rig, port);
    args.push_back("--alpn");
    args.push_back("always");
    ChildProcess agent(rig.agent("thing-alpn", args, {}, "agent-alpn"));
    const std::string text = offered(*server, agent);
    EXPECT_NE(text.find("ALPN protocols advertised by the client: x-amzn-mqtt-ca"),
              std::string::npos)
        << text;
}

TEST(AlpnProbe, NotOfferedOnOtherPortsByDefault) {
    ConnectivityRig rig;
    const auto port = find_free_port();
    auto server = alpn_server(rig, port, "s_server");
    ASSERT_TRUE(server);
    ChildProcess agent(rig.agent("thing-noalpn", mtls_args(rig, port), {}, "agent-noalpn"));
    // The handshake completes (s_server prints the cipher) without any ALPN line.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server->stdout_text().find("CIPHER is") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    agent.kill();
    server->stop(2s);
    const std::string text = server->stdout_text();
    EXPECT_NE(text.find("CIPHER is"), std::string::npos) << text;
    EXPECT_EQ(text.find("ALPN protocols advertised"), std::string::npos) << text;
}

TEST(AlpnProbe, OfferedAutomaticallyOnPort443) {
    ConnectivityRig rig;
    if (accepts_connections(443)) GTEST_SKIP() << "127.0.0.1:443 is in use";
    auto server = alpn_server(rig, 443, "s_server_443");
    if (!server) GTEST_SKIP() << "cannot listen on 127.0.0.1:443 (not root?)";
    ChildProcess agent(rig.agent("thing-443", mtls_args(rig, 443), {}, "agent-443"));
    const std::string text = offered(*server, agent);
    EXPECT_NE(text.find("ALPN protocols advertised by the client: x-amzn-mqtt-ca"),
              std::string::npos)
        << text;
}

TEST(AlpnAgent, ReportsReachTheEmulatorWithAlpnOfferedToMosquitto) {
    ConnectivityRig rig;
    rig.start_emulator();
    auto args = mtls_args(rig, rig.mtls_port());
    for (const char* extra : {"--alpn", "always", "--exit-after", "1"})
        args.push_back(extra);
    ChildProcess agent(rig.agent("thing-alpn-direct", args, {}, "agent-alpn-direct"));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_GE(rig.accepted(), 1u);
}

TEST(AlpnDecision, PortModeAndWebsocket) {
    MqttSettings settings;
    settings.port = 443;
    EXPECT_TRUE(offers_aws_alpn(settings));
    settings.port = 8883;
    EXPECT_FALSE(offers_aws_alpn(settings));
    settings.alpn = AlpnMode::Always;
    EXPECT_TRUE(offers_aws_alpn(settings));
    settings.alpn = AlpnMode::Automatic;
    settings.port = 443;
    settings.use_websocket = true;  // AWS IoT: wss on 443 without ALPN
    EXPECT_FALSE(offers_aws_alpn(settings));
    settings.alpn = AlpnMode::Never;
    settings.use_websocket = false;
    EXPECT_FALSE(offers_aws_alpn(settings));
}

}  // namespace
}  // namespace defender::test
