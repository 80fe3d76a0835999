// SPDX-License-Identifier: Apache-2.0
#pragma once
// Hand-built netlink payloads shared by the netlink parser tests.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>

#include <cstdint>

namespace defender::netlink::test {

/// A sock_diag reply payload for one socket (addresses as text, ports in host order).
inline inet_diag_msg diag_message(std::uint8_t family, std::uint8_t state, const char* local,
                                  std::uint16_t local_port, const char* remote,
                                  std::uint16_t remote_port) {
    inet_diag_msg message{};
    message.idiag_family = family;
    message.idiag_state = state;
    message.id.idiag_sport = htons(local_port);
    message.id.idiag_dport = htons(remote_port);
    EXPECT_EQ(inet_pton(family, local, message.id.idiag_src), 1);
    EXPECT_EQ(inet_pton(family, remote, message.id.idiag_dst), 1);
    return message;
}

}  // namespace defender::netlink::test
