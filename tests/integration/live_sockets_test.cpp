// SPDX-License-Identifier: Apache-2.0
// The /proc collector against the live kernel, with `ss` (iproute2) as an independent oracle.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "defender/collector.hpp"

namespace defender {
namespace {

/// Owns a socket; the tests throw on system-call failures (gtest reports them).
class Socket {
public:
    Socket(int family, int type) : fd_(::socket(family, type | SOCK_CLOEXEC, 0)) {
        if (fd_ < 0) {
            throw std::runtime_error("socket() failed");
        }
    }
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    Socket& operator=(Socket&&) = delete;
    ~Socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
    std::string text() const { return address.normalized().with_port(port); }
};

sockaddr_storage to_sockaddr(const char* address, std::uint16_t port, socklen_t& length) {
    sockaddr_storage storage{};
    const auto parsed = IpAddress::parse(address);
    if (!parsed) {
        throw std::runtime_error(std::string("bad address ") + address);
    }
    if (parsed->family == IpAddress::Family::v4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        std::memcpy(&in->sin_addr, parsed->bytes.data(), 4);
        length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        std::memcpy(&in6->sin6_addr, parsed->bytes.data(), 16);
        length = sizeof(sockaddr_in6);
    }
    return storage;
}

Endpoint from_sockaddr(const sockaddr_storage& storage) {
    Endpoint endpoint;
    if (storage.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
        endpoint.address.family = IpAddress::Family::v4;
        std::memcpy(endpoint.address.bytes.data(), &in->sin_addr, 4);
        endpoint.port = ntohs(in->sin_port);
    } else {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        endpoint.address.family = IpAddress::Family::v6;
        std::memcpy(endpoint.address.bytes.data(), &in6->sin6_addr, 16);
        endpoint.port = ntohs(in6->sin6_port);
    }
    return endpoint;
}

Endpoint local_of(const Socket& socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw std::runtime_error("getsockname() failed");
    }
    return from_sockaddr(storage);
}

Endpoint peer_of(const Socket& socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(socket.fd(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw std::runtime_error("getpeername() failed");
    }
    return from_sockaddr(storage);
}

int family_of(const char* address) {
    return IpAddress::parse(address)->family == IpAddress::Family::v4 ? AF_INET : AF_INET6;
}

/// A socket bound to `address` on an ephemeral port (IPv6 ones are v6-only).
Socket bound_socket(const char* address, int type) {
    Socket socket(family_of(address), type);
    if (family_of(address) == AF_INET6) {
        const int on = 1;
        ::setsockopt(socket.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    socklen_t length = 0;
    const auto storage = to_sockaddr(address, 0, length);
    if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
        throw std::runtime_error(std::string("bind() failed for ") + address);
    }
    return socket;
}

Socket tcp_listener(const char* address) {
    auto socket = bound_socket(address, SOCK_STREAM);
    if (::listen(socket.fd(), 4096) != 0) {
        throw std::runtime_error("listen() failed");
    }
    return socket;
}

void connect_to(const Socket& socket, const char* address, std::uint16_t port) {
    socklen_t length = 0;
    const auto storage = to_sockaddr(address, port, length);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
        throw std::runtime_error(std::string("connect() failed to ") + address);
    }
}

Socket accept_from(const Socket& listener) {
    const int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error("accept() failed");
    }
    return Socket(fd);
}

bool ipv6_loopback_available() {
    try {
        bound_socket("::1", SOCK_STREAM);
        return true;
    } catch (const std::runtime_error&) {
        return false;
    }
}

/// The sockets one test opens, and what the collector should therefore see.
struct SocketSet {
    std::deque<Socket> sockets;  // push_back keeps references valid
    std::set<std::uint16_t> ports;
    std::set<std::string> tcp_listeners;
    std::set<std::string> udp_listeners;
    std::set<std::string> established;  ///< "local remote"

    Socket& keep(Socket socket) {
        ports.insert(local_of(socket).port);
        sockets.push_back(std::move(socket));
        return sockets.back();
    }
    std::uint16_t listen_tcp(const char* address) {
        const auto& socket = keep(tcp_listener(address));
        tcp_listeners.insert(local_of(socket).text());
        return local_of(socket).port;
    }
    std::uint16_t listen_udp(const char* address) {
        const auto& socket = keep(bound_socket(address, SOCK_DGRAM));
        udp_listeners.insert(local_of(socket).text());
        return local_of(socket).port;
    }
    void connect_udp(const char* local, const char* remote, std::uint16_t port) {
        connect_to(keep(bound_socket(local, SOCK_DGRAM)), remote, port);
    }
    /// One loopback connection; both of its ends are established sockets.
    void connect_tcp(const Socket& listener, int client_family, const char* address,
                     std::uint16_t port) {
        auto& client = keep(Socket(client_family, SOCK_STREAM));
        connect_to(client, address, port);
        ports.insert(local_of(client).port);
        auto& server = keep(accept_from(listener));
        for (const Socket* end : {&client, &server}) {
            established.insert(local_of(*end).text() + " " + peer_of(*end).text());
        }
    }
    const Socket& socket_on(std::uint16_t port) const {
        for (const auto& socket : sockets) {
            if (local_of(socket).port == port) {
                return socket;
            }
        }
        throw std::runtime_error("no socket on port " + std::to_string(port));
    }
};

struct Observed {
    std::set<std::string> tcp_listeners;
    std::set<std::string> udp_listeners;
    std::set<std::string> established;
};

Observed observed_by_collector(const Snapshot& snapshot, const std::set<std::uint16_t>& ports) {
    Observed observed;
    for (const auto& socket : snapshot.tcp_listeners) {
        if (ports.count(socket.port)) {
            observed.tcp_listeners.insert(socket.address.with_port(socket.port));
        }
    }
    for (const auto& socket : snapshot.udp_listeners) {
        if (ports.count(socket.port)) {
            observed.udp_listeners.insert(socket.address.with_port(socket.port));
        }
    }
    for (const auto& c : snapshot.tcp_established) {
        if (ports.count(c.local_port) && ports.count(c.remote_port)) {
            observed.established.insert(c.local.with_port(c.local_port) + " " +
                                        c.remote.with_port(c.remote_port));
        }
    }
    return observed;
}

std::vector<std::string> run_lines(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>/dev/null").c_str(), "r"),
                                               ::pclose);
    std::vector<std::string> lines;
    if (!pipe) {
        return lines;
    }
    std::string current;
    for (int c = std::fgetc(pipe.get()); c != EOF; c = std::fgetc(pipe.get())) {
        if (c == '\n') {
            lines.push_back(current);
            current.clear();
        } else {
            current.push_back(static_cast<char>(c));
        }
    }
    if (!current.empty()) {
        lines.push_back(current);
    }
    return lines;
}

/// ss's `addr:port` column: `1.2.3.4:80`, `[::1]:80`, `[::ffff:1.2.3.4]:80`, `*:80` (dual-stack
/// wildcard), `0.0.0.0:*`, possibly with a `%iface` suffix on the address.
std::optional<Endpoint> parse_ss_endpoint(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    std::string address = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    if (const auto percent = address.find('%'); percent != std::string::npos) {
        address.erase(percent);
    }
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    if (address == "*") {
        address = "::";
    }
    const auto parsed = IpAddress::parse(address);
    if (!parsed) {
        return std::nullopt;
    }
    return Endpoint{*parsed,
                    port == "*" ? std::uint16_t{0} : static_cast<std::uint16_t>(std::stoul(port))};
}

std::vector<std::string> fields_of(const std::string& line) {
    std::istringstream stream(line);
    std::vector<std::string> fields;
    for (std::string field; stream >> field;) {
        fields.push_back(field);
    }
    return fields;
}

/// What ss reports for the test's ports. With a state filter ss leaves out the state column.
Observed observed_by_ss(const std::set<std::uint16_t>& ports,
                        std::set<std::string>& connected_udp) {
    Observed observed;
    for (const auto& line : run_lines("ss -Htan state listening")) {
        const auto fields = fields_of(line);
        if (fields.size() < 4) {
            continue;
        }
        const auto local = parse_ss_endpoint(fields[2]);
        if (local && ports.count(local->port)) {
            observed.tcp_listeners.insert(local->text());
        }
    }
    for (const auto& line : run_lines("ss -Htan state established")) {
        const auto fields = fields_of(line);
        if (fields.size() < 4) {
            continue;
        }
        const auto local = parse_ss_endpoint(fields[2]);
        const auto peer = parse_ss_endpoint(fields[3]);
        if (local && peer && ports.count(local->port) && ports.count(peer->port)) {
            observed.established.insert(local->text() + " " + peer->text());
        }
    }
    for (const auto& line : run_lines("ss -Huan")) {
        const auto fields = fields_of(line);
        if (fields.size() < 5) {
            continue;
        }
        const auto local = parse_ss_endpoint(fields[3]);
        if (!local || !ports.count(local->port)) {
            continue;
        }
        if (fields[0] == "UNCONN") {
            observed.udp_listeners.insert(local->text());
        } else {
            connected_udp.insert(local->text());
        }
    }
    return observed;
}

bool ss_available() {
    return !run_lines("ss -V").empty();
}

Snapshot collect_live() {
    CollectorOptions options;
    options.procfs = "/proc";
    options.cpu = true;
    auto snapshot = ProcCollector(std::move(options)).collect();
    if (!snapshot) {
        throw std::runtime_error(snapshot.error().message);
    }
    return std::move(snapshot).value();
}

TEST(LiveSockets, CollectorSeesExactlyTheTestsSockets) {
    if (!ipv6_loopback_available()) {
        GTEST_SKIP() << "no IPv6 loopback";
    }
    SocketSet set;
    const auto v4_wildcard = set.listen_tcp("0.0.0.0");
    set.listen_tcp("::");
    const auto v4_loopback = set.listen_tcp("127.0.0.1");
    const auto v6_loopback = set.listen_tcp("::1");
    set.listen_udp("0.0.0.0");
    const auto udp_loopback = set.listen_udp("127.0.0.1");
    set.listen_udp("::");
    set.listen_udp("::1");
    set.connect_udp("127.0.0.1", "127.0.0.1", udp_loopback);
    for (int i = 0; i < 3; ++i) {
        set.connect_tcp(set.socket_on(v4_loopback), AF_INET, "127.0.0.1", v4_loopback);
    }
    for (int i = 0; i < 2; ++i) {
        set.connect_tcp(set.socket_on(v6_loopback), AF_INET6, "::1", v6_loopback);
    }
    // An IPv6 client reaching an IPv4 listener: its local address is v4-mapped.
    set.connect_tcp(set.socket_on(v4_wildcard), AF_INET6, "::ffff:127.0.0.1", v4_wildcard);
    ASSERT_EQ(set.tcp_listeners.size(), 4u);
    ASSERT_EQ(set.udp_listeners.size(), 4u);
    ASSERT_EQ(set.established.size(), 12u);

    const auto snapshot = collect_live();
    const auto observed = observed_by_collector(snapshot, set.ports);
    EXPECT_EQ(observed.tcp_listeners, set.tcp_listeners);
    EXPECT_EQ(observed.udp_listeners, set.udp_listeners);
    EXPECT_EQ(observed.established, set.established);
    EXPECT_EQ(snapshot.warnings, std::vector<std::string>{});

    if (!ss_available()) {
        GTEST_SKIP() << "ss (iproute2) not installed: no oracle";
    }
    std::set<std::string> connected_udp;
    const auto oracle = observed_by_ss(set.ports, connected_udp);
    EXPECT_EQ(observed.tcp_listeners, oracle.tcp_listeners);
    EXPECT_EQ(observed.udp_listeners, oracle.udp_listeners);
    EXPECT_EQ(observed.established, oracle.established);
    // The oracle does see the connected UDP socket the collector must leave out.
    EXPECT_EQ(connected_udp.size(), 1u);
}

TEST(LiveSockets, ThousandsOfConnectionsAcrossChunks) {
    // 4000 sockets make /proc/net/tcp about 600 KB: many 64 KiB chunks.
    constexpr int kConnections = 2000;
    SocketSet set;
    const auto port = set.listen_tcp("127.0.0.1");
    for (int i = 0; i < kConnections; ++i) {
        set.connect_tcp(set.socket_on(port), AF_INET, "127.0.0.1", port);
    }
    const auto snapshot = collect_live();
    const auto observed = observed_by_collector(snapshot, set.ports);
    EXPECT_EQ(observed.tcp_listeners, set.tcp_listeners);
    EXPECT_EQ(observed.established.size(), 2u * kConnections);
    EXPECT_EQ(observed.established, set.established);
    if (ss_available()) {
        std::set<std::string> connected_udp;
        EXPECT_EQ(observed.established, observed_by_ss(set.ports, connected_udp).established);
    }
}

TEST(LiveSockets, InterfacesAddressesAndCpu) {
    const auto snapshot = collect_live();
    bool loopback_interface = false;
    for (const auto& interface : snapshot.interfaces) {
        if (interface.name == "lo") {
            loopback_interface = interface.loopback;
        } else {
            EXPECT_FALSE(interface.loopback) << interface.name;
        }
    }
    EXPECT_TRUE(loopback_interface);

    bool loopback_address = false;
    for (const auto& address : snapshot.addresses) {
        loopback_address |= address.interface == "lo" && address.address.to_string() == "127.0.0.1";
    }
    EXPECT_TRUE(loopback_address);
    ASSERT_TRUE(snapshot.cpu.has_value());
    EXPECT_GT(snapshot.cpu->total, 0u);
    EXPECT_LE(snapshot.cpu->busy, snapshot.cpu->total);
}

}  // namespace
}  // namespace defender
