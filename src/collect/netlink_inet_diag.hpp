// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pure parsing of sock_diag replies (inet_diag_msg) into Snapshot sockets, and the dump request.

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <cstdint>
#include <optional>

#include "collect/netlink_messages.hpp"
#include "defender/ip_address.hpp"
#include "defender/snapshot.hpp"

namespace defender::netlink {

/// One socket of a sock_diag dump, addresses normalized (v4-mapped shown as v4).
struct DiagSocket {
    std::uint8_t state = 0;  ///< TCP_LISTEN, TCP_ESTABLISHED, TCP_CLOSE, ...
    IpAddress local;
    std::uint16_t local_port = 0;
    IpAddress remote;
    std::uint16_t remote_port = 0;
};

/// The payload of one SOCK_DIAG_BY_FAMILY reply; nullopt if too short or not AF_INET/AF_INET6.
std::optional<DiagSocket> parse_inet_diag(Bytes payload);

enum class DiagProtocol : std::uint8_t { tcp, udp };

/// Files the socket where the /proc collector would: TCP LISTEN → tcp_listeners, TCP
/// ESTABLISHED → tcp_established, UDP with no remote peer → udp_listeners; others are ignored.
void add_socket(const DiagSocket& socket, DiagProtocol protocol, Snapshot& snapshot);

struct SockDiagRequest {
    nlmsghdr header;
    inet_diag_req_v2 body;
};

/// A dump request for one family (AF_INET, AF_INET6) and transport, filtered in the kernel to
/// the states add_socket keeps.
/// Which TCP states a TCP dump asks for (UDP dumps always ask for all).
enum class TcpStates { ListenAndEstablished, Listen, Established };

SockDiagRequest make_sock_diag_request(int family, DiagProtocol protocol, std::uint32_t sequence,
                                       TcpStates states = TcpStates::ListenAndEstablished);

}  // namespace defender::netlink
