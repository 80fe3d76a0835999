// SPDX-License-Identifier: Apache-2.0
#pragma once
// A non-blocking TCP connection to host:port, bounded by a deadline, and the waits and writes
// on such a socket that the connect steps above it share.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "net/step_failure.hpp"
#include "util/unique_fd.hpp"

namespace defender::net {

/// Resolves `host` (net/resolver.hpp) and tries its addresses in order until one accepts. The
/// socket is returned connected, non-blocking, close-on-exec and with TCP_NODELAY (the
/// protocols above write small messages that are answered). Reasons: "cannot resolve host H:
/// …", "TCP connection failed: Connection refused".
std::variant<util::UniqueFd, StepFailure> tcp_connect(
    const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline);

/// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline passes: true when
/// ready (or in error, which the next call will report).
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline);

/// Writes all of `bytes` to the non-blocking socket `fd` before the deadline. nullopt: sent;
/// else a failure (timed out, or the reason from errno).
std::optional<StepFailure> send_all(int fd, const std::string& bytes,
                                    std::chrono::steady_clock::time_point deadline);

}  // namespace defender::net
