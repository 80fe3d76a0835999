// SPDX-License-Identifier: Apache-2.0
// `defender agent` through an HTTP CONNECT proxy (tests/support ConnectProxy) in each mode:
// mutual TLS, mutual TLS with ALPN, and WebSocket with SigV4; the proxy given by flags, or by
// HTTPS_PROXY with basic authentication; NO_PROXY; a refusing proxy; no secrets in the logs.

#include <gtest/gtest.h>

#include <regex>

#include "connect_proxy.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

enum class Mode { MutualTls, Alpn, WebSocket };

struct ProxyCase {
    std::string name;
    Mode mode;
    bool with_auth;  ///< HTTPS_PROXY=http://user:pass@... instead of --proxy-host/--proxy-port
};

std::vector<std::string> mode_args(ConnectivityRig& rig, Mode mode) {
    const std::string ca = rig.pki().ca_cert().string();
    switch (mode) {
        case Mode::WebSocket:
            return {"-e", "localhost", "-p", std::to_string(rig.wss_port()), "-r", ca, "-w"};
        case Mode::Alpn:
        case Mode::MutualTls: {
            std::vector<std::string> args{"-e", "localhost",
                                          "-p", std::to_string(rig.mtls_port()),
                                          "-r", ca,
                                          "-c", rig.pki().client().cert.string(),
                                          "-k", rig.pki().client().key.string()};
            if (mode == Mode::Alpn) {
                args.push_back("--alpn");
                args.push_back("always");
            }
            return args;
        }
    }
    return {};
}

class ProxiedAgent : public testing::TestWithParam<ProxyCase> {};

TEST_P(ProxiedAgent, ReportsGoThroughTheTunnel) {
    const ProxyCase& c = GetParam();
    ConnectivityRig rig;
    rig.start_emulator();
    ConnectProxyOptions proxy_options;
    if (c.with_auth) proxy_options = {"proxy-user", "p@ss:w0rd/secret", false};
    ConnectProxy proxy(proxy_options);
    auto args = mode_args(rig, c.mode);
    std::vector<std::string> env = ConnectivityRig::credentials_environment();
    if (c.with_auth) {
        env.push_back("HTTPS_PROXY=http://proxy-user:p%40ss%3Aw0rd%2Fsecret@127.0.0.1:" +
                      std::to_string(proxy.port()));
    } else {
        for (const std::string arg : {"--proxy-host", "127.0.0.1", "--proxy-port"})
            args.push_back(arg);
        args.push_back(std::to_string(proxy.port()));
    }
    for (const char* extra : {"--exit-after", "1", "--verbosity", "debug"})
        args.push_back(extra);
    ChildProcess agent(rig.agent("thing-proxy", args, env, "agent-" + c.name));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << status->describe() << agent.stderr_text();
    EXPECT_GE(rig.accepted(), 1u);
    ASSERT_GE(proxy.tunnels(), 1u) << agent.stderr_text();
    const auto first = proxy.connects().front();
    const auto port = c.mode == Mode::WebSocket ? rig.wss_port() : rig.mtls_port();
    EXPECT_EQ(first.target, "localhost:" + std::to_string(port));
    if (c.with_auth) {
        // base64("proxy-user:p@ss:w0rd/secret")
        EXPECT_EQ(first.proxy_authorization, "Basic cHJveHktdXNlcjpwQHNzOncwcmQvc2VjcmV0");
    }
    const std::string log = agent.stderr_text();
    EXPECT_NE(log.find("through proxy 127.0.0.1:" + std::to_string(proxy.port())),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("w0rd"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Modes, ProxiedAgent,
                         testing::Values(ProxyCase{"mtls_flags", Mode::MutualTls, false},
                                         ProxyCase{"mtls_auth", Mode::MutualTls, true},
                                         ProxyCase{"alpn_flags", Mode::Alpn, false},
                                         ProxyCase{"alpn_auth", Mode::Alpn, true},
                                         ProxyCase{"wss_flags", Mode::WebSocket, false},
                                         ProxyCase{"wss_auth", Mode::WebSocket, true}),
                         [](const testing::TestParamInfo<ProxyCase>& info) {
                             return info.param.name;
                         });

TEST(ProxyEnvironment, NoProxyNamingTheEndpointMeansDirectForEitherSpelling) {
    ConnectivityRig rig;
    rig.start_emulator();
    ConnectProxy proxy({"", "", true});  // would refuse, if it were used
    const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
    auto args = mode_args(rig, Mode::MutualTls);
    for (const char* extra : {"--exit-after", "1"})
        args.push_back(extra);
    // Both spellings of the proxy variable, and NO_PROXY naming the endpoint as a domain.
    ChildProcess agent(rig.agent("thing-noproxy", args,
                                 {"https_proxy=" + url, "HTTPS_PROXY=" + url,
                                  "NO_PROXY=example.com,.localhost,localhost:8883"},
                                 "agent-noproxy"));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_TRUE(proxy.connects().empty());
}

TEST(ProxyEnvironment, RefusingProxyIsAClearErrorAndRetriedWithBackoff) {
    ConnectivityRig rig;
    ConnectProxy proxy({"", "", true});
    auto args = mode_args(rig, Mode::MutualTls);
    for (const std::string& extra :
         std::vector<std::string>{"--proxy-host", "127.0.0.1", "--proxy-port",
                                  std::to_string(proxy.port()), "--verbosity", "debug"})
        args.push_back(extra);
    ChildProcess agent(rig.agent("thing-refused", args, {}, "agent-refused"));
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const auto failures = [&] {
        std::size_t count = 0;
        const std::string log = agent.stderr_text();
        for (auto at = log.find("HTTP 403; retrying in"); at != std::string::npos;
             at = log.find("HTTP 403; retrying in", at + 1))
            ++count;
        return count;
    };
    // Two attempts, each one CONNECT (the MQTT client reads the proxy's answer itself).
    while (failures() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    agent.stop(5s);
    EXPECT_GE(failures(), 2u) << agent.stderr_text();
    EXPECT_GE(proxy.connects().size(), 2u);
    const std::string log = agent.stderr_text();
    const std::string expected =
        "cannot connect: connect to localhost:" + std::to_string(rig.mtls_port()) +
        " via proxy 127.0.0.1:" + std::to_string(proxy.port()) +
        " failed: proxy 127.0.0.1:" + std::to_string(proxy.port()) +
        " refused CONNECT to localhost:" + std::to_string(rig.mtls_port()) +
        ": HTTP 403; retrying in";
    EXPECT_NE(log.find(expected), std::string::npos) << log;
}

TEST(ProxyEnvironment, WrongProxyPasswordSays407) {
    ConnectivityRig rig;
    ConnectProxy proxy({"u", "right", false});
    auto args = mode_args(rig, Mode::MutualTls);
    ChildProcess agent(rig.agent(
        "thing-407", args, {"HTTPS_PROXY=http://u:wrong@127.0.0.1:" + std::to_string(proxy.port())},
        "agent-407"));
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (agent.stderr_text().find("HTTP 407") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    agent.stop(5s);
    EXPECT_NE(
        agent.stderr_text().find("refused CONNECT to localhost:" + std::to_string(rig.mtls_port()) +
                                 ": HTTP 407 (wrong proxy user name or password)"),
        std::string::npos)
        << agent.stderr_text();
    EXPECT_EQ(agent.stderr_text().find("wrong@"), std::string::npos);
}

TEST(ProxyEnvironment, MalformedProxyVariableExitsWithCode2) {
    ConnectivityRig rig;
    ChildProcess agent(rig.agent("thing-bad", mode_args(rig, Mode::MutualTls),
                                 {"HTTPS_PROXY=socks5://u:secretpw@127.0.0.1:1080"}, "agent-bad"));
    const auto status = agent.wait_for(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 2);
    EXPECT_NE(agent.stderr_text().find("HTTPS_PROXY: proxy scheme socks5:// is not supported"),
              std::string::npos)
        << agent.stderr_text();
    EXPECT_EQ(agent.stderr_text().find("secretpw"), std::string::npos);
}

TEST(ProxyOptions, HostWithoutPortAndBadAlpnValueExitWithCode2) {
    ConnectivityRig rig;
    auto args = mode_args(rig, Mode::MutualTls);
    args.push_back("--proxy-host");
    args.push_back("127.0.0.1");
    ChildProcess half(rig.agent("thing-half", args, {}, "agent-half"));
    const auto status = half.wait_for(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 2);
    EXPECT_NE(half.stderr_text().find("--proxy-host and --proxy-port go together"),
              std::string::npos)
        << half.stderr_text();

    auto alpn = mode_args(rig, Mode::MutualTls);
    alpn.push_back("--alpn");
    alpn.push_back("sometimes");
    ChildProcess bad(rig.agent("thing-alpn-bad", alpn, {}, "agent-alpn-bad"));
    const auto bad_status = bad.wait_for(20s);
    ASSERT_TRUE(bad_status);
    EXPECT_EQ(bad_status->code, 2) << bad.stderr_text();
}

TEST(Secrets, TraceVerbosityInWebsocketAndProxyAuthModeLeaksNothing) {
    ConnectivityRig rig;
    rig.start_emulator();
    const std::string password = "Pr0xyPa55-secret";
    ConnectProxy proxy({"agent", password, false});
    auto args = mode_args(rig, Mode::WebSocket);
    for (const char* extra : {"--exit-after", "2", "--verbosity", "trace"})
        args.push_back(extra);
    auto env = ConnectivityRig::credentials_environment();
    env.push_back("HTTPS_PROXY=http://agent:" + password +
                  "@127.0.0.1:" + std::to_string(proxy.port()));
    ChildProcess agent(rig.agent("thing-secrets", args, env, "agent-secrets"));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    ASSERT_GE(proxy.tunnels(), 1u);
    const std::string output = agent.stderr_text() + agent.stdout_text();
    EXPECT_NE(output.find("X-Amz-Signature=<redacted>"), std::string::npos) << output;
    for (const std::string& secret :
         std::vector<std::string>{kTestSecretKey, kTestSessionToken, password,
                                  proxy.connects().front().proxy_authorization.substr(6)}) {
        EXPECT_EQ(output.find(secret), std::string::npos) << secret;
    }
    // The URL-encoded token, and any 64-hex-digit signature.
    EXPECT_EQ(output.find("wsTestSessionTokenXYZ"), std::string::npos);
    EXPECT_FALSE(std::regex_search(output, std::regex("[0-9a-f]{64}"))) << output;
}

}  // namespace
}  // namespace defender::test
