// SPDX-License-Identifier: Apache-2.0
#include "collect/netlink_inet_diag.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace defender::netlink {
namespace {

IpAddress address_of(std::uint8_t family, const std::uint32_t (&network_order)[4]) {
    if (family == AF_INET) {
        return IpAddress::v4(ntohl(network_order[0]));
    }
    std::array<std::uint8_t, 16> bytes;
    std::memcpy(bytes.data(), network_order, bytes.size());
    return IpAddress::v6(bytes).normalized();
}

}  // namespace

std::optional<DiagSocket> parse_inet_diag(Bytes payload) {
    if (payload.size() < sizeof(inet_diag_msg)) {
        return std::nullopt;
    }
    const auto message = load<inet_diag_msg>(payload);
    if (message.idiag_family != AF_INET && message.idiag_family != AF_INET6) {
        return std::nullopt;
    }
    return DiagSocket{
        .state = message.idiag_state,
        .local = address_of(message.idiag_family, message.id.idiag_src),
        .local_port = ntohs(message.id.idiag_sport),
        .remote = address_of(message.idiag_family, message.id.idiag_dst),
        .remote_port = ntohs(message.id.idiag_dport),
    };
}

void add_socket(const DiagSocket& socket, DiagProtocol protocol, Snapshot& snapshot) {
    if (protocol == DiagProtocol::udp) {
        if (socket.remote_port == 0 && socket.remote.is_wildcard()) {
            snapshot.udp_listeners.push_back({socket.local, socket.local_port});
        }
    } else if (socket.state == TCP_LISTEN) {
        snapshot.tcp_listeners.push_back({socket.local, socket.local_port});
    } else if (socket.state == TCP_ESTABLISHED) {
        snapshot.tcp_established.push_back(
            {socket.local, socket.local_port, socket.remote, socket.remote_port});
    }
}

SockDiagRequest make_sock_diag_request(int family, DiagProtocol protocol, std::uint32_t sequence,
                                       TcpStates states) {
    SockDiagRequest request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = sequence;
    request.body.sdiag_family = static_cast<std::uint8_t>(family);
    if (protocol == DiagProtocol::tcp) {
        request.body.sdiag_protocol = IPPROTO_TCP;
        request.body.idiag_states = (states != TcpStates::Established ? 1U << TCP_LISTEN : 0U) |
                                    (states != TcpStates::Listen ? 1U << TCP_ESTABLISHED : 0U);
    } else {
        // Every state: "unconnected" is decided on the remote address, as /proc/net/udp is read.
        request.body.sdiag_protocol = IPPROTO_UDP;
        request.body.idiag_states = ~0U;
    }
    return request;
}

}  // namespace defender::netlink
