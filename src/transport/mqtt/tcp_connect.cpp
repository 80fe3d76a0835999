// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace defender::mqtt {
namespace {

struct AddrInfoFree {
    void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

// "" when connected; otherwise why not ("timed out" when the deadline passed).
std::string connect_one(int fd, const addrinfo& address,
                        std::chrono::steady_clock::time_point deadline) {
    if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return "";
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

std::variant<util::UniqueFd, StepFailure> tcp_connect(
    const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (resolved != 0) {
        return StepFailure{false, "cannot resolve host " + host + ": " + gai_strerror(resolved)};
    }
    std::unique_ptr<addrinfo, AddrInfoFree> addresses(found);
    std::string problem = "no address";
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        util::UniqueFd socket(
            ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!socket.valid()) {
            problem = std::strerror(errno);
            continue;
        }
        problem = connect_one(socket.get(), *address, deadline);
        if (problem.empty()) {
            const int on = 1;  // MQTT packets are small and answered: send them at once
            ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return socket;
        }
        if (problem == "timed out") return StepFailure{true, ""};
    }
    return StepFailure{false, "TCP connection failed: " + problem};
}

}  // namespace defender::mqtt
