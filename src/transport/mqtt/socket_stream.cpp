// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/socket_stream.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace defender::mqtt {
namespace {

IoOutcome failure(int error) {
    if (error == ECONNRESET || error == EPIPE) return IoOutcome::closed("connection reset by peer");
    return IoOutcome::failed(std::strerror(error));
}

}  // namespace

SocketStream::SocketStream(util::UniqueFd socket) : socket_(std::move(socket)) {
    const int flags = ::fcntl(socket_.get(), F_GETFL);
    if (flags >= 0) ::fcntl(socket_.get(), F_SETFL, flags | O_NONBLOCK);
}

IoOutcome SocketStream::read_some(char* buffer, std::size_t capacity) {
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), buffer, capacity, 0);
        if (n > 0) return IoOutcome::transferred(static_cast<std::size_t>(n));
        if (n == 0) return IoOutcome::closed("the broker closed the connection");
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return IoOutcome::would_block(false);
        return failure(errno);
    }
}

IoOutcome SocketStream::write_some(const char* data, std::size_t size) {
    if (size == 0) return IoOutcome::transferred(0);
    for (;;) {
        const ssize_t n = ::send(socket_.get(), data, size, MSG_NOSIGNAL);
        if (n >= 0) return IoOutcome::transferred(static_cast<std::size_t>(n));
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return IoOutcome::would_block(true);
        return failure(errno);
    }
}

void SocketStream::close() {
    ::shutdown(socket_.get(), SHUT_WR);
}

}  // namespace defender::mqtt
