// SPDX-License-Identifier: Apache-2.0
// Hostile inputs: a broker that floods the agent (tests/support/hostile_broker.hpp). Whatever
// it sends, and however fast, the agent's resident memory stays bounded, it stays up, and it
// connects again when the broker drops it. 32 MiB is a sanity bound for the test (the agent
// idles at about 8 MiB); bench/broker_flood.sh measures the figures of docs/reliability.md.
// The same floods come over mutual TLS and over WebSocket (`agent -w`, fake SigV4 credentials
// the hostile broker does not check), one binary frame per MQTT packet or fragmented.

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <thread>

#include "child_process.hpp"
#include "fault_rig.hpp"
#include "hostile_broker.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kRssBoundKib = 32 * 1024;
// Over WebSocket the bound is issue #19's target itself: 16 MiB.
constexpr std::uint64_t kWebSocketRssBoundKib = 16 * 1024;

/// A line of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"); 0 when the process is gone.
std::uint64_t status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
    }
    return 0;
}

struct FloodCase {
    const char* name;
    HostileBrokerOptions::Flood flood;
    /// The broker drops each connection after this many flood bytes.
    std::uint64_t bytes_per_connection;
    /// MQTT over WebSocket over TLS instead of mutual TLS.
    bool websocket = false;
    /// WebSocket: 0 for one frame per MQTT packet, else fragments of this many bytes.
    std::size_t frame_bytes = 0;
};

class HostileBrokerTest : public ::testing::TestWithParam<FloodCase> {};

TEST_P(HostileBrokerTest, AFloodKeepsTheAgentsMemoryBoundedAndItReconnects) {
    const FloodCase& flood = GetParam();
    TestPki pki;
    TempDir work;
    HostileBroker broker(HostileBrokerOptions{.cert = pki.server().cert,
                                              .key = pki.server().key,
                                              .thing_name = "flood-thing",
                                              .flood = flood.flood,
                                              .payload_bytes = 262'000,
                                              .close_after_bytes = flood.bytes_per_connection,
                                              .port = 0,
                                              .websocket = flood.websocket,
                                              .frame_bytes = flood.frame_bytes});
    std::vector<std::string> connection{"-c", pki.client().cert.string(), "-k",
                                        pki.client().key.string()};
    std::vector<std::string> environment;
    if (flood.websocket) {
        // SigV4 needs credentials; the hostile broker does not check the signed URL.
        connection = {"-w", "--signing-region", "us-east-1"};
        environment = {"AWS_ACCESS_KEY_ID=AKIDDEFENDERFLOOD01",
                       "AWS_SECRET_ACCESS_KEY=floodSecretKey0123456789",
                       "AWS_SESSION_TOKEN=",
                       "AWS_PROFILE=",
                       "AWS_EC2_METADATA_DISABLED=true",
                       "HOME=" + (work / "home").string()};
    }
    // A report every second that the broker never acknowledges: the agent's loop spends most
    // of its time waiting for a PUBACK while the messages pile up.
    std::vector<std::string> argv{DEFENDER_BINARY,
                                  "agent",
                                  "-e",
                                  "localhost",
                                  "-p",
                                  std::to_string(broker.port()),
                                  "-r",
                                  pki.ca_cert().string()};
    argv.insert(argv.end(), connection.begin(), connection.end());
    for (const std::string& arg :
         {std::string("-t"), std::string("flood-thing"), std::string("--interval"),
          std::string("1"), std::string("--allow-short-interval"), std::string("--reply-timeout"),
          std::string("0.5"), std::string("--state-dir"), (work / "state").string()}) {
        argv.push_back(arg);
    }
    ChildProcess agent(ProcessOptions{.argv = argv,
                                      .stdout_path = work / "agent.out",
                                      .stderr_path = work / "agent.err",
                                      .environment = environment,
                                      .working_directory = {}});

    // A connection's worth of flood, and more after the agent reconnected. Bounded.
    const std::uint64_t enough = flood.bytes_per_connection + 32 * kMiB;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::uint64_t peak_rss_kib = 0;
    while (std::chrono::steady_clock::now() < deadline && agent.running() &&
           (broker.flood_bytes() < enough || broker.subscribed_connections() < 2)) {
        peak_rss_kib = std::max(peak_rss_kib, status_kib(agent.pid(), "VmRSS"));
        std::this_thread::sleep_for(20ms);
    }
    // The kernel's high-water mark catches a peak between two samples.
    peak_rss_kib = std::max(peak_rss_kib, status_kib(agent.pid(), "VmHWM"));
    const std::string log = read_file(work / "agent.err");
    const std::string context =
        "flood bytes sent: " + std::to_string(broker.flood_bytes()) +
        ", connections: " + std::to_string(broker.subscribed_connections()) + "\nagent log:\n" +
        log.substr(0, 3000);

    ASSERT_TRUE(agent.running()) << context;
    EXPECT_GE(broker.subscribed_connections(), 2u) << context;
    EXPECT_GE(broker.flood_bytes(), enough) << context;
    EXPECT_GT(peak_rss_kib, 0u);
    EXPECT_LT(peak_rss_kib, flood.websocket ? kWebSocketRssBoundKib : kRssBoundKib) << context;
    // Messages dropped from the queue: one warning at most (repeats are debug lines).
    EXPECT_LE(count_warnings(log, "message(s) from the broker, sent faster than"), 1u) << context;
    std::cout << flood.name << ": " << broker.flood_bytes() / kMiB << " MiB flooded over "
              << broker.subscribed_connections() << " connections, agent peak RSS " << peak_rss_kib
              << " KiB\n";
    EXPECT_TRUE(agent.stop(5s).exited) << context;
}

INSTANTIATE_TEST_SUITE_P(
    Floods, HostileBrokerTest,
    ::testing::Values(
        // 262 000-byte PUBLISHes (just under the 256 KiB limit: each one is read whole).
        FloodCase{"LargePublishes", HostileBrokerOptions::Flood::large_publishes, 96 * kMiB},
        // PUBLISHes declaring 268 435 455 bytes, whose payload streams in at full speed.
        FloodCase{"EndlessPublish", HostileBrokerOptions::Flood::endless_publish, 96 * kMiB},
        // SUBACKs nobody asked for, each with 262 000 return codes.
        FloodCase{"UnsolicitedSubacks", HostileBrokerOptions::Flood::unsolicited_subacks,
                  96 * kMiB},
        // The same over WebSocket, shorter (32 MiB a connection, some 5 s under load): one
        // binary frame per MQTT packet (the endless PUBLISH is one frame declaring 268 435 455
        // bytes and more) ...
        FloodCase{"WebSocketLargePublishes", HostileBrokerOptions::Flood::large_publishes,
                  32 * kMiB, true, 0},
        FloodCase{"WebSocketEndlessPublish", HostileBrokerOptions::Flood::endless_publish,
                  32 * kMiB, true, 0},
        FloodCase{"WebSocketUnsolicitedSubacks", HostileBrokerOptions::Flood::unsolicited_subacks,
                  32 * kMiB, true, 0},
        // ... and fragmented: 262 000-byte PUBLISHes in frames of 1 000 bytes, the endless
        // PUBLISH in 64 KiB continuation frames.
        FloodCase{"WebSocketFragmentedPublishes", HostileBrokerOptions::Flood::large_publishes,
                  32 * kMiB, true, 1000},
        FloodCase{"WebSocketFragmentedEndlessPublish", HostileBrokerOptions::Flood::endless_publish,
                  32 * kMiB, true, 1000}),
    [](const ::testing::TestParamInfo<FloodCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace defender::test
