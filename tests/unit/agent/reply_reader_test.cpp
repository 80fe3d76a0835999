// SPDX-License-Identifier: Apache-2.0
// What the agent makes of a message: a reply for its thing and format, or why it is ignored.

#include "agent/reply_reader.hpp"

#include <gtest/gtest.h>

namespace defender {
namespace {

const std::string kAccepted = "$aws/things/t1/defender/metrics/json/accepted";
const std::string kRejected = "$aws/things/t1/defender/metrics/json/rejected";

IncomingMessage message(const std::string& topic, const std::string& payload) {
    return IncomingMessage{topic, payload};
}

std::string ignored_text(const ReadReply& read) {
    const auto* ignored = std::get_if<IgnoredMessage>(&read);
    return ignored ? ignored->text : "(a reply)";
}

TEST(ReplyReader, AnAcceptedReplyForTheThingIsRead) {
    const auto read = read_reply(
        message(kAccepted, R"({"thingName":"t1","reportId":7,"status":"ACCEPTED","timestamp":1})"),
        "t1", Format::json);
    const auto* reply = std::get_if<TopicReply>(&read);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->kind, TopicKind::accepted);
    EXPECT_EQ(reply->reply.report_id, 7u);
    EXPECT_FALSE(check_status_matches_topic(*reply, message(kAccepted, "")));
}

TEST(ReplyReader, OtherTopicsThingsAndFormatsAreDebugLines) {
    const auto other_thing = read_reply(
        message("$aws/things/t2/defender/metrics/json/accepted", R"({"status":"ACCEPTED"})"), "t1",
        Format::json);
    EXPECT_EQ(ignored_text(other_thing),
              "ignored a message on $aws/things/t2/defender/metrics/json/accepted");
    EXPECT_FALSE(std::get<IgnoredMessage>(other_thing).worth_a_warning);
    const auto cbor = read_reply(message(kAccepted, "{}"), "t1", Format::cbor);
    EXPECT_FALSE(std::get<IgnoredMessage>(cbor).worth_a_warning);
    const auto named_other = read_reply(
        message(kAccepted, R"({"thingName":"t2","status":"ACCEPTED"})"), "t1", Format::json);
    EXPECT_EQ(ignored_text(named_other), "ignored a reply for thing t2 on " + kAccepted);
}

TEST(ReplyReader, GarbageOnTheReplyTopicIsWorthAWarningAndEscaped) {
    const auto read = read_reply(message(kRejected, "not json\n"), "t1", Format::json);
    ASSERT_TRUE(std::holds_alternative<IgnoredMessage>(read));
    EXPECT_TRUE(std::get<IgnoredMessage>(read).worth_a_warning);
    EXPECT_EQ(ignored_text(read).rfind("ignored an unreadable reply on " + kRejected + ": ", 0),
              0u);
}

TEST(ReplyReader, AnOversizeMessageIsIgnoredUnread) {
    IncomingMessage big{kAccepted, "", kMaxReplyBytes + 1};
    EXPECT_EQ(ignored_text(read_reply(big, "t1", Format::json)),
              "ignored a " + std::to_string(kMaxReplyBytes + 1) + "-byte message on " + kAccepted);
}

TEST(ReplyReader, AStatusAgainstItsTopicIsWorthAWarning) {
    const auto incoming = message(kRejected, R"({"status":"ACCEPTED","reportId":1})");
    const auto read = read_reply(incoming, "t1", Format::json);
    const auto* reply = std::get_if<TopicReply>(&read);
    ASSERT_NE(reply, nullptr);
    const auto mismatch = check_status_matches_topic(*reply, incoming);
    ASSERT_TRUE(mismatch);
    EXPECT_TRUE(mismatch->worth_a_warning);
    EXPECT_EQ(mismatch->text, "ignored a reply whose status does not match its topic " + kRejected);
}

}  // namespace
}  // namespace defender
