// SPDX-License-Identifier: Apache-2.0
#include "synthetic_input.hpp"

#include <cstdint>
#include <cstdio>
#include <random>

#include "collect/proc_net_dev.hpp"
#include "collect/proc_net_sockets.hpp"
#include "defender/report_builder.hpp"

namespace defender::bench {
namespace {

constexpr std::size_t kTcpLineWidth = 149;  // seq_setwidth(TMPSZ - 1) in net/ipv4/tcp_ipv4.c
constexpr std::size_t kUdpLineWidth = 127;  // seq_setwidth(127) in net/ipv4/udp.c

constexpr std::uint32_t kLoopback = 0x7F000001;    // 127.0.0.1
constexpr std::uint32_t kEth0 = 0xC0000202;        // 192.0.2.2
constexpr std::uint32_t kRemoteBase = 0x0A000000;  // 10.0.0.0/8

enum class TcpState { established = 0x01, time_wait = 0x06, listen = 0x0A };

TcpState tcp_state_of_line(std::size_t line, std::size_t sockets) {
    if (line < sockets / 100 + 1) return TcpState::listen;
    if (line % 10 == 0) return TcpState::time_wait;
    return TcpState::established;
}

/// A /proc address word: the network-order bytes read as a native (little-endian) integer.
std::uint32_t proc_word(std::uint32_t host_order) {
    return __builtin_bswap32(host_order);
}

void append_padded(std::string& text, const char* line, std::size_t width) {
    const std::size_t start = text.size();
    text += line;
    if (text.size() - start < width) text.append(width - (text.size() - start), ' ');
    text += '\n';
}

struct Endpoint4 {
    std::uint32_t address;
    std::uint16_t port;
};

struct LineEndpoints {
    Endpoint4 local;
    Endpoint4 remote;
};

/// Deterministic, varied endpoints: local on lo or eth0, remote among 65 536 hosts.
LineEndpoints endpoints_of_line(std::size_t line, TcpState state) {
    const auto mixed = static_cast<std::uint32_t>(line * 2654435761u);
    const std::uint32_t local = (line % 3 == 0) ? kLoopback : kEth0;
    if (state == TcpState::listen) {
        return {{line % 2 == 0 ? 0u : local, static_cast<std::uint16_t>(1024 + line)}, {0, 0}};
    }
    return {
        {local, static_cast<std::uint16_t>(32768 + line % 28000)},
        {kRemoteBase | (mixed & 0xFFFF), static_cast<std::uint16_t>(1 + (mixed >> 16) % 65535)}};
}

std::string hashed_pointer(std::size_t line) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx",
                  static_cast<unsigned long long>(line * 0x9E3779B97F4A7C15ull));
    return buffer;
}

/// The tail of a line after the state: queues, timers, uid, inode, ...; as the kernel prints it.
std::string tcp_tail(TcpState state, std::size_t line) {
    char buffer[128];
    const auto pointer = hashed_pointer(line);
    if (state == TcpState::time_wait) {
        std::snprintf(buffer, sizeof buffer, "00000000:00000000 03:%08X 00000000 %5d %8d %d %d %s",
                      0x1000u, 0, 0, 0, 3, pointer.c_str());
    } else if (state == TcpState::listen) {
        std::snprintf(buffer, sizeof buffer,
                      "00000000:00000000 00:00000000 00000000 %5u %8d %lu %d %s %lu %lu %u %u %d",
                      0u, 0, static_cast<unsigned long>(100000 + line), 1, pointer.c_str(), 100ul,
                      0ul, 0u, 10u, 0);
    } else {
        std::snprintf(buffer, sizeof buffer,
                      "00000000:00000000 02:%08X 00000000 %5u %8d %lu %d %s %lu %lu %u %u %d",
                      0x3A2Bu, 1000u, 0, static_cast<unsigned long>(100000 + line), 1,
                      pointer.c_str(), 20ul, 4ul, 1u, 10u, -1);
    }
    return buffer;
}

/// Four /proc words of an IPv6 address: v4-mapped (::ffff:a.b.c.d) or fd00::/64 + suffix.
void append_v6_words(char* out, std::size_t size, std::uint32_t v4, bool mapped) {
    if (v4 == 0) {
        std::snprintf(out, size, "%08X%08X%08X%08X", 0u, 0u, 0u, 0u);
    } else if (mapped) {
        std::snprintf(out, size, "%08X%08X%08X%08X", 0u, 0u, proc_word(0x0000FFFF), proc_word(v4));
    } else {
        std::snprintf(out, size, "%08X%08X%08X%08X", proc_word(0xFD000000), 0u, 0u,
                      proc_word(v4 & 0xFFFF));
    }
}

}  // namespace

std::string proc_net_tcp_text(std::size_t sockets) {
    std::string text;
    text.reserve((sockets + 1) * (kTcpLineWidth + 1));
    append_padded(text,
                  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
                  "uid  timeout inode",
                  kTcpLineWidth);
    char line_text[256];
    for (std::size_t line = 0; line < sockets; ++line) {
        const TcpState state = tcp_state_of_line(line, sockets);
        const auto [local, remote] = endpoints_of_line(line, state);
        std::snprintf(line_text, sizeof line_text, "%4zu: %08X:%04X %08X:%04X %02X %s", line,
                      proc_word(local.address), local.port, proc_word(remote.address), remote.port,
                      static_cast<unsigned>(state), tcp_tail(state, line).c_str());
        append_padded(text, line_text, kTcpLineWidth);
    }
    return text;
}

std::string proc_net_tcp6_text(std::size_t sockets) {
    std::string text;
    text.reserve((sockets + 1) * 170);
    text +=
        "  sl  local_address                         remote_address                        st "
        "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    char line_text[320];
    char local_words[40];
    char remote_words[40];
    for (std::size_t line = 0; line < sockets; ++line) {
        const TcpState state = tcp_state_of_line(line, sockets);
        const auto [local, remote] = endpoints_of_line(line, state);
        const bool mapped = line % 3 == 1;
        append_v6_words(local_words, sizeof local_words,
                        local.address == 0 ? 0 : (mapped ? local.address : 2), mapped);
        append_v6_words(remote_words, sizeof remote_words, remote.address, mapped);
        std::snprintf(line_text, sizeof line_text, "%4zu: %s:%04X %s:%04X %02X %s\n", line,
                      local_words, local.port, remote_words, remote.port,
                      static_cast<unsigned>(state), tcp_tail(state, line).c_str());
        text += line_text;
    }
    return text;
}

std::string proc_net_udp_text(std::size_t sockets) {
    std::string text;
    text.reserve((sockets + 1) * (kUdpLineWidth + 1));
    append_padded(text,
                  "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
                  "uid  timeout inode ref pointer drops",
                  kUdpLineWidth);
    char line_text[256];
    for (std::size_t line = 0; line < sockets; ++line) {
        const bool connected = line % 10 == 0;
        const std::uint32_t local = line % 2 == 0 ? 0u : kEth0;
        const std::uint32_t remote = connected ? kRemoteBase | (line & 0xFFFF) : 0u;
        std::snprintf(line_text, sizeof line_text,
                      "%5zu: %08X:%04X %08X:%04X %02X 00000000:00000000 00:00000000 00000000 "
                      "%5u %8d %lu %d %s %u",
                      line % 32768, proc_word(local), static_cast<unsigned>(1024 + line % 60000),
                      proc_word(remote), connected ? 53u : 0u, connected ? 0x01u : 0x07u, 0u, 0,
                      static_cast<unsigned long>(200000 + line), 2, hashed_pointer(line).c_str(),
                      0u);
        append_padded(text, line_text, kUdpLineWidth);
    }
    return text;
}

std::string proc_net_dev_text(std::size_t interfaces) {
    std::string text =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
        "errs drop fifo colls carrier compressed\n";
    char line_text[512];
    for (std::size_t i = 0; i < interfaces; ++i) {
        const std::string name = i == 0 ? "lo" : (i == 1 ? "eth0" : "veth" + std::to_string(i - 2));
        const auto bytes = static_cast<unsigned long long>(14894008ull * (i + 1));
        const auto packets = static_cast<unsigned long long>(267953ull * (i + 1));
        // seq_printf(seq, "%6s:%8llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu "
        //            "%8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu\n", ...) in
        //            net/core/net-procfs.c
        std::snprintf(line_text, sizeof line_text,
                      "%6s:%8llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu "
                      "%4llu %4llu %5llu %7llu %10llu\n",
                      name.c_str(), bytes, packets, 0ull, 0ull, 0ull, 0ull, 0ull, 0ull, bytes / 2,
                      packets / 2, 0ull, 0ull, 0ull, 0ull, 0ull, 0ull);
        text += line_text;
    }
    return text;
}

std::vector<InterfaceAddress> host_addresses() {
    return {{"lo", *IpAddress::parse("127.0.0.1")},
            {"lo", *IpAddress::parse("::1")},
            {"eth0", *IpAddress::parse("192.0.2.2")},
            {"eth0", *IpAddress::parse("fd00::2")},
            {"eth0", *IpAddress::parse("fe80::fc:ff:fe00:1")}};
}

Snapshot synthetic_snapshot(std::size_t sockets) {
    const auto tcp =
        parse_socket_table(proc_net_tcp_text(sockets - sockets / 2), SocketProtocol::tcp);
    const auto tcp6 = parse_socket_table(proc_net_tcp6_text(sockets / 2), SocketProtocol::tcp);
    const auto udp = parse_socket_table(proc_net_udp_text(20), SocketProtocol::udp);
    Snapshot snapshot;
    snapshot.tcp_listeners = tcp.listeners;
    snapshot.tcp_listeners.insert(snapshot.tcp_listeners.end(), tcp6.listeners.begin(),
                                  tcp6.listeners.end());
    snapshot.tcp_established = tcp.established;
    snapshot.tcp_established.insert(snapshot.tcp_established.end(), tcp6.established.begin(),
                                    tcp6.established.end());
    snapshot.udp_listeners = udp.listeners;
    snapshot.interfaces = parse_proc_net_dev(proc_net_dev_text(4)).interfaces;
    snapshot.interfaces[0].loopback = true;
    snapshot.addresses = host_addresses();
    snapshot.cpu = CpuTimes{123456, 987654};
    return snapshot;
}

Report synthetic_report(std::size_t sockets, std::size_t max_list_size) {
    const Snapshot snapshot = synthetic_snapshot(sockets);
    Baseline baseline = baseline_of(snapshot);
    for (auto& interface : baseline.interfaces)
        interface.bytes_in /= 2;
    baseline.cpu = CpuTimes{123000, 987000};
    BuildOptions options;
    options.cpu_usage = true;
    options.max_list_size = max_list_size;
    std::mt19937_64 random{42};
    return build_report(snapshot, &baseline, 1700000000, options, random);
}

}  // namespace defender::bench
