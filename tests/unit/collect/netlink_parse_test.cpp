// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "collect/netlink_inet_diag.hpp"
#include "collect/netlink_route.hpp"
#include "netlink_test_messages.hpp"

namespace defender::netlink {
namespace {

using ByteVector = std::vector<std::byte>;

template <class T>
void append_raw(ByteVector& out, const T& value) {
    const auto* raw = reinterpret_cast<const std::byte*>(&value);
    out.insert(out.end(), raw, raw + sizeof(T));
}

/// A route message payload: the fixed header padded to 4 bytes, then attributes.
template <class Header>
ByteVector route_payload(const Header& header) {
    ByteVector out;
    append_raw(out, header);
    out.resize(NLMSG_ALIGN(out.size()));
    return out;
}

void append_attribute(ByteVector& out, unsigned short type, const void* data, std::size_t size) {
    rtattr attribute{};
    attribute.rta_type = type;
    attribute.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
    append_raw(out, attribute);
    const auto* raw = static_cast<const std::byte*>(data);
    out.insert(out.end(), raw, raw + size);
    out.resize(RTA_ALIGN(out.size()));
}

void append_string_attribute(ByteVector& out, unsigned short type, const std::string& text) {
    append_attribute(out, type, text.c_str(), text.size() + 1);
}

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

// --- sock_diag ------------------------------------------------------------------------------

using test::diag_message;

std::optional<DiagSocket> parse(const inet_diag_msg& message) {
    return parse_inet_diag(std::as_bytes(std::span(&message, 1)));
}

TEST(NetlinkInetDiag, Ipv4AddressesAndPortsAreConvertedFromNetworkOrder) {
    const auto socket =
        parse(diag_message(AF_INET, TCP_ESTABLISHED, "192.168.1.20", 8883, "203.0.113.7", 51000));
    ASSERT_TRUE(socket);
    EXPECT_EQ(socket->state, TCP_ESTABLISHED);
    EXPECT_EQ(socket->local, ip("192.168.1.20"));
    EXPECT_EQ(socket->local_port, 8883);
    EXPECT_EQ(socket->remote, ip("203.0.113.7"));
    EXPECT_EQ(socket->remote_port, 51000);
}

TEST(NetlinkInetDiag, Ipv6AddressesStayIpv6) {
    const auto socket = parse(diag_message(AF_INET6, TCP_LISTEN, "fe80::1:2", 65535, "::", 0));
    ASSERT_TRUE(socket);
    EXPECT_EQ(socket->local.to_string(), "fe80::1:2");
    EXPECT_EQ(socket->local.family, IpAddress::Family::v6);
    EXPECT_EQ(socket->local_port, 65535);
    EXPECT_EQ(socket->remote.to_string(), "::");
}

TEST(NetlinkInetDiag, V4MappedAddressesBecomeIpv4) {
    const auto socket = parse(
        diag_message(AF_INET6, TCP_ESTABLISHED, "::ffff:127.0.0.1", 80, "::ffff:10.1.2.3", 1024));
    ASSERT_TRUE(socket);
    EXPECT_EQ(socket->local, ip("127.0.0.1"));
    EXPECT_EQ(socket->remote, ip("10.1.2.3"));
}

TEST(NetlinkInetDiag, TrailingAttributesAreIgnored) {
    const auto message = diag_message(AF_INET, TCP_LISTEN, "10.0.0.1", 53, "0.0.0.0", 0);
    ByteVector payload;
    append_raw(payload, message);
    const std::uint8_t shutdown = 0;
    append_attribute(payload, INET_DIAG_SHUTDOWN, &shutdown, 1);
    const auto socket = parse_inet_diag(payload);
    ASSERT_TRUE(socket);
    EXPECT_EQ(socket->local.with_port(socket->local_port), "10.0.0.1:53");
}

TEST(NetlinkInetDiag, ShortPayloadOrUnknownFamilyIsRejected) {
    const auto message = diag_message(AF_INET, TCP_LISTEN, "10.0.0.1", 53, "0.0.0.0", 0);
    const auto bytes = std::as_bytes(std::span(&message, 1));
    EXPECT_FALSE(parse_inet_diag(bytes.first(sizeof(message) - 1)));
    EXPECT_FALSE(parse_inet_diag({}));
    auto unix_family = message;
    unix_family.idiag_family = AF_UNIX;
    EXPECT_FALSE(parse(unix_family));
}

std::vector<std::string> listeners(const std::vector<ListeningSocket>& sockets) {
    std::vector<std::string> out;
    for (const auto& socket : sockets) {
        out.push_back(socket.address.with_port(socket.port));
    }
    return out;
}

TEST(NetlinkInetDiag, TcpSocketsAreFiledByState) {
    Snapshot snapshot;
    for (const auto& message : {
             diag_message(AF_INET, TCP_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0),
             diag_message(AF_INET6, TCP_LISTEN, "::1", 631, "::", 0),
             diag_message(AF_INET, TCP_ESTABLISHED, "10.0.0.2", 22, "10.0.0.9", 60000),
             diag_message(AF_INET, TCP_TIME_WAIT, "10.0.0.2", 22, "10.0.0.9", 60001),
             diag_message(AF_INET, TCP_SYN_RECV, "10.0.0.2", 22, "10.0.0.9", 60002),
             diag_message(AF_INET, TCP_CLOSE, "10.0.0.2", 23, "0.0.0.0", 0),
         }) {
        add_socket(*parse(message), DiagProtocol::tcp, snapshot);
    }
    EXPECT_EQ(listeners(snapshot.tcp_listeners),
              (std::vector<std::string>{"0.0.0.0:22", "[::1]:631"}));
    ASSERT_EQ(snapshot.tcp_established.size(), 1U);
    EXPECT_EQ(snapshot.tcp_established[0].remote.with_port(snapshot.tcp_established[0].remote_port),
              "10.0.0.9:60000");
    EXPECT_EQ(snapshot.tcp_established[0].local_port, 22);
    EXPECT_TRUE(snapshot.udp_listeners.empty());
}

TEST(NetlinkInetDiag, OnlyUnconnectedUdpSocketsAreListeners) {
    Snapshot snapshot;
    for (const auto& message : {
             diag_message(AF_INET, TCP_CLOSE, "0.0.0.0", 68, "0.0.0.0", 0),
             diag_message(AF_INET6, TCP_CLOSE, "::ffff:127.0.0.53", 53, "::", 0),
             diag_message(AF_INET, TCP_ESTABLISHED, "10.0.0.2", 40000, "10.0.0.1", 53),
             diag_message(AF_INET6, TCP_ESTABLISHED, "::", 40001, "::ffff:10.0.0.1", 123),
             diag_message(AF_INET, TCP_CLOSE, "0.0.0.0", 5000, "0.0.0.0", 7),
             diag_message(AF_INET, TCP_CLOSE, "0.0.0.0", 5001, "10.0.0.1", 0),
         }) {
        add_socket(*parse(message), DiagProtocol::udp, snapshot);
    }
    EXPECT_EQ(listeners(snapshot.udp_listeners),
              (std::vector<std::string>{"0.0.0.0:68", "127.0.0.53:53"}));
    EXPECT_TRUE(snapshot.tcp_listeners.empty());
    EXPECT_TRUE(snapshot.tcp_established.empty());
}

TEST(NetlinkInetDiag, RequestsAskForOneFamilyAndTheNeededStates) {
    const auto tcp6 = make_sock_diag_request(AF_INET6, DiagProtocol::tcp, 42);
    EXPECT_EQ(tcp6.header.nlmsg_len, sizeof(nlmsghdr) + sizeof(inet_diag_req_v2));
    EXPECT_EQ(tcp6.header.nlmsg_type, SOCK_DIAG_BY_FAMILY);
    EXPECT_EQ(tcp6.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(tcp6.header.nlmsg_seq, 42U);
    EXPECT_EQ(tcp6.body.sdiag_family, AF_INET6);
    EXPECT_EQ(tcp6.body.sdiag_protocol, IPPROTO_TCP);
    EXPECT_EQ(tcp6.body.idiag_states, (1U << TCP_LISTEN) | (1U << TCP_ESTABLISHED));
    EXPECT_EQ(tcp6.body.idiag_ext, 0);

    const auto udp4 = make_sock_diag_request(AF_INET, DiagProtocol::udp, 1);
    EXPECT_EQ(udp4.body.sdiag_family, AF_INET);
    EXPECT_EQ(udp4.body.sdiag_protocol, IPPROTO_UDP);
    EXPECT_EQ(udp4.body.idiag_states, ~0U);
}

// --- attributes -----------------------------------------------------------------------------

std::vector<std::string> attribute_list(const ByteVector& bytes, bool* complete) {
    std::vector<std::string> seen;
    *complete = walk_attributes(bytes, [&](unsigned short type, Bytes value) {
        seen.push_back(std::to_string(type) + "/" + std::to_string(value.size()));
    });
    return seen;
}

TEST(NetlinkAttributes, WalksAllAttributesIncludingUnknownOnes) {
    ByteVector bytes;
    append_string_attribute(bytes, IFLA_IFNAME, "eth0");  // 5 bytes, padded to 8
    append_attribute(bytes, 9999, "abcdefgh", 8);
    append_attribute(bytes, IFLA_MTU, "\0\0\0\0", 4);
    append_attribute(bytes, 77, nullptr, 0);
    bool complete = false;
    EXPECT_EQ(attribute_list(bytes, &complete),
              (std::vector<std::string>{"3/5", "9999/8", "4/4", "77/0"}));
    EXPECT_TRUE(complete);
}

TEST(NetlinkAttributes, NestedFlagIsMaskedFromTheType) {
    ByteVector bytes;
    append_attribute(bytes, IFLA_AF_SPEC | NLA_F_NESTED, "abcd", 4);
    bool complete = false;
    EXPECT_EQ(attribute_list(bytes, &complete),
              (std::vector<std::string>{std::to_string(IFLA_AF_SPEC) + "/4"}));
}

TEST(NetlinkAttributes, TruncatedAttributeMakesTheListIncomplete) {
    ByteVector bytes;
    append_string_attribute(bytes, IFLA_IFNAME, "eth0");
    append_attribute(bytes, IFLA_STATS64, "0123456789abcdef", 16);
    bytes.resize(bytes.size() - 1);
    bool complete = true;
    EXPECT_EQ(attribute_list(bytes, &complete), (std::vector<std::string>{"3/5"}));
    EXPECT_FALSE(complete);
}

TEST(NetlinkAttributes, AttributeLengthBelowItsHeaderIsMalformed) {
    ByteVector bytes;
    append_attribute(bytes, IFLA_MTU, "abcd", 4);
    rtattr bad{};
    bad.rta_len = 2;
    bad.rta_type = IFLA_MTU;
    append_raw(bytes, bad);
    bool complete = true;
    EXPECT_EQ(attribute_list(bytes, &complete).size(), 1U);
    EXPECT_FALSE(complete);
}

// --- links ----------------------------------------------------------------------------------

ifinfomsg link_header(int index, unsigned flags) {
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    header.ifi_index = index;
    header.ifi_flags = flags;
    return header;
}

rtnl_link_stats64 stats64(std::uint64_t base) {
    rtnl_link_stats64 stats{};
    stats.rx_packets = base + 1;
    stats.tx_packets = base + 2;
    stats.rx_bytes = base + 3;
    stats.tx_bytes = base + 4;
    stats.rx_errors = 99;
    return stats;
}

TEST(NetlinkLink, NameCountersAndIndexAreRead) {
    auto payload = link_header(3, IFF_UP | IFF_BROADCAST);
    ByteVector bytes = route_payload(payload);
    append_attribute(bytes, IFLA_MTU, "\xdc\x05\0\0", 4);
    append_string_attribute(bytes, IFLA_IFNAME, "br-lan");
    const auto stats = stats64(5'000'000'000ULL);  // above 32 bits
    append_attribute(bytes, IFLA_STATS64, &stats, sizeof(stats));
    append_attribute(bytes, 4321, "unknown", 7);
    const auto link = parse_link(bytes);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->index, 3);
    EXPECT_EQ(link->counters.name, "br-lan");
    EXPECT_EQ(link->counters.packets_in, 5'000'000'001ULL);
    EXPECT_EQ(link->counters.packets_out, 5'000'000'002ULL);
    EXPECT_EQ(link->counters.bytes_in, 5'000'000'003ULL);
    EXPECT_EQ(link->counters.bytes_out, 5'000'000'004ULL);
    EXPECT_FALSE(link->counters.loopback);
}

TEST(NetlinkLink, LoopbackComesFromTheFlags) {
    ByteVector bytes = route_payload(link_header(1, IFF_UP | IFF_LOOPBACK));
    append_string_attribute(bytes, IFLA_IFNAME, "lo");
    const auto link = parse_link(bytes);
    ASSERT_TRUE(link);
    EXPECT_TRUE(link->counters.loopback);
    EXPECT_EQ(link->counters.bytes_in, 0U);
}

TEST(NetlinkLink, Stats64WinsOverThe32BitStatsInEitherOrder) {
    rtnl_link_stats stats32{};
    stats32.rx_packets = 7;
    stats32.tx_packets = 8;
    stats32.rx_bytes = 9;
    stats32.tx_bytes = 10;
    const auto stats = stats64(100);
    for (const bool stats32_first : {true, false}) {
        ByteVector bytes = route_payload(link_header(2, 0));
        append_string_attribute(bytes, IFLA_IFNAME, "eth0");
        if (stats32_first) {
            append_attribute(bytes, IFLA_STATS, &stats32, sizeof(stats32));
        }
        append_attribute(bytes, IFLA_STATS64, &stats, sizeof(stats));
        if (!stats32_first) {
            append_attribute(bytes, IFLA_STATS, &stats32, sizeof(stats32));
        }
        const auto link = parse_link(bytes);
        ASSERT_TRUE(link);
        EXPECT_EQ(link->counters.packets_in, 101U);
        EXPECT_EQ(link->counters.bytes_out, 104U);
    }
}

TEST(NetlinkLink, The32BitStatsServeWhenThereIsNoStats64) {
    rtnl_link_stats stats32{};
    stats32.rx_packets = 7;
    stats32.tx_packets = 8;
    stats32.rx_bytes = 9;
    stats32.tx_bytes = 10;
    ByteVector bytes = route_payload(link_header(2, 0));
    append_string_attribute(bytes, IFLA_IFNAME, "eth0");
    append_attribute(bytes, IFLA_STATS, &stats32, sizeof(stats32));
    const auto link = parse_link(bytes);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->counters.packets_in, 7U);
    EXPECT_EQ(link->counters.packets_out, 8U);
    EXPECT_EQ(link->counters.bytes_in, 9U);
    EXPECT_EQ(link->counters.bytes_out, 10U);
}

TEST(NetlinkLink, NameWithoutTerminatorIsTakenWhole) {
    ByteVector bytes = route_payload(link_header(4, 0));
    append_attribute(bytes, IFLA_IFNAME, "eth0.100", 8);
    const auto link = parse_link(bytes);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->counters.name, "eth0.100");
}

TEST(NetlinkLink, MalformedMessagesAreRejected) {
    const auto stats = stats64(0);
    ByteVector no_name = route_payload(link_header(4, 0));
    append_attribute(no_name, IFLA_STATS64, &stats, sizeof(stats));
    EXPECT_FALSE(parse_link(no_name));

    ByteVector empty_name = route_payload(link_header(4, 0));
    append_string_attribute(empty_name, IFLA_IFNAME, "");
    EXPECT_FALSE(parse_link(empty_name));

    ByteVector truncated = route_payload(link_header(4, 0));
    append_string_attribute(truncated, IFLA_IFNAME, "eth0");
    append_attribute(truncated, IFLA_STATS64, &stats, sizeof(stats));
    truncated.resize(truncated.size() - 8);
    EXPECT_FALSE(parse_link(truncated));

    const ByteVector short_header(sizeof(ifinfomsg) - 1);
    EXPECT_FALSE(parse_link(short_header));
}

TEST(NetlinkLink, RequestDumpsAllLinks) {
    const auto request = make_link_dump_request(5);
    EXPECT_EQ(request.header.nlmsg_len, sizeof(nlmsghdr) + sizeof(ifinfomsg));
    EXPECT_EQ(request.header.nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(request.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(request.header.nlmsg_seq, 5U);
    EXPECT_EQ(request.body.ifi_family, AF_UNSPEC);
}

// --- addresses ------------------------------------------------------------------------------

ByteVector address_payload(unsigned char family, std::uint32_t index) {
    ifaddrmsg header{};
    header.ifa_family = family;
    header.ifa_index = index;
    header.ifa_prefixlen = family == AF_INET ? 24 : 64;
    return route_payload(header);
}

void append_address(ByteVector& bytes, unsigned short type, int family, const char* text) {
    std::array<unsigned char, 16> raw{};
    ASSERT_EQ(inet_pton(family, text, raw.data()), 1);
    append_attribute(bytes, type, raw.data(), family == AF_INET ? 4 : 16);
}

TEST(NetlinkAddress, Ipv4LocalIsPreferredOverThePeerAddress) {
    for (const bool local_first : {true, false}) {
        ByteVector bytes = address_payload(AF_INET, 7);
        if (local_first) {
            append_address(bytes, IFA_LOCAL, AF_INET, "10.8.0.2");
        }
        append_address(bytes, IFA_ADDRESS, AF_INET, "10.8.0.1");
        if (!local_first) {
            append_address(bytes, IFA_LOCAL, AF_INET, "10.8.0.2");
        }
        append_string_attribute(bytes, IFA_LABEL, "tun0");
        const auto address = parse_address(bytes);
        ASSERT_TRUE(address);
        EXPECT_EQ(address->index, 7);
        EXPECT_EQ(address->address, ip("10.8.0.2"));
    }
}

TEST(NetlinkAddress, AddressAloneIsUsed) {
    ByteVector bytes = address_payload(AF_INET6, 2);
    append_address(bytes, IFA_ADDRESS, AF_INET6, "2001:db8::42");
    const std::uint32_t flags = 0;
    append_attribute(bytes, IFA_FLAGS, &flags, sizeof(flags));
    const auto address = parse_address(bytes);
    ASSERT_TRUE(address);
    EXPECT_EQ(address->index, 2);
    EXPECT_EQ(address->address.to_string(), "2001:db8::42");
}

TEST(NetlinkAddress, MalformedMessagesAreRejected) {
    ByteVector none = address_payload(AF_INET, 2);
    append_string_attribute(none, IFA_LABEL, "eth0");
    EXPECT_FALSE(parse_address(none));

    ByteVector wrong_size = address_payload(AF_INET, 2);
    append_attribute(wrong_size, IFA_ADDRESS, "\x0a\0\0\x01\0\0", 6);
    EXPECT_FALSE(parse_address(wrong_size));

    ByteVector other_family = address_payload(AF_PACKET, 2);
    append_attribute(other_family, IFA_ADDRESS, "\x0a\0\0\x01", 4);
    EXPECT_FALSE(parse_address(other_family));

    ByteVector truncated = address_payload(AF_INET6, 2);
    append_address(truncated, IFA_ADDRESS, AF_INET6, "2001:db8::42");
    truncated.resize(truncated.size() - 4);
    EXPECT_FALSE(parse_address(truncated));

    EXPECT_FALSE(parse_address(ByteVector(sizeof(ifaddrmsg) - 1)));
}

TEST(NetlinkAddress, RequestDumpsEveryFamily) {
    const auto request = make_address_dump_request(9);
    EXPECT_EQ(request.header.nlmsg_len, sizeof(nlmsghdr) + sizeof(ifaddrmsg));
    EXPECT_EQ(request.header.nlmsg_type, RTM_GETADDR);
    EXPECT_EQ(request.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(request.body.ifa_family, AF_UNSPEC);
}

}  // namespace
}  // namespace defender::netlink
