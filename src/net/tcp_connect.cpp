// SPDX-License-Identifier: Apache-2.0
#include "net/tcp_connect.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/resolver.hpp"

namespace defender::net {
namespace {

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

// "" when connected; otherwise why not ("timed out" when the deadline passed).
std::string connect_one(int fd, const SocketAddress& address,
                        std::chrono::steady_clock::time_point deadline) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.address), address.length) == 0) {
        return "";
    }
    if (errno != EINPROGRESS) return std::strerror(errno);
    if (!wait_ready(fd, POLLOUT, deadline)) return "timed out";
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return std::strerror(errno);
    return error == 0 ? "" : std::strerror(error);
}

}  // namespace

bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, milliseconds_until(deadline));
        if (ready > 0) return true;
        if (ready == 0) return false;
        if (errno != EINTR) return true;  // let the caller's next call report it
    }
}

std::optional<StepFailure> send_all(int fd, const std::string& bytes,
                                    std::chrono::steady_clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!wait_ready(fd, POLLOUT, deadline)) return StepFailure{true, ""};
        } else {
            return StepFailure{false, std::strerror(errno)};
        }
    }
    return std::nullopt;
}

std::variant<util::UniqueFd, StepFailure> tcp_connect(
    const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
    auto addresses = resolve_tcp(host, port);
    if (!addresses) return StepFailure{false, addresses.error().message};
    std::string problem = "no address";
    for (const SocketAddress& address : *addresses) {
        util::UniqueFd socket(
            ::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!socket.valid()) {
            problem = std::strerror(errno);
            continue;
        }
        problem = connect_one(socket.get(), address, deadline);
        if (problem.empty()) {
            const int on = 1;  // small messages that are answered: send them at once
            ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return socket;
        }
        if (problem == "timed out") return StepFailure{true, ""};
    }
    return StepFailure{false, "TCP connection failed: " + problem};
}

}  // namespace defender::net
