// SPDX-License-Identifier: Apache-2.0
#include "agent/reply_reader.hpp"

#include "util/printable.hpp"

namespace defender {
namespace {

// A string the broker or the service chose, for a log line: escaped and cut short.
std::string peer_text(std::string_view text) {
    return util::printable(text, util::kMaxPeerTextBytes);
}

}  // namespace

ReadReply read_reply(const IncomingMessage& message, const std::string& thing_name, Format format) {
    const auto topic = parse_topic(message.topic);
    if (!topic || topic->thing_name != thing_name || topic->format != format ||
        topic->kind == TopicKind::publish) {
        return IgnoredMessage{false, "ignored a message on " + peer_text(message.topic)};
    }
    if (const auto size = message.payload.size() + message.dropped_payload_bytes;
        size > kMaxReplyBytes) {
        return IgnoredMessage{false, "ignored a " + std::to_string(size) + "-byte message on " +
                                         peer_text(message.topic)};
    }
    auto reply = parse_reply(message.payload, topic->format);
    if (!reply) {
        // Garbage on our own reply topic: worth one warning, but a sender repeating it must
        // not flood the log.
        return IgnoredMessage{true, "ignored an unreadable reply on " + peer_text(message.topic) +
                                        ": " + peer_text(reply.error().message)};
    }
    if (!reply->thing_name.empty() && reply->thing_name != thing_name) {
        return IgnoredMessage{false, "ignored a reply for thing " + peer_text(reply->thing_name) +
                                         " on " + peer_text(message.topic)};
    }
    return TopicReply{topic->kind, std::move(*reply)};
}

std::optional<IgnoredMessage> check_status_matches_topic(const TopicReply& reply,
                                                         const IncomingMessage& message) {
    const bool matches =
        (reply.kind == TopicKind::accepted && reply.reply.status == ReplyStatus::accepted) ||
        (reply.kind == TopicKind::rejected && reply.reply.status == ReplyStatus::rejected);
    if (matches) return std::nullopt;
    return IgnoredMessage{
        true, "ignored a reply whose status does not match its topic " + peer_text(message.topic)};
}

}  // namespace defender
