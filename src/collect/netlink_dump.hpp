// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs one netlink dump to its end, streaming messages through a fixed buffer, and repeats it
// when the kernel reports it inconsistent (NLM_F_DUMP_INTR) or lost messages (ENOBUFS).

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "collect/netlink_messages.hpp"
#include "collect/netlink_socket.hpp"

namespace defender::netlink {

struct DumpStatus {
    int error = 0;             ///< errno of the failure, 0 on success
    bool interrupted = false;  ///< success, but the last attempt was still inconsistent
};

inline constexpr int kDumpAttempts = 3;

/// One dump on a fresh socket (the kernel allows one dump at a time per socket, so a lost
/// dump cannot be restarted on the old one). `on_message(type, payload)` sees each message.
template <class OnMessage>
DumpStatus dump_once(int protocol, Bytes request, std::span<std::byte> buffer,
                     OnMessage& on_message) {
    NetlinkSocket socket;
    if (const int error = socket.open(protocol)) {
        return {error};
    }
    if (const int error = socket.send(request)) {
        return {error};
    }
    const std::uint32_t sequence = load<nlmsghdr>(request).nlmsg_seq;
    DumpStatus status;
    for (;;) {
        const ssize_t received = socket.receive(buffer);
        if (received < 0) {
            status.error = static_cast<int>(-received);
            return status;
        }
        const WalkOutcome outcome = walk_messages(
            Bytes(buffer.data(), static_cast<std::size_t>(received)), sequence, on_message);
        status.interrupted = status.interrupted || outcome.interrupted;
        if (outcome.done) {
            status.error = outcome.error;
            return status;
        }
    }
}

/// The dump, repeated up to kDumpAttempts times while inconsistent or short of buffer space;
/// `restart()` must discard what the previous attempt delivered.
template <class OnMessage, class Restart>
DumpStatus dump(int protocol, Bytes request, std::span<std::byte> buffer, OnMessage&& on_message,
                Restart&& restart) {
    DumpStatus status;
    for (int attempt = 1;; ++attempt) {
        status = dump_once(protocol, request, buffer, on_message);
        const bool worth_repeating = status.interrupted || status.error == ENOBUFS;
        if (!worth_repeating || attempt == kDumpAttempts) {
            return status;
        }
        restart();
    }
}

}  // namespace defender::netlink
