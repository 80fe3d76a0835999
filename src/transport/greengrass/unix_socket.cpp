// SPDX-License-Identifier: Apache-2.0
#include "transport/greengrass/unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace defender::ipc {

Result<UnixSocket> UnixSocket::connect(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path))
        return Error{"socket path '" + path + "' is empty or longer than " +
                     std::to_string(sizeof(address.sun_path) - 1) + " bytes"};
    std::memcpy(address.sun_path, path.data(), path.size());
    UnixSocket socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.is_open()) return Error{std::string("socket(): ") + std::strerror(errno)};
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
        return Error{std::string(std::strerror(errno))};
    return socket;
}

Status UnixSocket::send_all(std::string_view bytes) const {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            return Error{std::string("send: ") + std::strerror(errno)};
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return Done{};
}

Result<std::optional<std::string>> UnixSocket::receive(
    std::chrono::steady_clock::time_point deadline, std::size_t max) const {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return std::optional<std::string>{};
        pollfd poll_fd{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()) + 1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return Error{std::string("poll: ") + std::strerror(errno)};
        }
        if (ready == 0) continue;
        std::string buffer(max, '\0');
        const ssize_t got = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == ECONNRESET) return std::optional<std::string>{std::string()};
            return Error{std::string("recv: ") + std::strerror(errno)};
        }
        buffer.resize(static_cast<std::size_t>(got));
        return std::optional<std::string>{std::move(buffer)};
    }
}

}  // namespace defender::ipc
