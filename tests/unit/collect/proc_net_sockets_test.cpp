// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_net_sockets.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace defender {
namespace {

constexpr const char* kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";
constexpr const char* kUdpHeader =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode ref pointer drops\n";

std::vector<std::string> listeners(const SocketTable& table) {
    std::vector<std::string> out;
    for (const auto& socket : table.listeners) {
        out.push_back(socket.address.with_port(socket.port));
    }
    return out;
}

std::vector<std::string> connections(const SocketTable& table) {
    std::vector<std::string> out;
    for (const auto& c : table.established) {
        out.push_back(c.local.with_port(c.local_port) + " " + c.remote.with_port(c.remote_port));
    }
    return out;
}

/// A kernel-formatted IPv4 TCP line.
std::string tcp_line(int slot, const char* local, const char* remote, const char* state) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "%4d: %s %s %s 00000000:00000000 00:00000000 00000000  1000        0 %d 1 "
                  "000000001a3b9808 100 0 0 10 0\n",
                  slot, local, remote, state, 40000 + slot);
    return line;
}

TEST(SocketTable, TcpListenAndEstablishedOnly) {
    const std::string text = std::string(kTcpHeader) +
                             tcp_line(0, "00000000:0016", "00000000:0000", "0A") +
                             tcp_line(1, "0100007F:D0A1", "0100007F:9F44", "01") +
                             tcp_line(2, "0100007F:D0A2", "0100007F:9F45", "06") +  // TIME_WAIT
                             tcp_line(3, "0100007F:D0A3", "0100007F:9F46", "02") +  // SYN_SENT
                             tcp_line(4, "0100007F:D0A4", "0100007F:9F47", "08") +  // CLOSE_WAIT
                             tcp_line(5, "0100007F:D0A5", "00000000:0000", "07");   // CLOSE
    const auto table = parse_socket_table(text, SocketProtocol::tcp);
    EXPECT_EQ(listeners(table), (std::vector<std::string>{"0.0.0.0:22"}));
    EXPECT_EQ(connections(table), (std::vector<std::string>{"127.0.0.1:53409 127.0.0.1:40772"}));
    EXPECT_EQ(table.malformed_lines, 0u);
}

TEST(SocketTable, AddressWordsAreHostOrder) {
    // 192.168.0.1 is printed as the little-endian word 0100A8C0.
    const auto table = parse_socket_table(
        std::string(kTcpHeader) + tcp_line(0, "0100A8C0:1F90", "00000000:0000", "0A"),
        SocketProtocol::tcp);
    EXPECT_EQ(listeners(table), (std::vector<std::string>{"192.168.0.1:8080"}));
}

TEST(SocketTable, Ipv6AndMappedAddresses) {
    const std::string header =
        "  sl  local_address                         remote_address                        st "
        "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    const std::string rest =
        " 00000000:00000000 00:00000000 00000000     0        0 41351 1 00000000189ad955 100 0 0 "
        "10 0\n";
    const std::string text =
        header +
        "   0: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A" +
        rest +
        "   1: 0000000000000000FFFF00000100007F:E97D 0000000000000000FFFF00000100007F:8CAE 01" +
        rest +
        "   2: 00000000000000000000000001000000:E4A4 B80D01200000000000000000CDAB0000:E97D 01" +
        rest;
    const auto table = parse_socket_table(text, SocketProtocol::tcp);
    EXPECT_EQ(listeners(table), (std::vector<std::string>{"[2001:db8::1]:443"}));
    EXPECT_EQ(connections(table), (std::vector<std::string>{"127.0.0.1:59773 127.0.0.1:36014",
                                                            "[::1]:58532 [2001:db8::abcd]:59773"}));
    EXPECT_EQ(table.established[0].local.family, IpAddress::Family::v4);
}

TEST(SocketTable, UdpUnconnectedOnly) {
    const std::string text =
        std::string(kUdpHeader) +
        " 5744: 0100007F:AC9D 3500007F:0035 01 00000000:00000000 00:00000000 00000000     0     "
        "   0 41359 2 0000000068d4fa85 0\n"
        "14320: 00000000:CE1D 00000000:0000 07 00000000:00000000 00:00000000 00000000     0     "
        "   0 41358 2 00000000c1c208f6 0\n"
        // Remote address set but port 0: still connected.
        "14321: 00000000:CE1E 0100007F:0000 01 00000000:00000000 00:00000000 00000000     0     "
        "   0 41360 2 00000000c1c208f6 0\n"
        // Remote port set, address zero: not an unconnected socket either.
        "14322: 00000000:CE1F 00000000:0035 01 00000000:00000000 00:00000000 00000000     0     "
        "   0 41361 2 00000000c1c208f6 0\n";
    const auto table = parse_socket_table(text, SocketProtocol::udp);
    EXPECT_EQ(listeners(table), (std::vector<std::string>{"0.0.0.0:52765"}));
    EXPECT_TRUE(table.established.empty());
    EXPECT_EQ(table.malformed_lines, 0u);
}

TEST(SocketTable, MalformedLinesAreCountedAndSkipped) {
    const std::string good = tcp_line(0, "00000000:0016", "00000000:0000", "0A");
    const std::vector<std::string> bad = {
        "   1: 0100A8C0:1F90 00000000:00\n",                          // truncated
        "   1: 0100A8C0:1F90 00000000:0000 0A\n",                     // truncated
        tcp_line(1, "0100A8CG:1F90", "00000000:0000", "0A"),          // bad hex
        tcp_line(1, "0100A8C0:1F90x", "00000000:0000", "0A"),         // garbage
        tcp_line(1, "100A8C0:1F90", "00000000:0000", "0A"),           // 7 digits
        tcp_line(1, "0100A8C0:01F90", "00000000:0000", "0A"),         // 5-digit port
        tcp_line(1, "0100A8C0:1F90", "00000000:0000", "0AB"),         // 3-digit state
        tcp_line(1, "0100A8C00100A8C0:1F90", "00000000:0000", "0A"),  // 16 digits
        "   1 0100A8C0:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
        "garbage\n",
        ":\n",
    };
    for (const auto& line : bad) {
        const auto table = parse_socket_table(kTcpHeader + good + line + good, SocketProtocol::tcp);
        EXPECT_EQ(table.malformed_lines, 1u) << line;
        EXPECT_EQ(listeners(table), (std::vector<std::string>{"0.0.0.0:22", "0.0.0.0:22"})) << line;
    }
}

TEST(SocketTable, HeaderAndBlankLinesAreNotCounted) {
    const auto table = parse_socket_table(std::string(kTcpHeader) + "\n   \n", SocketProtocol::tcp);
    EXPECT_EQ(table.malformed_lines, 0u);
    EXPECT_TRUE(table.listeners.empty());
    EXPECT_EQ(parse_socket_table("", SocketProtocol::udp).malformed_lines, 0u);
}

TEST(SocketTable, ReadsLargeFileAcrossChunkBoundaries) {
    // Enough lines that every 64 KiB chunk boundary falls inside some line.
    const auto path = std::filesystem::temp_directory_path() /
                      ("defender_proc_net_sockets_test_" + std::to_string(::getpid()));
    constexpr int kLines = 5000;
    {
        std::ofstream out(path);
        out << kTcpHeader;
        for (int i = 0; i < kLines; ++i) {
            char local[32];
            std::snprintf(local, sizeof local, "0100007F:%04X", 1000 + i);
            out << tcp_line(i, local, "0200007F:0050", "01");
        }
    }
    SocketTable table;
    EXPECT_EQ(read_socket_table(path.string(), SocketProtocol::tcp, table), 0);
    std::filesystem::remove(path);
    ASSERT_EQ(table.established.size(), static_cast<std::size_t>(kLines));
    EXPECT_EQ(table.malformed_lines, 0u);
    for (int i = 0; i < kLines; ++i) {
        ASSERT_EQ(table.established[i].local_port, 1000 + i);
        ASSERT_EQ(table.established[i].remote.to_string(), "127.0.0.2");
    }
}

TEST(SocketTable, MissingFileGivesErrno) {
    SocketTable table;
    EXPECT_EQ(read_socket_table("/nonexistent/net/tcp", SocketProtocol::tcp, table), ENOENT);
}

}  // namespace
}  // namespace defender
