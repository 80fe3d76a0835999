// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one resolver: host name (or IP literal) and port to socket addresses, for TCP.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "defender/result.hpp"

namespace defender::net {

/// One address to connect a stream socket to.
struct SocketAddress {
    int family = AF_UNSPEC;      ///< AF_INET or AF_INET6
    sockaddr_storage address{};  ///< the address itself
    socklen_t length = 0;        ///< its size within `address`
};

/// The addresses of `host` for a TCP connection to `port`, in the resolver's order (only the
/// families the host has addresses of: AI_ADDRCONFIG). The error reads
/// "cannot resolve host H: <reason>".
Result<std::vector<SocketAddress>> resolve_tcp(const std::string& host, std::uint16_t port);

}  // namespace defender::net
