// SPDX-License-Identifier: Apache-2.0
#pragma once
// HTTPS for the console on mbed TLS (the project's TLS stack; civetweb's own TLS would load
// OpenSSL): a relay that accepts on the public address, terminates TLS and passes the bytes of
// each connection on to the HTTP server listening on a private 127.0.0.1 port. Connections are
// bounded (kMaxRelayConnections; beyond, new ones are closed at once) and a connection silent
// for kRelayIdleSeconds is closed.

#include <memory>
#include <string>

#include "console/http_address.hpp"
#include "defender/result.hpp"

namespace defender::console {

inline constexpr int kMaxRelayConnections = 32;
inline constexpr int kRelayIdleSeconds = 60;

class TlsRelay {
public:
    /// Loads the certificate chain and key (PEM), listens on `address` and relays to
    /// 127.0.0.1:`backend_port`.
    static Result<std::unique_ptr<TlsRelay>> start(const HttpAddress& address,
                                                   const std::string& cert_file,
                                                   const std::string& key_file,
                                                   std::uint16_t backend_port);
    /// Stops accepting and ends the connections.
    ~TlsRelay();

    struct State;

private:
    explicit TlsRelay(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace defender::console
