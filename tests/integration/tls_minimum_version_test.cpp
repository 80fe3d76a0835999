// SPDX-License-Identifier: Apache-2.0
// TLS 1.2 is the floor, set by the transport itself rather than left to the system's
// configuration: with an OPENSSL_CONF that allows TLS 1.0 at security level 0 (where the
// openssl tool does negotiate TLS 1.1; the agent's mbed TLS does not read it anyway), the agent
// still refuses a server limited to TLS 1.1, in mutual-TLS and WebSocket mode. (mosquitto 2.0.11 on
// Debian 12 cannot offer TLS 1.1 at all under the default configuration, so an `openssl s_server
// -tls1_1` plays the server.)

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "ports.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

enum class Stack { MutualTls, Websocket };

class TlsMinimum : public testing::TestWithParam<Stack> {};

struct Attempt {
    std::string agent_log;
    std::string server_output;
    std::uint16_t port = 0;
};

// Runs `openssl s_server` with `server_options` under a permissive OpenSSL configuration and
// the agent of `stack` against it until its first failed connect.
Attempt connect_to_s_server(Stack stack, ConnectivityRig& rig, const std::filesystem::path& config,
                            const std::string& server_options, const std::string& name) {
    const bool websocket = stack == Stack::Websocket;
    Attempt attempt;
    attempt.port = find_free_port();
    const std::string port = std::to_string(attempt.port);
    // `sleep` keeps s_server's standard input open: at end of input it would quit.
    ChildProcess server(
        ProcessOptions{{"sh", "-c",
                        "sleep 60 | exec openssl s_server -accept 127.0.0.1:" + port + " -cert " +
                            rig.pki().server().cert.string() + " -key " +
                            rig.pki().server().key.string() + " " + server_options},
                       rig.work() / (name + "-s_server.out"),
                       rig.work() / (name + "-s_server.err"),
                       {"OPENSSL_CONF=" + config.string()},
                       {}});
    if (!wait_until_accepting(attempt.port, 5s)) return attempt;

    std::vector<std::string> args{"-e", "localhost", "-p",
                                  port, "-r",        rig.pki().ca_cert().string()};
    if (websocket) {
        args.push_back("-w");
    } else {
        for (const auto& file : {std::string("-c"), rig.pki().client().cert.string(),
                                 std::string("-k"), rig.pki().client().key.string()})
            args.push_back(file);
    }
    auto env = ConnectivityRig::credentials_environment();
    env.push_back("OPENSSL_CONF=" + config.string());
    const std::string stack_name = websocket ? "ws" : "mtls";
    ChildProcess agent(rig.agent("thing-tls-" + stack_name, args, env, name + "-" + stack_name));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (agent.stderr_text().find("cannot connect") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    agent.stop(5s);
    server.stop(2s);
    attempt.agent_log = agent.stderr_text();
    attempt.server_output = server.stdout_text() + server.stderr_text();
    return attempt;
}

// The agent never connected: each attempt failed at the TLS handshake.
void expect_refused_handshake(const Attempt& attempt) {
    const std::string& log = attempt.agent_log;
    EXPECT_NE(log.find("cannot connect: connect to localhost:" + std::to_string(attempt.port) +
                       " failed: TLS handshake failed"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("connected"), std::string::npos) << log;
}

std::filesystem::path permissive_openssl_config(ConnectivityRig& rig) {
    const auto permissive = rig.work() / "permissive-openssl.cnf";
    std::ofstream(permissive)
        << "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
           "[ssl_sect]\nsystem_default = system_default_sect\n"
           "[system_default_sect]\nMinProtocol = TLSv1\n"
           "CipherString = DEFAULT:@SECLEVEL=0\n";
    return permissive;
}

TEST_P(TlsMinimum, ServerLimitedToTls11IsRefusedEvenWhenOpensslWouldAllowIt) {
    ConnectivityRig rig;
    const auto permissive = permissive_openssl_config(rig);
    // The openssl tool under the same configuration does speak TLS 1.1 to such a server.
    {
        const auto port = find_free_port();
        ChildProcess server(ProcessOptions{
            {"sh", "-c",
             "sleep 60 | exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) +
                 " -cert " + rig.pki().server().cert.string() + " -key " +
                 rig.pki().server().key.string() + " -tls1_1 -cipher DEFAULT:@SECLEVEL=0"},
            rig.work() / "probe-s_server.out",
            rig.work() / "probe-s_server.err",
            {"OPENSSL_CONF=" + permissive.string()},
            {}});
        ASSERT_TRUE(wait_until_accepting(port, 5s));
        const auto probe = run_process(
            {"sh", "-c",
             "echo | OPENSSL_CONF=" + permissive.string() +
                 " openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " 2>&1"},
            10s);
        if (probe.stdout_text.find("Protocol  : TLSv1.1") == std::string::npos)
            GTEST_SKIP() << "this OpenSSL cannot negotiate TLS 1.1 at all: " << probe.stdout_text;
    }

    const auto attempt = connect_to_s_server(GetParam(), rig, permissive,
                                             "-tls1_1 -cipher DEFAULT:@SECLEVEL=0", "tls11");
    const std::string& log = attempt.agent_log;
    expect_refused_handshake(attempt);
    // mbed TLS offers only TLS 1.2's AES-GCM suites, which TLS 1.1 does not have.
    EXPECT_NE(log.find("the server accepts none of the offered TLS 1.2 cipher suites"),
              std::string::npos)
        << log;
    EXPECT_NE(attempt.server_output.find("no shared cipher"), std::string::npos)
        << attempt.server_output;
}

// Issue #19.15: the agent once agreed to TLS_RSA_WITH_AES_128_CBC_SHA (no forward secrecy,
// no AEAD). Only ECDHE with AES-GCM is offered now, as AWS IoT serves.
TEST_P(TlsMinimum, ServerLimitedToStaticRsaAes128ShaIsRefused) {
    ConnectivityRig rig;
    const auto permissive = permissive_openssl_config(rig);
    const auto attempt = connect_to_s_server(GetParam(), rig, permissive,
                                             "-tls1_2 -cipher AES128-SHA:@SECLEVEL=0", "rsa");
    expect_refused_handshake(attempt);
    // The server found no suite in common.
    EXPECT_NE(attempt.server_output.find("no shared cipher"), std::string::npos)
        << attempt.server_output;
}

INSTANTIATE_TEST_SUITE_P(MutualTlsAndWebsocket, TlsMinimum,
                         testing::Values(Stack::MutualTls, Stack::Websocket),
                         [](const testing::TestParamInfo<Stack>& info) {
                             return info.param == Stack::MutualTls ? "mutual_tls" : "websocket";
                         });

}  // namespace
}  // namespace defender::test
