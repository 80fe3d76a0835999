// SPDX-License-Identifier: Apache-2.0
#include "collect/netlink_socket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

namespace defender::netlink {
namespace {

// A dump never pauses this long; the timeout only keeps a broken kernel from hanging the agent.
constexpr timeval kReceiveTimeout{.tv_sec = 5, .tv_usec = 0};

}  // namespace

int NetlinkSocket::open(int protocol) {
    fd_ = util::UniqueFd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, protocol));
    if (!fd_.valid()) {
        return errno;
    }
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &kReceiveTimeout,
                     sizeof(kReceiveTimeout)) != 0) {
        return errno;
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel)) != 0) {
        return errno;
    }
    return 0;
}

int NetlinkSocket::send(Bytes request) {
    for (;;) {
        const ssize_t sent = ::send(fd_.get(), request.data(), request.size(), 0);
        if (sent == static_cast<ssize_t>(request.size())) {
            return 0;
        }
        if (sent >= 0) {
            return EMSGSIZE;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

ssize_t NetlinkSocket::receive(std::span<std::byte> buffer) {
    for (;;) {
        // MSG_TRUNC makes recv return the datagram's real length, so truncation shows.
        const ssize_t received = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_TRUNC);
        if (received > static_cast<ssize_t>(buffer.size())) {
            return -EMSGSIZE;
        }
        if (received >= 0) {
            return received;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

}  // namespace defender::netlink
