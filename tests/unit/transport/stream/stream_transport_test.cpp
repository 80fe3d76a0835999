// SPDX-License-Identifier: Apache-2.0
// The stream transport (`agent --dry-run`) through its factory.

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "defender/stream_transport.hpp"

namespace defender {
namespace {

TEST(StreamTransport, WritesEachPayloadWithTheNewlineAskedFor) {
    std::ostringstream json;
    const auto transport = make_stream_transport({&json, true});
    ASSERT_TRUE(transport->connect());
    EXPECT_TRUE(transport->is_connected());
    ASSERT_TRUE(transport->subscribe({"a/b"}));
    ASSERT_TRUE(transport->publish("t", "{}", std::chrono::milliseconds(1)));
    ASSERT_TRUE(transport->publish("t", "[]", std::chrono::milliseconds(1)));
    EXPECT_EQ(json.str(), "{}\n[]\n");

    std::ostringstream cbor;
    const auto binary = make_stream_transport({&cbor, false});
    ASSERT_TRUE(binary->publish("t", std::string("\xa1\x00", 2), std::chrono::milliseconds(1)));
    EXPECT_EQ(cbor.str(), std::string("\xa1\x00", 2));
}

TEST(StreamTransport, APublishThatCannotBeWrittenFails) {
    std::ostringstream out;
    out.setstate(std::ios::badbit);
    const auto transport = make_stream_transport({&out, true});
    const auto published = transport->publish("t", "{}", std::chrono::milliseconds(1));
    ASSERT_FALSE(published);
    EXPECT_EQ(published.error().message, "cannot write the report to the output");
}

}  // namespace
}  // namespace defender
