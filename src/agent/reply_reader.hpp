// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a message that came to the agent: a Device Defender reply for its thing and format,
// or why it is ignored. Pure (no logging, no state), so that
// what a broker or a stranger can send is tested without one.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "defender/encode.hpp"
#include "defender/reply.hpp"
#include "defender/topics.hpp"
#include "defender/transport.hpp"

namespace defender {

/// Replies larger than this are not Device Defender replies; they are dropped unread.
inline constexpr std::size_t kMaxReplyBytes = 64 * 1024;

/// A message the agent does not act on, and what its log says about it.
struct IgnoredMessage {
    /// Garbage on the agent's own reply topics: a warning (at most one per
    /// repeat_warning_interval); anything else is a debug line.
    bool worth_a_warning = false;
    std::string text;
};

/// A reply for the agent, and the topic it came on (`accepted` or `rejected`).
struct TopicReply {
    TopicKind kind;
    Reply reply;
};

/// The reply says what its topic says (ACCEPTED on `/accepted`, REJECTED on `/rejected`); the
/// text to log when it does not.
std::optional<IgnoredMessage> check_status_matches_topic(const TopicReply& reply,
                                                         const IncomingMessage& message);

using ReadReply = std::variant<TopicReply, IgnoredMessage>;

/// What `message` is to the agent of `thing_name` reporting in `format`.
ReadReply read_reply(const IncomingMessage& message, const std::string& thing_name, Format format);

}  // namespace defender
