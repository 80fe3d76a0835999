// SPDX-License-Identifier: Apache-2.0
// Nothing lost, nothing counted twice: across a 10 s broker outage, the network_stats of the
// accepted reports add up exactly to the change of the interface counters. The traffic runs on
// a veth pair into a network namespace the test makes, so no other traffic touches the
// counters; the agent reads that namespace's /proc/<pid>/net through --procfs.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "agent_test_rig.hpp"
#include "defender/encode.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

bool run_ok(const std::vector<std::string>& argv) {
    return run_process(argv, 10s).status.success();
}

// A network namespace joined to this one by a veth pair with static neighbours and no IPv6,
// so that only the test's own packets cross it.
class VethNamespace {
public:
    VethNamespace() {
        const auto id = std::to_string(::getpid() % 100000);
        name_ = "dfd-acct-" + id;
        outer_ = "dfo" + id;
        inner_ = "dfi" + id;
        ok_ = run_ok({"ip", "netns", "add", name_}) &&
              run_ok({"ip", "link", "add", outer_, "address", "02:00:00:00:0a:01", "type", "veth",
                      "peer", "name", inner_, "address", "02:00:00:00:0a:02"}) &&
              run_ok({"ip", "link", "set", inner_, "netns", name_}) &&
              run_ok({"sysctl", "-qw", "net.ipv6.conf." + outer_ + ".disable_ipv6=1"}) &&
              run_ok({"ip", "netns", "exec", name_, "sysctl", "-qw",
                      "net.ipv6.conf." + inner_ + ".disable_ipv6=1"}) &&
              run_ok({"ip", "addr", "add", "10.231.0.1/30", "dev", outer_}) &&
              run_ok({"ip", "netns", "exec", name_, "ip", "addr", "add", "10.231.0.2/30", "dev",
                      inner_}) &&
              run_ok({"ip", "neigh", "replace", "10.231.0.2", "lladdr", "02:00:00:00:0a:02", "dev",
                      outer_, "nud", "permanent"}) &&
              run_ok({"ip", "netns", "exec", name_, "ip", "neigh", "replace", "10.231.0.1",
                      "lladdr", "02:00:00:00:0a:01", "dev", inner_, "nud", "permanent"}) &&
              run_ok({"ip", "link", "set", outer_, "up"}) &&
              run_ok({"ip", "netns", "exec", name_, "ip", "link", "set", inner_, "up"});
    }
    ~VethNamespace() {
        run_process({"ip", "link", "del", outer_}, 10s);
        run_process({"ip", "netns", "del", name_}, 10s);
    }
    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }
    const std::string& inner() const { return inner_; }

private:
    std::string name_, outer_, inner_;
    bool ok_ = false;
};

struct Counters {
    std::uint64_t bytes_in = 0, packets_in = 0, bytes_out = 0, packets_out = 0;
};

Counters read_counters(const std::filesystem::path& net_dev, const std::string& interface) {
    std::ifstream in(net_dev);
    for (std::string line; std::getline(in, line);) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        if (name != interface) continue;
        std::istringstream fields(line.substr(colon + 1));
        std::uint64_t value[16] = {};
        for (auto& v : value)
            fields >> v;
        return {value[0], value[1], value[8], value[9]};
    }
    return {};
}

// Sends `count` UDP datagrams of `size` bytes into the namespace (nothing listens: the kernel
// there answers each with an ICMP port unreachable, traffic in both directions).
void send_burst(int count, std::size_t size) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(9);
    ::inet_pton(AF_INET, "10.231.0.2", &target.sin_addr);
    const std::string payload(size, 'x');
    for (int i = 0; i < count; ++i) {
        ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&target),
                 sizeof target);
        std::this_thread::sleep_for(1ms);
    }
    ::close(fd);
}

TEST(AgentTrafficAccounting, AcceptedReportsAddUpToTheCounterChangeAcrossABrokerOutage) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    VethNamespace ns;
    ASSERT_TRUE(ns.ok()) << "cannot build the test namespace";
    ChildProcess holder(
        ProcessOptions{{"ip", "netns", "exec", ns.name(), "sleep", "600"}, {}, {}, {}, {}});
    const auto holder_net = std::filesystem::path("/proc") / std::to_string(holder.pid()) / "net";
    ASSERT_TRUE(eventually(
        [&] {
            return read_counters(holder_net / "dev", ns.inner()).packets_in == 0 &&
                   std::filesystem::exists(holder_net / "dev") &&
                   read_file(holder_net / "dev").find(ns.inner()) != std::string::npos;
        },
        5s));

    AgentRig rig(/*persistent_broker=*/true);
    const auto procfs = rig.work() / "procfs";
    std::filesystem::create_directories(procfs);
    std::filesystem::create_directory_symlink(holder_net, procfs / "net");
    std::filesystem::create_symlink("/proc/stat", procfs / "stat");

    rig.start_emulator(0);
    ChildProcess agent(rig.agent({"-t", "thing-acct", "-i", "1", "--procfs", procfs.string()}));
    ASSERT_TRUE(rig.wait_for_accepted(1, 20s)) << agent.stderr_text();
    const Counters before = read_counters(holder_net / "dev", ns.inner());

    send_burst(200, 1000);
    ASSERT_TRUE(rig.wait_for_accepted(3, 20s));
    rig.broker().stop();
    send_burst(300, 700);  // while the broker is down
    std::this_thread::sleep_for(10s);
    send_burst(100, 1200);
    rig.broker().start();
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("connected again") != std::string::npos; }, 60s))
        << agent.stderr_text();
    send_burst(150, 500);  // after the restart
    std::this_thread::sleep_for(100ms);
    const Counters after = read_counters(holder_net / "dev", ns.inner());
    // Two reports taken after the last packet: the counters they saw are `after`.
    const auto accepted_so_far = [&] {
        std::size_t n = 0;
        for (const auto& line : rig.emulator_lines())
            n += line.accepted;
        return n;
    };
    ASSERT_TRUE(rig.wait_for_accepted(accepted_so_far() + 2, 30s)) << agent.stderr_text();
    EXPECT_TRUE(agent.stop(5s).success());
    EXPECT_EQ(read_counters(holder_net / "dev", ns.inner()).bytes_in, after.bytes_in)
        << "stray traffic";

    std::set<std::uint64_t> accepted_ids;
    for (const auto& line : rig.emulator_lines()) {
        if (line.accepted) accepted_ids.insert(line.report_id);
    }
    Counters sum;
    std::size_t counted = 0;
    for (const auto& entry : std::filesystem::directory_iterator(rig.store_dir())) {
        const auto report = decode(read_file(entry.path()));
        ASSERT_TRUE(report.ok()) << entry.path();
        if (!accepted_ids.count(report->report_id) || !report->metrics->network_stats) continue;
        const auto& stats = *report->metrics->network_stats;
        sum.bytes_in += stats.bytes_in;
        sum.bytes_out += stats.bytes_out;
        sum.packets_in += stats.packets_in;
        sum.packets_out += stats.packets_out;
        ++counted;
    }
    EXPECT_GT(after.packets_in - before.packets_in, 700u);
    EXPECT_EQ(sum.bytes_in, after.bytes_in - before.bytes_in) << counted << " reports";
    EXPECT_EQ(sum.packets_in, after.packets_in - before.packets_in);
    EXPECT_EQ(sum.bytes_out, after.bytes_out - before.bytes_out);
    EXPECT_EQ(sum.packets_out, after.packets_out - before.packets_out);
    EXPECT_NE(agent.stderr_text().find("connection lost"), std::string::npos);
}

}  // namespace
}  // namespace defender::test
