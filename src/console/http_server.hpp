// SPDX-License-Identifier: Apache-2.0
#pragma once
// The console's HTTP server: civetweb with a few threads, every request to Api::handle after
// the checks of the house (Basic authentication, body size, security headers).

#include <memory>
#include <optional>
#include <string>

#include "console/api.hpp"
#include "console/auth.hpp"
#include "defender/result.hpp"

namespace defender::console {

/// Threads that serve requests (each holds one connection at a time).
inline constexpr int kServerThreads = 4;

class HttpServer {
public:
    /// Listens on `ports` (civetweb's listening_ports syntax: "127.0.0.1:8080", "[::1]:0");
    /// `users` empty: no login. `https`: requests arrive through the TLS relay.
    static Result<std::unique_ptr<HttpServer>> start(const std::string& ports, Api& api,
                                                     std::optional<Users> users, bool https);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// The port it listens on (the first).
    std::uint16_t port() const { return port_; }

    struct Context;

private:
    HttpServer() = default;
    std::unique_ptr<Context> context_;
    std::uint16_t port_ = 0;
};

}  // namespace defender::console
