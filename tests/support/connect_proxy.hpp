// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file connect_proxy.hpp
/// A small HTTP CONNECT proxy on 127.0.0.1 for tests: optional basic authentication (407
/// without the right Proxy-Authorization), a refuse mode (403 for every CONNECT), tunnels to
/// 127.0.0.1/localhost only. Each tunnel is relayed by its own thread; all end with the
/// proxy. Every CONNECT is recorded.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/unique_fd.hpp"

namespace defender::test {

struct ConnectProxyOptions {
    std::string username;  ///< empty: no authentication
    std::string password;
    bool refuse = false;  ///< answer 403 to every CONNECT
};

struct ProxiedConnect {
    std::string target;               ///< "host:port" of the CONNECT line
    std::string proxy_authorization;  ///< as received, "" if none
    int status = 0;                   ///< what the proxy answered
};

class ConnectProxy {
public:
    explicit ConnectProxy(ConnectProxyOptions options = {});
    ~ConnectProxy();
    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;

    std::uint16_t port() const { return port_; }
    std::vector<ProxiedConnect> connects() const;
    /// Number of CONNECTs answered 200.
    std::size_t tunnels() const;

private:
    void serve();
    void handle(int client);

    ConnectProxyOptions options_;
    defender::util::UniqueFd fd_;  // the listening socket
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<ProxiedConnect> connects_;
    std::vector<std::thread> workers_;
    std::thread thread_;
};

}  // namespace defender::test
