// SPDX-License-Identifier: Apache-2.0
#include "collect/netlink_messages.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "collect/netlink_inet_diag.hpp"
#include "netlink_test_messages.hpp"

namespace defender::netlink {
namespace {

constexpr std::uint32_t kSequence = 7;

/// Appends one netlink message (header, payload, padding to 4 bytes) to a datagram.
void append_message(std::vector<std::byte>& datagram, std::uint16_t type, Bytes payload,
                    std::uint16_t flags = NLM_F_MULTI, std::uint32_t sequence = kSequence) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + payload.size());
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    header.nlmsg_seq = sequence;
    const auto* raw = reinterpret_cast<const std::byte*>(&header);
    datagram.insert(datagram.end(), raw, raw + sizeof(header));
    datagram.insert(datagram.end(), payload.begin(), payload.end());
    datagram.resize(NLMSG_ALIGN(datagram.size()));
}

template <class T>
Bytes bytes_of(const T& value) {
    return std::as_bytes(std::span(&value, 1));
}

std::vector<std::byte> text_payload(const std::string& text) {
    const auto bytes = std::as_bytes(std::span(text));
    return {bytes.begin(), bytes.end()};
}

/// Walks the datagram and records each message as "type:payload-text".
std::pair<WalkOutcome, std::vector<std::string>> walk(const std::vector<std::byte>& datagram) {
    std::vector<std::string> seen;
    const auto outcome = walk_messages(datagram, kSequence, [&](std::uint16_t type, Bytes payload) {
        seen.push_back(std::to_string(type) + ":" +
                       std::string(reinterpret_cast<const char*>(payload.data()), payload.size()));
    });
    return {outcome, seen};
}

TEST(NetlinkWalk, DeliversEveryMessageOfADatagramInOrderWithExactPayloads) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("a"));     // padded by 3
    append_message(datagram, 21, text_payload("bcde"));  // no padding
    append_message(datagram, 22, text_payload(""));      // header only
    append_message(datagram, 23, text_payload("fghijk"));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"20:a", "21:bcde", "22:", "23:fghijk"}));
    EXPECT_FALSE(outcome.done);
    EXPECT_EQ(outcome.error, 0);
    EXPECT_FALSE(outcome.interrupted);
}

TEST(NetlinkWalk, DoneEndsTheDumpAndNothingAfterItIsDelivered) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("x"));
    const int zero = 0;
    append_message(datagram, NLMSG_DONE, bytes_of(zero));
    append_message(datagram, 21, text_payload("after"));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"20:x"}));
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, 0);
}

TEST(NetlinkWalk, DoneWithoutPayloadIsASuccessfulEnd) {
    std::vector<std::byte> datagram;
    append_message(datagram, NLMSG_DONE, {});
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, 0);
}

TEST(NetlinkWalk, DoneCarryingANegativeErrnoIsAFailure) {
    std::vector<std::byte> datagram;
    const int error = -EINVAL;
    append_message(datagram, NLMSG_DONE, bytes_of(error));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, EINVAL);
}

TEST(NetlinkWalk, ErrorMessageEndsTheDumpWithItsErrno) {
    std::vector<std::byte> datagram;
    nlmsgerr error{};
    error.error = -EPERM;
    append_message(datagram, NLMSG_ERROR, bytes_of(error), 0);
    append_message(datagram, 20, text_payload("after"));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(seen.empty());
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, EPERM);
}

TEST(NetlinkWalk, AcknowledgementEndsTheDumpWithoutError) {
    std::vector<std::byte> datagram;
    const nlmsgerr ack{};
    append_message(datagram, NLMSG_ERROR, bytes_of(ack), 0);
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, 0);
}

TEST(NetlinkWalk, ShortErrorMessageIsABadMessage) {
    std::vector<std::byte> datagram;
    const int half_an_error = -EPERM;
    append_message(datagram, NLMSG_ERROR, bytes_of(half_an_error), 0);
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, EBADMSG);
}

TEST(NetlinkWalk, DumpInterruptedFlagOnAnyMessageIsReported) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("a"));
    append_message(datagram, 21, text_payload("b"), NLM_F_MULTI | NLM_F_DUMP_INTR);
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen.size(), 2U);
    EXPECT_TRUE(outcome.interrupted);
    EXPECT_FALSE(outcome.done);
}

TEST(NetlinkWalk, MessagesOfAnotherSequenceAreSkippedEvenTheirDone) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("stale"), NLM_F_MULTI, kSequence - 1);
    append_message(datagram, NLMSG_DONE, {}, NLM_F_MULTI, kSequence - 1);
    append_message(datagram, 21, text_payload("current"));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"21:current"}));
    EXPECT_FALSE(outcome.done);
}

TEST(NetlinkWalk, NoopAndOverrunAreNotData) {
    std::vector<std::byte> datagram;
    append_message(datagram, NLMSG_NOOP, {});
    append_message(datagram, NLMSG_OVERRUN, {});
    append_message(datagram, 20, text_payload("a"));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"20:a"}));
}

TEST(NetlinkWalk, LengthPastTheDatagramIsABadMessage) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("a"));
    append_message(datagram, 21, text_payload("truncated!"));
    datagram.resize(datagram.size() - 4);
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"20:a"}));
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(outcome.error, EBADMSG);
}

TEST(NetlinkWalk, LengthShorterThanAHeaderIsABadMessage) {
    std::vector<std::byte> datagram;
    append_message(datagram, 20, {});
    nlmsghdr header{};
    std::memcpy(&header, datagram.data(), sizeof(header));
    header.nlmsg_len = 8;
    std::memcpy(datagram.data(), &header, sizeof(header));
    const auto [outcome, seen] = walk(datagram);
    EXPECT_TRUE(seen.empty());
    EXPECT_EQ(outcome.error, EBADMSG);
}

TEST(NetlinkWalk, EmptyDatagramAndTailShorterThanAHeaderDeliverNothing) {
    EXPECT_TRUE(walk({}).second.empty());
    EXPECT_FALSE(walk({}).first.done);
    std::vector<std::byte> datagram;
    append_message(datagram, 20, text_payload("a"));
    datagram.resize(datagram.size() + 8);
    const auto [outcome, seen] = walk(datagram);
    EXPECT_EQ(seen, (std::vector<std::string>{"20:a"}));
    EXPECT_EQ(outcome.error, 0);
}

using test::diag_message;

TEST(NetlinkWalk, SockDiagDatagramFillsTheSnapshot) {
    std::vector<std::byte> datagram;
    append_message(datagram, SOCK_DIAG_BY_FAMILY,
                   bytes_of(diag_message(AF_INET, TCP_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0)));
    append_message(datagram, SOCK_DIAG_BY_FAMILY,
                   bytes_of(diag_message(AF_INET6, TCP_ESTABLISHED, "::ffff:10.0.0.5", 443,
                                         "::ffff:192.0.2.9", 50123)));
    append_message(datagram, SOCK_DIAG_BY_FAMILY,
                   bytes_of(diag_message(AF_INET6, TCP_ESTABLISHED, "2001:db8::1", 8883,
                                         "2001:db8::2", 40000)));
    append_message(datagram, NLMSG_DONE, {});

    Snapshot snapshot;
    const auto outcome = walk_messages(datagram, kSequence, [&](std::uint16_t type, Bytes payload) {
        ASSERT_EQ(type, SOCK_DIAG_BY_FAMILY);
        const auto socket = parse_inet_diag(payload);
        ASSERT_TRUE(socket.has_value());
        add_socket(*socket, DiagProtocol::tcp, snapshot);
    });
    EXPECT_TRUE(outcome.done);
    ASSERT_EQ(snapshot.tcp_listeners.size(), 1U);
    EXPECT_EQ(snapshot.tcp_listeners[0].address.with_port(snapshot.tcp_listeners[0].port),
              "0.0.0.0:22");
    ASSERT_EQ(snapshot.tcp_established.size(), 2U);
    std::vector<std::string> connections;
    for (const auto& c : snapshot.tcp_established) {
        connections.push_back(c.local.with_port(c.local_port) + " " +
                              c.remote.with_port(c.remote_port));
    }
    EXPECT_EQ(connections, (std::vector<std::string>{"10.0.0.5:443 192.0.2.9:50123",
                                                     "[2001:db8::1]:8883 [2001:db8::2]:40000"}));
    EXPECT_TRUE(snapshot.udp_listeners.empty());
}

}  // namespace
}  // namespace defender::netlink
