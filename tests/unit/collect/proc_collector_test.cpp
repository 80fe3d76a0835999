// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "defender/collector.hpp"

namespace defender {
namespace {

const std::string kFixtures = DEFENDER_FIXTURES "/proc";

IpAddress address(const char* text) {
    return IpAddress::parse(text).value();
}

/// The addresses of the imaginary gateway the fixtures describe.
AddressSource fixed_address_source() {
    AddressSource source;
    source.addresses = []() -> Result<std::vector<InterfaceAddress>> {
        return std::vector<InterfaceAddress>{
            {"lo", address("127.0.0.1")},        {"lo", address("::1")},
            {"eth0", address("192.168.0.1")},    {"eth0", address("2001:db8::1")},
            {"eth0", address("fe80::1")},        {"br-lan", address("10.0.0.1")},
            {"eth0.100", address("10.100.0.1")},
        };
    };
    source.is_loopback = [](const std::string& name) { return name == "lo"; };
    return source;
}

ProcCollector collector_for(const std::string& root, bool cpu = true) {
    CollectorOptions options;
    options.procfs = root;
    options.cpu = cpu;
    options.address_source = fixed_address_source();
    return ProcCollector(std::move(options));
}

std::vector<std::string> describe(const std::vector<ListeningSocket>& sockets) {
    std::vector<std::string> out;
    for (const auto& socket : sockets) {
        out.push_back(socket.address.with_port(socket.port));
    }
    return out;
}

std::vector<std::string> describe(const std::vector<TcpConnection>& connections) {
    std::vector<std::string> out;
    for (const auto& c : connections) {
        out.push_back(c.local.with_port(c.local_port) + " " + c.remote.with_port(c.remote_port));
    }
    return out;
}

std::vector<std::string> describe(const std::vector<InterfaceCounters>& interfaces) {
    std::vector<std::string> out;
    for (const auto& c : interfaces) {
        out.push_back(c.name + " " + std::to_string(c.bytes_in) + " " +
                      std::to_string(c.packets_in) + " " + std::to_string(c.bytes_out) + " " +
                      std::to_string(c.packets_out) + (c.loopback ? " loopback" : ""));
    }
    return out;
}

std::vector<std::string> describe(const std::vector<InterfaceAddress>& addresses) {
    std::vector<std::string> out;
    for (const auto& a : addresses) {
        out.push_back(a.interface + " " + a.address.to_string());
    }
    return out;
}

TEST(ProcCollector, GatewayFixture) {
    auto collector = collector_for(kFixtures + "/gateway");
    const auto before = std::chrono::steady_clock::now();
    const auto snapshot = collector.collect();
    const auto after = std::chrono::steady_clock::now();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;

    EXPECT_EQ(describe(snapshot->tcp_listeners),
              (std::vector<std::string>{"0.0.0.0:22", "192.168.0.1:8080", "127.0.0.1:53", "[::]:22",
                                        "[2001:db8::1]:443", "[::1]:631", "192.168.0.1:9000"}));
    EXPECT_EQ(describe(snapshot->tcp_established), (std::vector<std::string>{
                                                       "192.168.0.1:22 192.168.0.10:54321",
                                                       "192.168.0.1:50000 192.0.2.10:443",
                                                       "[2001:db8::1]:443 [2001:db8::abcd]:40000",
                                                       "192.168.0.1:8080 192.168.0.20:50123",
                                                   }));
    EXPECT_EQ(describe(snapshot->udp_listeners),
              (std::vector<std::string>{"0.0.0.0:68", "127.0.0.1:323", "[::]:5353", "[::1]:323",
                                        "[fe80::1]:546", "192.168.0.1:4500"}));
    EXPECT_EQ(describe(snapshot->interfaces), (std::vector<std::string>{
                                                  "lo 2627787 48039 2627787 48039 loopback",
                                                  "eth0 5000000000 4294967296 4294967297 3000000",
                                                  "br-lan 123456 789 654321 987",
                                                  "eth0.100 1000 10 2000 20",
                                                  "br-1a2b3c4d5e6f 18446744073709551615 7 8 9",
                                              }));
    EXPECT_EQ(
        describe(snapshot->addresses),
        (std::vector<std::string>{"lo 127.0.0.1", "lo ::1", "eth0 192.168.0.1", "eth0 2001:db8::1",
                                  "eth0 fe80::1", "br-lan 10.0.0.1", "eth0.100 10.100.0.1"}));
    ASSERT_TRUE(snapshot->cpu.has_value());
    EXPECT_EQ(snapshot->cpu->total, 71843u);
    EXPECT_EQ(snapshot->cpu->busy, 10907u);
    EXPECT_EQ(snapshot->warnings, std::vector<std::string>{});
    EXPECT_GE(snapshot->taken_at, before);
    EXPECT_LE(snapshot->taken_at, after);
}

TEST(ProcCollector, MappedAddressesBecomeV4) {
    auto snapshot = collector_for(kFixtures + "/gateway").collect();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_EQ(snapshot->tcp_listeners.back().address.family, IpAddress::Family::v4);
    EXPECT_EQ(snapshot->tcp_established.back().remote.family, IpAddress::Family::v4);
    EXPECT_EQ(snapshot->udp_listeners.back().address.family, IpAddress::Family::v4);
}

TEST(ProcCollector, CountersAfterAReset) {
    auto snapshot = collector_for(kFixtures + "/gateway_after").collect();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(describe(snapshot->interfaces), (std::vector<std::string>{
                                                  "lo 2627887 48040 2627887 48040 loopback",
                                                  "eth0 5000100000 4294967396 4294968297 3000100",
                                                  "br-lan 1000 10 2000 20",
                                                  "eth0.100 1500 15 2500 25",
                                                  "br-1a2b3c4d5e6f 18446744073709551615 7 8 9",
                                              }));
    ASSERT_TRUE(snapshot->cpu.has_value());
    EXPECT_EQ(snapshot->cpu->total, 72853u);
    EXPECT_EQ(snapshot->cpu->busy, 11307u);
}

TEST(ProcCollector, MalformedLinesBecomeWarnings) {
    const auto root = kFixtures + "/malformed";
    auto snapshot = collector_for(root).collect();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(describe(snapshot->tcp_listeners),
              (std::vector<std::string>{"0.0.0.0:22", "[::]:22"}));
    EXPECT_EQ(describe(snapshot->tcp_established),
              (std::vector<std::string>{"192.168.0.1:22 192.168.0.10:54321"}));
    EXPECT_EQ(describe(snapshot->udp_listeners),
              (std::vector<std::string>{"0.0.0.0:68", "[::]:5353", "[::1]:323"}));
    EXPECT_EQ(describe(snapshot->interfaces),
              (std::vector<std::string>{"lo 2627787 48039 2627787 48039 loopback",
                                        "eth0.100 1000 10 2000 20"}));
    EXPECT_EQ(snapshot->warnings, (std::vector<std::string>{
                                      "skipped 6 malformed lines in " + root + "/net/tcp",
                                      "skipped 1 malformed line in " + root + "/net/tcp6",
                                      "skipped 1 malformed line in " + root + "/net/udp",
                                      "skipped 4 malformed lines in " + root + "/net/dev",
                                  }));
}

TEST(ProcCollector, KernelWithoutIpv6IsNotAnError) {
    auto snapshot = collector_for(kFixtures + "/ipv4_only").collect();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(describe(snapshot->tcp_listeners), (std::vector<std::string>{"0.0.0.0:22"}));
    EXPECT_EQ(describe(snapshot->tcp_established),
              (std::vector<std::string>{"192.168.0.1:22 192.168.0.10:54321"}));
    EXPECT_EQ(describe(snapshot->udp_listeners), (std::vector<std::string>{"0.0.0.0:68"}));
    EXPECT_EQ(snapshot->warnings, std::vector<std::string>{});
}

TEST(ProcCollector, WithoutCpuOptionStatIsNotRead) {
    auto snapshot = collector_for(kFixtures + "/gateway", false).collect();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_FALSE(snapshot->cpu.has_value());
}

TEST(ProcCollector, MissingRootNamesTheFile) {
    const auto snapshot = collector_for("/nonexistent").collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read /nonexistent/net/tcp: No such file or directory");
}

/// A writable copy of a fixture tree, removed afterwards.
class ProcCollectorCopy : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("defender_proc_collector_test_" + std::to_string(::getpid()));
        std::filesystem::remove_all(root_);
        std::filesystem::copy(kFixtures + "/gateway", root_,
                              std::filesystem::copy_options::recursive);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    std::string root() const { return root_.string(); }

    std::filesystem::path root_;
};

TEST_F(ProcCollectorCopy, UnreadableIpv6TableIsAnError) {
    std::filesystem::remove(root_ / "net/tcp6");
    std::filesystem::create_directory(root_ / "net/tcp6");
    const auto snapshot = collector_for(root()).collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message, "cannot read " + root() + "/net/tcp6: Is a directory");
}

TEST_F(ProcCollectorCopy, MissingUdpIsAnError) {
    std::filesystem::remove(root_ / "net/udp");
    const auto snapshot = collector_for(root()).collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read " + root() + "/net/udp: No such file or directory");
}

TEST_F(ProcCollectorCopy, MissingDevIsAnError) {
    std::filesystem::remove(root_ / "net/dev");
    const auto snapshot = collector_for(root()).collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read " + root() + "/net/dev: No such file or directory");
}

TEST_F(ProcCollectorCopy, MissingStatIsAnErrorOnlyWhenCpuIsWanted) {
    std::filesystem::remove(root_ / "stat");
    EXPECT_TRUE(collector_for(root(), false).collect().ok());
    const auto snapshot = collector_for(root(), true).collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read " + root() + "/stat: No such file or directory");
}

TEST_F(ProcCollectorCopy, MalformedStatIsAWarning) {
    std::filesystem::remove(root_ / "stat");
    std::filesystem::copy_file(root_ / "net/dev", root_ / "stat");
    const auto snapshot = collector_for(root(), true).collect();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_FALSE(snapshot->cpu.has_value());
    EXPECT_EQ(snapshot->warnings,
              std::vector<std::string>{"no aggregate cpu line in " + root() + "/stat"});
}

TEST(ProcCollector, FailingAddressSourceIsAWarning) {
    CollectorOptions options;
    options.procfs = kFixtures + "/gateway";
    options.address_source.addresses = []() -> Result<std::vector<InterfaceAddress>> {
        return Error{"cannot list interface addresses: Operation not permitted"};
    };
    auto snapshot = ProcCollector(std::move(options)).collect();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_TRUE(snapshot->addresses.empty());
    EXPECT_EQ(snapshot->warnings,
              std::vector<std::string>{"cannot list interface addresses: Operation not permitted"});
    // Without is_loopback the name `lo` decides.
    EXPECT_TRUE(snapshot->interfaces.at(0).loopback);
    EXPECT_FALSE(snapshot->interfaces.at(1).loopback);
}

TEST(ResolveProcfsRoot, ExplicitThenEnvironmentThenProc) {
    const char* saved = std::getenv("PROCFS_PATH");
    const std::string saved_value = saved ? saved : "";

    ::unsetenv("PROCFS_PATH");
    EXPECT_EQ(resolve_procfs_root(""), "/proc");
    EXPECT_EQ(resolve_procfs_root("/host/proc"), "/host/proc");
    ::setenv("PROCFS_PATH", "", 1);
    EXPECT_EQ(resolve_procfs_root(""), "/proc");
    ::setenv("PROCFS_PATH", "/env/proc", 1);
    EXPECT_EQ(resolve_procfs_root(""), "/env/proc");
    EXPECT_EQ(resolve_procfs_root("/host/proc"), "/host/proc");

    if (saved) {
        ::setenv("PROCFS_PATH", saved_value.c_str(), 1);
    } else {
        ::unsetenv("PROCFS_PATH");
    }
}

}  // namespace
}  // namespace defender
