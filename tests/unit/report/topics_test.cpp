// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "defender/topics.hpp"

namespace defender {
namespace {

TEST(Topics, BuildsTheSixTopics) {
    EXPECT_EQ(make_topic("TestThing", Format::json, TopicKind::publish).value(),
              "$aws/things/TestThing/defender/metrics/json");
    EXPECT_EQ(make_topic("TestThing", Format::json, TopicKind::accepted).value(),
              "$aws/things/TestThing/defender/metrics/json/accepted");
    EXPECT_EQ(make_topic("TestThing", Format::json, TopicKind::rejected).value(),
              "$aws/things/TestThing/defender/metrics/json/rejected");
    EXPECT_EQ(make_topic("TestThing", Format::cbor, TopicKind::publish).value(),
              "$aws/things/TestThing/defender/metrics/cbor");
    EXPECT_EQ(make_topic("TestThing", Format::cbor, TopicKind::accepted).value(),
              "$aws/things/TestThing/defender/metrics/cbor/accepted");
    EXPECT_EQ(make_topic("TestThing", Format::cbor, TopicKind::rejected).value(),
              "$aws/things/TestThing/defender/metrics/cbor/rejected");
}

TEST(Topics, ParsesTheSixTopicsOfTheEmbeddedLibraryTests) {
    struct Case {
        const char* topic;
        Format format;
        TopicKind kind;
    };
    const Case cases[] = {
        {"$aws/things/TestThing/defender/metrics/json", Format::json, TopicKind::publish},
        {"$aws/things/TestThing/defender/metrics/json/accepted", Format::json, TopicKind::accepted},
        {"$aws/things/TestThing/defender/metrics/json/rejected", Format::json, TopicKind::rejected},
        {"$aws/things/TestThing/defender/metrics/cbor", Format::cbor, TopicKind::publish},
        {"$aws/things/TestThing/defender/metrics/cbor/accepted", Format::cbor, TopicKind::accepted},
        {"$aws/things/TestThing/defender/metrics/cbor/rejected", Format::cbor, TopicKind::rejected},
    };
    for (const auto& c : cases) {
        const auto topic = parse_topic(c.topic);
        ASSERT_TRUE(topic.has_value()) << c.topic;
        EXPECT_EQ(*topic, (Topic{"TestThing", c.format, c.kind})) << c.topic;
    }
}

TEST(Topics, RejectsTheInvalidTopicsOfTheEmbeddedLibraryTests) {
    for (const char* topic : {
             "$aws/things",
             "$aws/things/",
             "$aws/things/TestThing",
             "$aws/things/TestThing/",
             "$aws/things/TestThing/defender",
             "$aws/things/TestThing/defender/metrics",
             "$aws/things/TestThing/defender/metrics/",
             "$aws/jobs/things/TestThing/defender/metrics/json",
             "$aws/things/TestThing/shadow/metrics/json",
             "$aws/things/TestThing/defender/defender/metrics/json",
             "$aws/things/TestThing/defender/metrics/xml",
             "$aws/things/TestThing/defender/metrics/json/delta",
             "$aws/things/TestThing/defender/metrics/json/gibberish",
             "$aws/things/TestThing/defender/metrics/json/accepted/gibberish",
             "$aws/things//defender/metrics/json",
             "$aws/things/TestThing/Defender/metrics/json",
             "$aws/things/TestThing/defender/metrics/JSON",
         }) {
        EXPECT_FALSE(parse_topic(topic).has_value()) << topic;
    }
}

TEST(Topics, ThingNameRules) {
    EXPECT_TRUE(validate_thing_name("a").ok());
    EXPECT_TRUE(validate_thing_name("Gateway_01:site-A").ok());
    EXPECT_TRUE(validate_thing_name(std::string(128, 'x')).ok());
    EXPECT_EQ(validate_thing_name(std::string(129, 'x')).error().message,
              "thing name is 129 characters long; at most 128 are allowed");
    EXPECT_EQ(validate_thing_name("").error().message, "thing name is empty");
    EXPECT_FALSE(validate_thing_name("bad/name").ok());
    EXPECT_FALSE(validate_thing_name("bad name").ok());
    EXPECT_FALSE(validate_thing_name("tab\there").ok());
    EXPECT_FALSE(validate_thing_name("caf\xC3\xA9").ok());
    EXPECT_FALSE(make_topic(std::string(129, 'x'), Format::json, TopicKind::publish).ok());
}

TEST(Topics, LongestTopicIs171Bytes) {
    const auto topic = make_topic(std::string(128, 'x'), Format::cbor, TopicKind::rejected).value();
    EXPECT_EQ(topic.size(), 171u);
    EXPECT_EQ(parse_topic(topic)->thing_name, std::string(128, 'x'));
}

}  // namespace
}  // namespace defender
