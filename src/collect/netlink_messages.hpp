// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pure framing of netlink datagrams: splits a received datagram into messages, recognises the end
// of a dump (NLMSG_DONE, NLMSG_ERROR) and walks route attributes. No I/O.

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace defender::netlink {

using Bytes = std::span<const std::byte>;

/// What one datagram said about the dump it belongs to.
struct WalkOutcome {
    bool done = false;         ///< NLMSG_DONE or NLMSG_ERROR seen: the dump is over
    int error = 0;             ///< positive errno reported by the kernel (or EBADMSG), 0 if none
    bool interrupted = false;  ///< a message carried NLM_F_DUMP_INTR: the dump was inconsistent
};

/// Reads a trivially copyable T from the start of `bytes`; the caller checked the size.
/// memcpy because datagram bytes carry no C++ objects and may be unaligned in tests.
template <class T>
T load(Bytes bytes) {
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
}

/// Calls `on_message(type, payload)` for every data message of `sequence` in `datagram`;
/// messages of other sequences (a stale dump) are skipped. Stops at the end of the dump.
template <class OnMessage>
WalkOutcome walk_messages(Bytes datagram, std::uint32_t sequence, OnMessage&& on_message) {
    WalkOutcome outcome;
    while (datagram.size() >= sizeof(nlmsghdr)) {
        const auto header = load<nlmsghdr>(datagram);
        if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > datagram.size()) {
            outcome.done = true;
            outcome.error = EBADMSG;
            return outcome;
        }
        const Bytes payload =
            datagram.subspan(NLMSG_HDRLEN)
                .first(header.nlmsg_len - std::min<std::size_t>(header.nlmsg_len, NLMSG_HDRLEN));
        datagram =
            datagram.subspan(std::min<std::size_t>(NLMSG_ALIGN(header.nlmsg_len), datagram.size()));
        if (header.nlmsg_seq != sequence) {
            continue;
        }
        if (header.nlmsg_flags & NLM_F_DUMP_INTR) {
            outcome.interrupted = true;
        }
        switch (header.nlmsg_type) {
            case NLMSG_DONE:
                outcome.done = true;
                // Since Linux 4.x the DONE payload may carry a negative errno.
                if (payload.size() >= sizeof(int) && load<int>(payload) < 0) {
                    outcome.error = -load<int>(payload);
                }
                return outcome;
            case NLMSG_ERROR:
                outcome.done = true;
                outcome.error =
                    payload.size() >= sizeof(nlmsgerr) ? -load<nlmsgerr>(payload).error : EBADMSG;
                return outcome;
            case NLMSG_NOOP:
            case NLMSG_OVERRUN:
                continue;
            default:
                on_message(header.nlmsg_type, payload);
        }
    }
    return outcome;
}

/// Calls `on_attribute(type, payload)` for each rtattr in `attributes` (the bytes after a route
/// message's fixed header). Returns false if an attribute runs past the end (truncated message).
template <class OnAttribute>
bool walk_attributes(Bytes attributes, OnAttribute&& on_attribute) {
    while (attributes.size() >= sizeof(rtattr)) {
        const auto attribute = load<rtattr>(attributes);
        if (attribute.rta_len < sizeof(rtattr) || attribute.rta_len > attributes.size()) {
            return false;
        }
        on_attribute(static_cast<unsigned short>(attribute.rta_type & NLA_TYPE_MASK),
                     attributes.subspan(RTA_LENGTH(0), attribute.rta_len - RTA_LENGTH(0)));
        attributes = attributes.subspan(
            std::min<std::size_t>(RTA_ALIGN(attribute.rta_len), attributes.size()));
    }
    return true;  // what is left is shorter than an attribute header: padding
}

}  // namespace defender::netlink
