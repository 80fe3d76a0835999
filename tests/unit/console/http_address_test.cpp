// SPDX-License-Identifier: Apache-2.0
// --http ADDR:PORT: the forms accepted, the loopback test, the one-line errors.
#include <gtest/gtest.h>

#include "console/http_address.hpp"

namespace defender::console {
namespace {

TEST(HttpAddress, APortAloneOrAfterAColonListensOnLoopback) {
    for (const char* text : {"8080", ":8080"}) {
        auto address = parse_http_address(text);
        ASSERT_TRUE(address.ok()) << address.error().message;
        EXPECT_EQ(address->host, "127.0.0.1");
        EXPECT_EQ(address->port, 8080);
        EXPECT_TRUE(address->loopback());
        EXPECT_EQ(address->text(), "127.0.0.1:8080");
    }
}

TEST(HttpAddress, Ipv4AndBracketedIpv6) {
    auto any = parse_http_address("0.0.0.0:9000");
    ASSERT_TRUE(any.ok());
    EXPECT_FALSE(any->loopback());
    EXPECT_FALSE(any->ipv6);
    auto v6 = parse_http_address("[::1]:8443");
    ASSERT_TRUE(v6.ok()) << v6.error().message;
    EXPECT_TRUE(v6->ipv6);
    EXPECT_TRUE(v6->loopback());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->text(), "[::1]:8443");
    auto public_v6 = parse_http_address("[::]:80");
    ASSERT_TRUE(public_v6.ok());
    EXPECT_FALSE(public_v6->loopback());
    EXPECT_EQ(parse_http_address("localhost:1")->host, "127.0.0.1");
}

TEST(HttpAddress, BadFormsAreOneLineErrorsNamingTheValue) {
    for (const char* text : {"", "0", "65536", "http", "1.2.3.4:", "1.2.3.4:x", "::1:80", "[::1]80",
                             "[::1", "example.com:80", "999.1.1.1:80", "8080 "}) {
        auto address = parse_http_address(text);
        ASSERT_FALSE(address.ok()) << text;
        EXPECT_NE(address.error().message.find("--http " + std::string(text)), std::string::npos);
        EXPECT_EQ(address.error().message.find('\n'), std::string::npos);
    }
}

}  // namespace
}  // namespace defender::console
