// SPDX-License-Identifier: Apache-2.0
// Percent-decoding, query strings and path segments of the console's requests.
#include <gtest/gtest.h>

#include "console/http_request.hpp"

namespace defender::console {
namespace {

TEST(HttpRequest, PercentDecoding) {
    EXPECT_EQ(percent_decode("a%2Fb%20c", false).value(), "a/b c");
    EXPECT_EQ(percent_decode("a+b", false).value(), "a+b");
    EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
    EXPECT_EQ(percent_decode("%3Cscript%3E", false).value(), "<script>");
    for (const char* bad : {"%", "%2", "%zz", "a%0", "%00"}) {
        EXPECT_FALSE(percent_decode(bad, false)) << bad;
    }
}

TEST(HttpRequest, QueryStrings) {
    auto query = parse_query("filter=gate%20way&sort=name&&empty=&flag&filter=last");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->at("filter"), "last");
    EXPECT_EQ(query->at("sort"), "name");
    EXPECT_EQ(query->at("empty"), "");
    EXPECT_EQ(query->at("flag"), "");
    EXPECT_TRUE(parse_query("")->empty());
    EXPECT_FALSE(parse_query("a=%zz"));
}

TEST(HttpRequest, PathSegments) {
    EXPECT_TRUE(split_path("/")->empty());
    EXPECT_EQ(split_path("/things/a%2Fb").value(), (std::vector<std::string>{"things", "a/b"}));
    EXPECT_EQ(split_path("/a//b/").value(), (std::vector<std::string>{"a", "", "b", ""}));
    EXPECT_FALSE(split_path(""));
    EXPECT_FALSE(split_path("things"));
    EXPECT_FALSE(split_path("/things/%G0"));
}

}  // namespace
}  // namespace defender::console
