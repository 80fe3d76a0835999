// SPDX-License-Identifier: Apache-2.0
#pragma once
// A non-blocking TCP connection to host:port, bounded by a deadline.

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

#include "transport/mqtt/step_failure.hpp"
#include "util/unique_fd.hpp"

namespace defender::mqtt {

/// Resolves `host` and tries its addresses in order until one accepts. The socket is
/// returned connected, non-blocking and close-on-exec. Reasons: "cannot resolve host H: …",
/// "TCP connection failed: Connection refused".
std::variant<util::UniqueFd, StepFailure> tcp_connect(
    const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline);

/// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline passes: true when
/// ready (or in error, which the next call will report).
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline);

}  // namespace defender::mqtt
