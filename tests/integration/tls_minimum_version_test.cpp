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

enum class Stack { LeanMutualTls, PahoMutualTls, PahoWebsocket };

class TlsMinimum : public testing::TestWithParam<Stack> {};

TEST_P(TlsMinimum, ServerLimitedToTls11IsRefusedEvenWhenOpensslWouldAllowIt) {
    const bool websocket = GetParam() == Stack::PahoWebsocket;
    const bool lean = GetParam() == Stack::LeanMutualTls;
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
        if (!lean) {
            args.push_back("--mqtt-client");
            args.push_back("paho");
        }
    }
    auto env = ConnectivityRig::credentials_environment();
    env.push_back("OPENSSL_CONF=" + permissive.string());
    const std::string name = websocket ? "ws" : lean ? "lean" : "paho";
    ChildProcess agent(rig.agent("thing-tls-" + name, args, env, "agent-tls11-" + name));
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
    const std::string server_output = server.stdout_text() + server.stderr_text();
    if (lean) {
        // mbed TLS offers TLS 1.2 at most and answers the server's 1.1 with an alert.
        EXPECT_NE(log.find("the server offered a TLS version older than 1.2"), std::string::npos)
            << log;
        EXPECT_NE(server_output.find("alert protocol version"), std::string::npos) << server_output;
    } else {
        // The server saw a client hello without any protocol version it could accept.
        EXPECT_NE(server_output.find("unsupported protocol"), std::string::npos) << server_output;
    }
}

INSTANTIATE_TEST_SUITE_P(MutualTlsAndWebsocket, TlsMinimum,
                         testing::Values(Stack::LeanMutualTls, Stack::PahoMutualTls,
                                         Stack::PahoWebsocket),
                         [](const testing::TestParamInfo<Stack>& info) {
                             switch (info.param) {
                                 case Stack::LeanMutualTls:
                                     return "mutual_tls";
                                 case Stack::PahoMutualTls:
                                     return "mutual_tls_paho";
                                 case Stack::PahoWebsocket:
                                     break;
                             }
                             return "websocket";
                         });

}  // namespace
}  // namespace defender::test
