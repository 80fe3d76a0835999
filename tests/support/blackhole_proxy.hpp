// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file blackhole_proxy.hpp
/// A TCP proxy on 127.0.0.1 that forwards to a target port until told to go silent: then it
/// keeps every connection open but relays nothing in either direction and answers nothing,
/// like a link that died without a FIN or RST (a half-open connection). New connections are
/// accepted and left silent too. forward() resumes relaying for new connections.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace defender::test {

class BlackholeProxy {
public:
    explicit BlackholeProxy(std::uint16_t target_port);
    ~BlackholeProxy();
    BlackholeProxy(const BlackholeProxy&) = delete;
    BlackholeProxy& operator=(const BlackholeProxy&) = delete;

    std::uint16_t port() const { return port_; }
    /// Stops relaying on every open connection and on those accepted from now on.
    void go_silent();
    /// Relays again for connections accepted from now on (silenced ones stay silent).
    void forward();
    /// Connections accepted so far.
    std::size_t connections() const { return accepted_; }

private:
    struct Pair {
        int client = -1;
        int server = -1;
        bool silent = false;
    };
    void run();
    void accept_one();
    void close_all();

    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::uint16_t port_ = 0;
    std::uint16_t target_port_;
    std::atomic<bool> silent_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> accepted_{0};
    std::vector<Pair> pairs_;  ///< owned by the proxy thread
    std::thread thread_;
};

}  // namespace defender::test
