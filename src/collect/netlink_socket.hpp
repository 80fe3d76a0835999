// SPDX-License-Identifier: Apache-2.0
#pragma once
// A netlink socket connected to the kernel: open, send one request, receive datagrams.

#include <sys/types.h>

#include <cstddef>
#include <span>

#include "collect/netlink_messages.hpp"
#include "util/unique_fd.hpp"

namespace defender::netlink {

class NetlinkSocket {
public:
    /// Opens a socket of `protocol` (NETLINK_SOCK_DIAG, NETLINK_ROUTE) connected to the kernel,
    /// so nothing but the kernel can send to it. Returns 0 or an errno.
    int open(int protocol);
    /// Returns 0 or an errno.
    int send(Bytes request);
    /// Receives one datagram into `buffer`: its size, or a negative errno (EINTR is retried,
    /// EMSGSIZE if the datagram did not fit, EAGAIN if the kernel stayed silent for seconds).
    ssize_t receive(std::span<std::byte> buffer);

private:
    util::UniqueFd fd_;
};

}  // namespace defender::netlink
