// SPDX-License-Identifier: Apache-2.0
#include "blackhole_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace defender::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

BlackholeProxy::BlackholeProxy(std::uint16_t target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::pipe2(wake_, O_CLOEXEC) != 0) {
        throw std::runtime_error("cannot start the proxy");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
}

BlackholeProxy::~BlackholeProxy() {
    stopping_ = true;
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
    close_all();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void BlackholeProxy::go_silent() {
    silent_ = true;
    (void)!::write(wake_[1], "s", 1);
}

void BlackholeProxy::forward() {
    silent_ = false;
}

void BlackholeProxy::close_all() {
    for (auto& pair : pairs_) {
        if (pair.client >= 0) ::close(pair.client);
        if (pair.server >= 0) ::close(pair.server);
    }
    pairs_.clear();
}

void BlackholeProxy::accept_one() {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    ++accepted_;
    Pair pair{client, -1, silent_.load()};
    if (!pair.silent) {
        pair.server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const auto target = loopback(target_port_);
        if (::connect(pair.server, reinterpret_cast<const sockaddr*>(&target), sizeof target) !=
            0) {
            ::close(pair.server);
            ::close(client);
            return;  // target down: the client sees the connection refused-like close
        }
    }
    pairs_.push_back(pair);
}

void BlackholeProxy::run() {
    char buffer[16384];
    while (!stopping_) {
        if (silent_) {
            for (auto& pair : pairs_)
                pair.silent = true;
        }
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        for (const auto& pair : pairs_) {
            // A silent pair is not polled: its bytes stay unread in the kernel's buffers.
            if (pair.silent) continue;
            fds.push_back({pair.client, POLLIN, 0});
            fds.push_back({pair.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
        if (fds[0].revents) {
            char drain[16];
            (void)!::read(wake_[0], drain, sizeof drain);
        }
        if (fds[1].revents & POLLIN) accept_one();
        std::vector<Pair> open;
        std::size_t index = 2;
        for (auto& pair : pairs_) {
            if (pair.silent) {
                open.push_back(pair);
                continue;
            }
            bool closed = false;
            const int ends[2] = {pair.client, pair.server};
            for (int side = 0; side < 2 && index + side < fds.size(); ++side) {
                if (!(fds[index + side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const ssize_t n = ::recv(ends[side], buffer, sizeof buffer, 0);
                if (n <= 0 || (!silent_ && !send_all(ends[1 - side], buffer, n))) closed = true;
            }
            index += 2;
            if (closed) {
                ::close(pair.client);
                ::close(pair.server);
            } else {
                open.push_back(pair);
            }
        }
        pairs_ = std::move(open);
    }
}

}  // namespace defender::test
