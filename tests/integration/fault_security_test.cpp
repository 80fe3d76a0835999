// SPDX-License-Identifier: Apache-2.0
// Security properties of the running agent: no key material in any log at the highest
// verbosity (through connects, replies, rejections and failed starts), a warning at start-up
// for a private key others can read, and collection without root.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "fault_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

ProcessOptions at_trace_level(ProcessOptions options) {
    for (std::size_t i = 0; i + 1 < options.argv.size(); ++i) {
        if (options.argv[i] == "--verbosity") options.argv[i + 1] = "trace";
    }
    return options;
}

// Every base64 line of a PEM key, and its private scalar in hex (with and without colons).
std::vector<std::string> secrets_of(const std::filesystem::path& key) {
    std::vector<std::string> secrets;
    std::istringstream pem(read_file(key));
    for (std::string line; std::getline(pem, line);) {
        if (line.size() >= 16 && line.find("-----") == std::string::npos) secrets.push_back(line);
    }
    const auto text = run_process({"openssl", "pkey", "-in", key.string(), "-text", "-noout"});
    std::istringstream dump(text.stdout_text);
    std::string hex;
    bool in_private = false;
    for (std::string line; std::getline(dump, line);) {
        if (line.rfind("priv:", 0) == 0) {
            in_private = true;
            continue;
        }
        if (in_private && line.rfind("    ", 0) == 0) {
            hex += line.substr(line.find_first_not_of(' '));
        } else if (in_private) {
            break;
        }
    }
    if (hex.size() > 40) {
        secrets.push_back(hex.substr(0, 40));  // with colons
        std::string plain;
        for (char c : hex)
            if (c != ':') plain += c;
        secrets.push_back(plain.substr(0, 32));
    }
    return secrets;
}

TEST(Security, NoKeyMaterialInAnyLogAtTraceVerbosity) {
    AgentRig rig;
    rig.start_emulator(2);  // the second of two quick reports is rejected as Throttled
    {
        ChildProcess agent(at_trace_level(rig.agent({"-t", "thing-secret", "-i", "1"})));
        ASSERT_TRUE(rig.wait_for_accepted(1, 20s)) << agent.stderr_text();
        ASSERT_TRUE(eventually(
            [&] { return agent.stderr_text().find("rejected") != std::string::npos; }, 20s));
        rig.broker().restart();
        ASSERT_TRUE(eventually(
            [&] { return agent.stderr_text().find("connected again") != std::string::npos; }, 30s));
        agent.stop(5s);
    }
    {
        // A key that does not match the certificate: refused before any traffic.
        auto options = at_trace_level(rig.agent({"-t", "thing-secret"}, "mismatch"));
        for (std::size_t i = 0; i + 1 < options.argv.size(); ++i) {
            if (options.argv[i] == "-k")
                options.argv[i + 1] = (rig.pki().directory() / "ca.key").string();
        }
        ChildProcess agent(options);
        EXPECT_TRUE(agent.wait_for(20s).has_value());
    }
    rig.stop_emulator();

    std::vector<std::string> secrets;
    for (const auto& key :
         {rig.pki().client().key, (rig.pki().directory() / "ca.key"), rig.pki().server().key}) {
        const auto more = secrets_of(key);
        ASSERT_GE(more.size(), 3u) << key;
        secrets.insert(secrets.end(), more.begin(), more.end());
    }
    std::size_t logs = 0;
    std::string all = rig.broker().log();
    for (const auto& entry : std::filesystem::directory_iterator(rig.work().path())) {
        const auto name = entry.path().filename().string();
        if (!name.ends_with(".out") && !name.ends_with(".err")) continue;
        ++logs;
        all += read_file(entry.path());
    }
    EXPECT_GE(logs, 4u);
    EXPECT_GT(all.size(), 1000u) << "trace logs were written";
    for (const auto& secret : secrets)
        EXPECT_EQ(all.find(secret), std::string::npos) << "key material in a log: " << secret;
}

TEST(Security, PrivateKeyReadableByOthersWarnsOnceAtStartUp) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto loose = rig.work() / "loose.key";
    std::filesystem::copy_file(rig.pki().client().key, loose);
    std::filesystem::permissions(
        loose, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                   std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    auto options = rig.agent({"-t", "thing-loose", "-i", "0.2", "--exit-after", "3"});
    for (std::size_t i = 0; i + 1 < options.argv.size(); ++i) {
        if (options.argv[i] == "-k") options.argv[i + 1] = loose.string();
    }
    ChildProcess agent(options);
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status && status->success()) << agent.stderr_text();
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "readable by group and others"), 1u) << log;
    EXPECT_EQ(count_lines(log, "chmod 600"), 1u) << log;
}

// Listening sockets of root are visible to `nobody`: collection reads /proc/net and netlink
// (sock_diag, rtnetlink), neither of which needs a privilege.
TEST(Security, CollectionNeedsNoRoot) {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const auto port = ntohs(address.sin_port);

    // A copy of the executable where any user may run it (the build tree may be private).
    TempDir bin("defender-unprivileged-");
    std::filesystem::permissions(bin.path(), std::filesystem::perms::owner_all |
                                                 std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_exec);
    const auto binary = bin / "defender";
    std::filesystem::copy_file(DEFENDER_BINARY, binary);
    std::filesystem::permissions(
        binary, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                    std::filesystem::perms::others_exec | std::filesystem::perms::group_read |
                    std::filesystem::perms::others_read);
    std::vector<std::string> argv{binary.string(), "collect", "--include-loopback",
                                  "--max-list-size", "0"};
    if (::geteuid() == 0) {
        argv.insert(argv.begin(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                   "--inh-caps=-all", "--"});
    }
    const auto result = run_process(argv, 30s);
    ::close(listener);
    ASSERT_TRUE(result.status.success()) << result.status.describe() << result.stderr_text;
    EXPECT_EQ(result.stderr_text.find("permission"), std::string::npos) << result.stderr_text;
    const auto report = nlohmann::json::parse(result.stdout_text, nullptr, false);
    ASSERT_TRUE(report.is_object()) << result.stdout_text;
    bool found = false;
    for (const auto& entry : report["metrics"]["listening_tcp_ports"]["ports"])
        found = found || entry.value("port", 0) == port;
    EXPECT_TRUE(found) << "root's listener is missing from the unprivileged collection:\n"
                       << result.stdout_text;
}

}  // namespace
}  // namespace defender::test
