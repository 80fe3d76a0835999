// SPDX-License-Identifier: Apache-2.0
#include "defender/ip_address.hpp"

#include <gtest/gtest.h>

#include <unordered_set>
#include <vector>

namespace defender {
namespace {

IpAddress must_parse(std::string_view text) {
    const auto address = IpAddress::parse(text);
    EXPECT_TRUE(address.has_value()) << text;
    return address.value_or(IpAddress{});
}

TEST(IpAddress, V4FromHostOrderStoresNetworkOrder) {
    const auto address = IpAddress::v4(0xC0A80001);
    EXPECT_EQ(address.family, IpAddress::Family::v4);
    EXPECT_EQ(address.bytes[0], 192);
    EXPECT_EQ(address.bytes[1], 168);
    EXPECT_EQ(address.bytes[2], 0);
    EXPECT_EQ(address.bytes[3], 1);
    for (std::size_t i = 4; i < 16; ++i) {
        EXPECT_EQ(address.bytes[i], 0);
    }
    EXPECT_EQ(address.to_string(), "192.168.0.1");
}

TEST(IpAddress, V6KeepsBytes) {
    const auto address =
        IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    EXPECT_EQ(address.family, IpAddress::Family::v6);
    EXPECT_EQ(address.to_string(), "2001:db8::1");
}

TEST(IpAddress, ParsesV4AndV6) {
    EXPECT_EQ(must_parse("10.1.2.3"), IpAddress::v4(0x0A010203));
    const auto v6 = must_parse("2001:DB8::1");
    EXPECT_EQ(v6.family, IpAddress::Family::v6);
    EXPECT_EQ(v6.bytes[0], 0x20);
    EXPECT_EQ(v6.bytes[3], 0xb8);
    EXPECT_EQ(v6.bytes[15], 1);
}

TEST(IpAddress, RejectsWhatIsNotALiteral) {
    const std::vector<std::string_view> texts = {"",
                                                 "1.2.3",
                                                 "1.2.3.256",
                                                 "[::1]",
                                                 "fe80::1%eth0",
                                                 "::1 ",
                                                 " ::1",
                                                 "localhost",
                                                 "1:2:3:4:5:6:7:8:9",
                                                 "0000:0000:0000:0000:0000:0000:0000:0000:0000",
                                                 std::string_view("::1\0", 4)};
    for (const auto text : texts) {
        EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
    }
}

TEST(IpAddress, Wildcards) {
    EXPECT_TRUE(must_parse("0.0.0.0").is_wildcard());
    EXPECT_TRUE(must_parse("::").is_wildcard());
    EXPECT_FALSE(must_parse("0.0.0.1").is_wildcard());
    EXPECT_FALSE(must_parse("::1").is_wildcard());
    EXPECT_TRUE(IpAddress{}.is_wildcard());
}

TEST(IpAddress, V4MappedIsNormalizedToV4) {
    const auto mapped = must_parse("::ffff:192.168.0.1");
    EXPECT_TRUE(mapped.is_v4_mapped());
    EXPECT_EQ(mapped.to_string(), "::ffff:192.168.0.1");
    const auto normal = mapped.normalized();
    EXPECT_EQ(normal.family, IpAddress::Family::v4);
    EXPECT_EQ(normal, IpAddress::v4(0xC0A80001));
    EXPECT_EQ(normal.to_string(), "192.168.0.1");

    EXPECT_FALSE(must_parse("192.168.0.1").is_v4_mapped());
    EXPECT_FALSE(must_parse("::192.168.0.1").is_v4_mapped());  // v4-compatible, not mapped
    EXPECT_FALSE(must_parse("::fffe:192.168.0.1").is_v4_mapped());
    EXPECT_EQ(must_parse("2001:db8::1").normalized(), must_parse("2001:db8::1"));
}

TEST(IpAddress, Rfc5952Text) {
    const std::pair<const char*, const char*> cases[] = {
        {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first of equal runs
        {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},       // longest run
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // a single zero group stays
        {"0:0:0:0:0:0:0:0", "::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"fe80:0:0:0:0:0:0:0", "fe80::"},
        {"FE80::ABCD:EF01", "fe80::abcd:ef01"},
    };
    for (const auto& [input, expected] : cases) {
        EXPECT_EQ(must_parse(input).to_string(), expected) << input;
    }
}

TEST(IpAddress, WithPort) {
    EXPECT_EQ(must_parse("192.0.2.10").with_port(443), "192.0.2.10:443");
    EXPECT_EQ(must_parse("2001:db8::1").with_port(8080), "[2001:db8::1]:8080");
    EXPECT_EQ(must_parse("::").with_port(0), "[::]:0");
    EXPECT_EQ(must_parse("::ffff:10.0.0.1").normalized().with_port(65535), "10.0.0.1:65535");
}

TEST(IpAddress, OrderingAndHash) {
    const auto a = must_parse("10.0.0.1");
    const auto b = must_parse("10.0.0.2");
    const auto c = must_parse("::a00:1");  // same bytes 10.0.0.1 in the low part, other family
    EXPECT_LT(a, b);
    EXPECT_NE(a, c);

    std::unordered_set<IpAddress, IpAddressHash> set{a, b, c, must_parse("10.0.0.1")};
    EXPECT_EQ(set.size(), 3u);
    EXPECT_EQ(IpAddressHash{}(a), IpAddressHash{}(must_parse("10.0.0.1")));
    EXPECT_NE(IpAddressHash{}(a), IpAddressHash{}(b));
    EXPECT_NE(IpAddressHash{}(must_parse("0.0.0.0")), IpAddressHash{}(must_parse("::")));
}

}  // namespace
}  // namespace defender
