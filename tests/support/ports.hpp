// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file ports.hpp
/// Loopback port helpers for network tests (127.0.0.1 only).

#include <chrono>
#include <cstdint>

namespace defender::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
std::uint16_t find_free_port();

/// True once 127.0.0.1:port accepts a TCP connection; polls until `timeout` has passed.
bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds timeout);

/// True when a TCP connection to 127.0.0.1:port succeeds right now.
bool accepts_connections(std::uint16_t port);

/// A socket listening on 127.0.0.1 that never accepts nor answers: connections complete
/// (the kernel does the TCP handshake) but every TLS or MQTT handshake hangs. Closed on
/// destruction.
class SilentListener {
public:
    SilentListener();
    ~SilentListener();
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;

    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace defender::test
