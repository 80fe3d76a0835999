// TLS 1.2 is the floor, set by the transport itself rather than left to the system's OpenSSL
// configuration: with an OPENSSL_CONF that allows TLS 1.0 at security level 0 (where the
// openssl tool does negotiate TLS 1.1), the agent still refuses a server limited to TLS 1.1,
// in mutual-TLS and WebSocket mode. (mosquitto 2.0.11 on Debian 12 cannot offer TLS 1.1 at
// all under the default configuration, so an `openssl s_server -tls1_1` plays the server.)

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "ports.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

class TlsMinimum : public testing::TestWithParam<bool> {};

TEST_P(TlsMinimum, ServerLimitedToTls11IsRefusedEvenWhenOpensslWouldAllowIt) {
    const bool websocket = GetParam();
    ConnectivityRig rig;
    const auto permissive = rig.work() / "permissive-openssl.cnf";
    std::ofstream(permissive)
        << "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
           "[ssl_sect]\nsystem_default = system_default_sect\n"
           "[system_default_sect]\nMinProtocol = TLSv1\n"
           "CipherString = DEFAULT:@SECLEVEL=0\n";
    const auto port = find_free_port();
    // `sleep` keeps s_server's standard input open: at end of input it would quit.
    ChildProcess server(ProcessOptions{
        {"sh", "-c",
         "sleep 60 | exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
             rig.pki().server().cert.string() + " -key " + rig.pki().server().key.string() +
             " -tls1_1 -cipher DEFAULT:@SECLEVEL=0"},
        rig.work() / "s_server.out",
        rig.work() / "s_server.err",
        {"OPENSSL_CONF=" + permissive.string()},
        {}});
    ASSERT_TRUE(wait_until_accepting(port, 5s));

    // The openssl tool under the same configuration does speak TLS 1.1 to it.
    const auto probe =
        run_process({"sh", "-c",
                     "echo | OPENSSL_CONF=" + permissive.string() +
                         " openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " 2>&1"},
                    10s);
    if (probe.stdout_text.find("Protocol  : TLSv1.1") == std::string::npos)
        GTEST_SKIP() << "this OpenSSL cannot negotiate TLS 1.1 at all: " << probe.stdout_text;

    std::vector<std::string> args{
        "-e", "localhost", "-p", std::to_string(port), "-r", rig.pki().ca_cert().string()};
    if (websocket) {
        args.push_back("-w");
    } else {
        for (const auto& file : {std::string("-c"), rig.pki().client().cert.string(),
                                 std::string("-k"), rig.pki().client().key.string()})
            args.push_back(file);
    }
    auto env = ConnectivityRig::credentials_environment();
    env.push_back("OPENSSL_CONF=" + permissive.string());
    ChildProcess agent(rig.agent(websocket ? "thing-tls-ws" : "thing-tls", args, env,
                                 websocket ? "agent-tls11-ws" : "agent-tls11"));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (agent.stderr_text().find("cannot connect") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    agent.stop(5s);
    server.stop(2s);
    const std::string log = agent.stderr_text();
    EXPECT_NE(log.find("cannot connect: connect to localhost:" + std::to_string(port) +
                       " failed: TLS handshake failed"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("connected"), std::string::npos) << log;
    // The server saw a client hello without any protocol version it could accept.
    const std::string server_output = server.stdout_text() + server.stderr_text();
    EXPECT_NE(server_output.find("unsupported protocol"), std::string::npos) << server_output;
}

INSTANTIATE_TEST_SUITE_P(MutualTlsAndWebsocket, TlsMinimum, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                             return info.param ? "websocket" : "mutual_tls";
                         });

}  // namespace
}  // namespace defender::test
