// SPDX-License-Identifier: Apache-2.0
// NetlinkCollector and ProcCollector read the same kernel: with hundreds of sockets of every kind
// open, both must report exactly the sockets this test holds, and the same interfaces and
// addresses as getifaddrs.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "collect/netlink_collector.hpp"
#include "defender/collector.hpp"
#include "util/unique_fd.hpp"

namespace defender {
namespace {

using util::UniqueFd;

constexpr int kPerKind = 12;

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
};

Endpoint endpoint_of(const sockaddr_storage& storage) {
    if (storage.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
        return {IpAddress::v4(ntohl(in.sin_addr.s_addr)), ntohs(in.sin_port)};
    }
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    std::array<std::uint8_t, 16> bytes;
    std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
    return {IpAddress::v6(bytes).normalized(), ntohs(in6.sin6_port)};
}

Endpoint local_of(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length), 0);
    return endpoint_of(storage);
}

Endpoint remote_of(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    EXPECT_EQ(::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length), 0);
    return endpoint_of(storage);
}

/// A socket address for `text` (v4 or v6 literal) and port 0 or `port`.
sockaddr_storage socket_address(const char* text, std::uint16_t port = 0) {
    sockaddr_storage storage{};
    if (std::strchr(text, ':') == nullptr) {
        auto& in = reinterpret_cast<sockaddr_in&>(storage);
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        EXPECT_EQ(inet_pton(AF_INET, text, &in.sin_addr), 1);
    } else {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(storage);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port);
        EXPECT_EQ(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
    }
    return storage;
}

std::string text(const Endpoint& endpoint) {
    return endpoint.address.with_port(endpoint.port);
}
std::string text(const ListeningSocket& socket) {
    return socket.address.with_port(socket.port);
}
std::string text(const TcpConnection& connection) {
    return connection.local.with_port(connection.local_port) + " -> " +
           connection.remote.with_port(connection.remote_port);
}

/// Every socket the test opens, and what the collectors must therefore see.
class SocketZoo {
public:
    SocketZoo() {
        const bool dual_stack = false;
        const bool v6_only = true;
        for (int i = 0; i < kPerKind; ++i) {
            listen_tcp("0.0.0.0", dual_stack);
            listen_tcp("127.0.0.1", dual_stack);
            listen_tcp("::", dual_stack);
            listen_tcp("::", v6_only);
            listen_tcp("::1", dual_stack);
        }
        const Endpoint v4_server = listen_tcp("127.0.0.1", dual_stack);
        const Endpoint v6_server = listen_tcp("::1", dual_stack);
        const Endpoint dual_server = listen_tcp("::", dual_stack);
        for (int i = 0; i < kPerKind * 4; ++i) {
            connect_tcp(v4_server, "127.0.0.1");
            connect_tcp(v6_server, "::1");
            connect_tcp(dual_server, "127.0.0.1");  // IPv4 through an IPv6 socket: v4-mapped
            connect_tcp(dual_server, "::1");
        }
        for (int i = 0; i < kPerKind; ++i) {
            bind_udp("0.0.0.0", dual_stack);
            bind_udp("127.0.0.1", dual_stack);
            bind_udp("::", dual_stack);
            bind_udp("::", v6_only);
            bind_udp("::1", dual_stack);
            connect_udp("127.0.0.1", "127.0.0.1");
            connect_udp("::1", "::1");
            connect_udp("::", "127.0.0.1");  // v4-mapped peer
        }
    }

    std::vector<std::string> tcp_listeners;
    std::vector<std::string> tcp_established;
    std::vector<std::string> udp_listeners;
    std::set<std::uint16_t> tcp_ports;  ///< every local port of the test's TCP sockets
    std::set<std::uint16_t> udp_ports;  ///< every local port of its UDP sockets, connected too

private:
    UniqueFd open_socket(const char* address, int type, bool v6_only) {
        const sockaddr_storage bound = socket_address(address);
        UniqueFd fd(::socket(bound.ss_family, type | SOCK_CLOEXEC, 0));
        EXPECT_TRUE(fd.valid()) << std::strerror(errno);
        if (bound.ss_family == AF_INET6) {
            const int flag = v6_only ? 1 : 0;
            EXPECT_EQ(::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &flag, sizeof(flag)), 0);
        }
        EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)), 0)
            << address << ": " << std::strerror(errno);
        return fd;
    }

    Endpoint listen_tcp(const char* address, bool v6_only) {
        UniqueFd fd = open_socket(address, SOCK_STREAM, v6_only);
        EXPECT_EQ(::listen(fd.get(), 64), 0);
        const Endpoint local = local_of(fd.get());
        tcp_listeners.push_back(text(local));
        tcp_ports.insert(local.port);
        fds_.push_back(std::move(fd));
        return local;
    }

    void connect_tcp(const Endpoint& server, const char* via) {
        const sockaddr_storage target = socket_address(via, server.port);
        UniqueFd client(::socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(client.valid());
        ASSERT_EQ(
            ::connect(client.get(), reinterpret_cast<const sockaddr*>(&target), sizeof(target)), 0)
            << via << ": " << std::strerror(errno);
        UniqueFd accepted(::accept4(listener_fd(server), nullptr, nullptr, SOCK_CLOEXEC));
        ASSERT_TRUE(accepted.valid());
        for (const int fd : {client.get(), accepted.get()}) {
            const Endpoint local = local_of(fd);
            tcp_established.push_back(text(local) + " -> " + text(remote_of(fd)));
            tcp_ports.insert(local.port);
        }
        fds_.push_back(std::move(client));
        fds_.push_back(std::move(accepted));
    }

    int listener_fd(const Endpoint& server) {
        for (const auto& fd : fds_) {
            const Endpoint local = local_of(fd.get());
            if (local.port == server.port && local.address == server.address) {
                return fd.get();
            }
        }
        ADD_FAILURE() << "no listener " << text(server);
        return -1;
    }

    void bind_udp(const char* address, bool v6_only) {
        UniqueFd fd = open_socket(address, SOCK_DGRAM, v6_only);
        const Endpoint local = local_of(fd.get());
        udp_listeners.push_back(text(local));
        udp_ports.insert(local.port);
        fds_.push_back(std::move(fd));
    }

    /// A connected UDP socket: bound, so it is in the tables, but not a listener.
    void connect_udp(const char* address, const char* peer) {
        UniqueFd fd = open_socket(address, SOCK_DGRAM, false);
        const sockaddr_storage target =
            socket_address(std::strcmp(address, "::") == 0 ? "::ffff:127.0.0.1" : peer, 9);
        ASSERT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target), sizeof(target)),
                  0);
        udp_ports.insert(local_of(fd.get()).port);
        fds_.push_back(std::move(fd));
    }

    std::vector<UniqueFd> fds_;
};

template <class T>
std::vector<std::string> sorted_texts(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) {
        out.push_back(text(item));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    return items;
}

std::vector<std::string> listeners_on(const std::vector<ListeningSocket>& sockets,
                                      const std::set<std::uint16_t>& ports) {
    std::vector<ListeningSocket> kept;
    std::copy_if(sockets.begin(), sockets.end(), std::back_inserter(kept),
                 [&](const ListeningSocket& s) { return ports.contains(s.port); });
    return sorted_texts(kept);
}

std::vector<std::string> connections_between(const std::vector<TcpConnection>& connections,
                                             const std::set<std::uint16_t>& ports) {
    std::vector<TcpConnection> kept;
    std::copy_if(connections.begin(), connections.end(), std::back_inserter(kept),
                 [&](const TcpConnection& c) {
                     return ports.contains(c.local_port) && ports.contains(c.remote_port);
                 });
    return sorted_texts(kept);
}

Snapshot collect_with(Collector& collector) {
    auto snapshot = collector.collect();
    if (!snapshot) {
        ADD_FAILURE() << snapshot.error().message;
        return {};
    }
    return std::move(*snapshot);
}

class NetlinkDifferential : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!NetlinkCollector::available()) {
            GTEST_SKIP() << "NETLINK_SOCK_DIAG is not available here";
        }
    }
    NetlinkCollector netlink_{CollectorOptions{}};
    ProcCollector proc_{CollectorOptions{}};
};

TEST_F(NetlinkDifferential, BothCollectorsSeeExactlyTheTestsSockets) {
    const SocketZoo zoo;
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(zoo.tcp_listeners.size(), 5U * kPerKind + 3);
    ASSERT_EQ(zoo.tcp_established.size(), 2U * 4 * 4 * kPerKind);
    ASSERT_EQ(zoo.udp_listeners.size(), 5U * kPerKind);

    const auto expected_tcp_listeners = sorted(zoo.tcp_listeners);
    const auto expected_established = sorted(zoo.tcp_established);
    const auto expected_udp = sorted(zoo.udp_listeners);
    // Neither /proc/net/tcp (read a page at a time) nor a sock_diag dump (several messages)
    // is one atomic picture: sockets other tests open and close meanwhile can make an entry
    // of ours be skipped at a page or message boundary. A few reads settle that.
    const auto sees_the_zoo = [&](const Snapshot& snapshot) {
        return listeners_on(snapshot.tcp_listeners, zoo.tcp_ports) == expected_tcp_listeners &&
               connections_between(snapshot.tcp_established, zoo.tcp_ports) ==
                   expected_established &&
               listeners_on(snapshot.udp_listeners, zoo.udp_ports) == expected_udp;
    };
    Snapshot by_netlink = collect_with(netlink_);
    Snapshot by_proc = collect_with(proc_);
    for (int attempt = 1; attempt < 5 && !(sees_the_zoo(by_netlink) && sees_the_zoo(by_proc));
         ++attempt) {
        by_netlink = collect_with(netlink_);
        by_proc = collect_with(proc_);
    }
    EXPECT_TRUE(by_netlink.warnings.empty()) << by_netlink.warnings.front();

    EXPECT_EQ(listeners_on(by_netlink.tcp_listeners, zoo.tcp_ports), expected_tcp_listeners);
    EXPECT_EQ(listeners_on(by_proc.tcp_listeners, zoo.tcp_ports), expected_tcp_listeners);

    EXPECT_EQ(connections_between(by_netlink.tcp_established, zoo.tcp_ports), expected_established);
    EXPECT_EQ(connections_between(by_proc.tcp_established, zoo.tcp_ports), expected_established);

    EXPECT_EQ(listeners_on(by_netlink.udp_listeners, zoo.udp_ports), expected_udp);
    EXPECT_EQ(listeners_on(by_proc.udp_listeners, zoo.udp_ports), expected_udp);
}

TEST_F(NetlinkDifferential, V4ThroughDualStackSocketsAreReportedAsIpv4) {
    const SocketZoo zoo;
    const Snapshot by_netlink = collect_with(netlink_);
    std::size_t mapped = 0;
    for (const auto& c : by_netlink.tcp_established) {
        EXPECT_FALSE(c.local.is_v4_mapped()) << text(c);
        EXPECT_FALSE(c.remote.is_v4_mapped()) << text(c);
        mapped += c.local.family == IpAddress::Family::v4 ? 1 : 0;
    }
    EXPECT_GE(mapped, 4U * 4 * kPerKind);  // the v4 and the v4-through-v6 connections, both ends
}

/// Other processes may open or close listeners between the two reads: a few tries.
TEST_F(NetlinkDifferential, FullListenerSetsAgree) {
    const SocketZoo zoo;
    bool same = false;
    for (int attempt = 0; attempt < 3 && !same; ++attempt) {
        const Snapshot by_netlink = collect_with(netlink_);
        const Snapshot by_proc = collect_with(proc_);
        same = sorted_texts(by_netlink.tcp_listeners) == sorted_texts(by_proc.tcp_listeners) &&
               sorted_texts(by_netlink.udp_listeners) == sorted_texts(by_proc.udp_listeners);
        if (attempt == 2) {
            EXPECT_EQ(sorted_texts(by_netlink.tcp_listeners), sorted_texts(by_proc.tcp_listeners));
            EXPECT_EQ(sorted_texts(by_netlink.udp_listeners), sorted_texts(by_proc.udp_listeners));
        }
    }
    EXPECT_TRUE(same);
}

TEST_F(NetlinkDifferential, InterfacesMatchProcNetDevWithCountersOnlyGrowing) {
    const Snapshot by_proc = collect_with(proc_);  // first: netlink's counters can only be later
    const Snapshot by_netlink = collect_with(netlink_);
    std::map<std::string, InterfaceCounters> proc_by_name;
    for (const auto& counters : by_proc.interfaces) {
        proc_by_name[counters.name] = counters;
    }
    ASSERT_EQ(by_netlink.interfaces.size(), by_proc.interfaces.size());
    for (const auto& counters : by_netlink.interfaces) {
        const auto found = proc_by_name.find(counters.name);
        ASSERT_NE(found, proc_by_name.end()) << counters.name;
        const InterfaceCounters& earlier = found->second;
        EXPECT_EQ(counters.loopback, earlier.loopback) << counters.name;
        EXPECT_GE(counters.bytes_in, earlier.bytes_in) << counters.name;
        EXPECT_GE(counters.packets_in, earlier.packets_in) << counters.name;
        EXPECT_GE(counters.bytes_out, earlier.bytes_out) << counters.name;
        EXPECT_GE(counters.packets_out, earlier.packets_out) << counters.name;
        // Not some other column: a second is far too short for the counters to double.
        EXPECT_LE(counters.bytes_in, earlier.bytes_in * 2 + 1'000'000) << counters.name;
        EXPECT_LE(counters.packets_out, earlier.packets_out * 2 + 10'000) << counters.name;
    }
    const auto lo = std::find_if(by_netlink.interfaces.begin(), by_netlink.interfaces.end(),
                                 [](const InterfaceCounters& c) { return c.name == "lo"; });
    ASSERT_NE(lo, by_netlink.interfaces.end());
    EXPECT_TRUE(lo->loopback);
}

/// (interface, address) pairs from getifaddrs, v4 alias labels (`eth0:1`) cut to the device
/// name: interface names never contain ':'.
std::vector<std::string> getifaddrs_pairs() {
    ifaddrs* list = nullptr;
    EXPECT_EQ(::getifaddrs(&list), 0);
    const std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> owner(list, ::freeifaddrs);
    std::vector<std::string> pairs;
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr ||
            (entry->ifa_addr->sa_family != AF_INET && entry->ifa_addr->sa_family != AF_INET6)) {
            continue;
        }
        sockaddr_storage storage{};
        std::memcpy(
            &storage, entry->ifa_addr,
            entry->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        const std::string name(entry->ifa_name);
        pairs.push_back(name.substr(0, name.find(':')) + " " +
                        endpoint_of(storage).address.to_string());
    }
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

TEST_F(NetlinkDifferential, AddressesMatchGetifaddrs) {
    const Snapshot by_netlink = collect_with(netlink_);
    std::vector<std::string> pairs;
    for (const auto& address : by_netlink.addresses) {
        pairs.push_back(address.interface + " " + address.address.to_string());
    }
    std::sort(pairs.begin(), pairs.end());
    const auto expected = getifaddrs_pairs();
    EXPECT_EQ(pairs, expected);
    EXPECT_NE(std::find(pairs.begin(), pairs.end(), "lo 127.0.0.1"), pairs.end());
    EXPECT_NE(std::find(pairs.begin(), pairs.end(), "lo ::1"), pairs.end());
}

TEST_F(NetlinkDifferential, CpuTimesComeFromProcStatWhenAsked) {
    CollectorOptions options;
    EXPECT_FALSE(collect_with(netlink_).cpu.has_value());
    options.cpu = true;
    ProcCollector proc(options);
    NetlinkCollector netlink(options);
    const auto earlier = collect_with(proc).cpu;
    const auto later = collect_with(netlink).cpu;
    ASSERT_TRUE(earlier && later);
    EXPECT_GE(later->total, earlier->total);
    EXPECT_GE(later->busy, earlier->busy);
    EXPECT_LE(later->busy, later->total);
    EXPECT_LE(later->total - earlier->total, 1000U);  // ticks within a test: seconds at most
}

TEST_F(NetlinkDifferential, MissingProcfsForCpuIsAnError) {
    CollectorOptions options;
    options.cpu = true;
    options.procfs = "/nonexistent-procfs";
    NetlinkCollector netlink(options);
    const auto snapshot = netlink.collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read /nonexistent-procfs/stat: No such file or directory");
    EXPECT_FALSE(netlink.last_failure_was_permission());
}

}  // namespace
}  // namespace defender
