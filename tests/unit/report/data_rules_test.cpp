// SPDX-License-Identifier: Apache-2.0
#include "report/data_rules.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace defender {
namespace {

TEST(CheckMetricName, AcceptsRegisteredNameCharacters) {
    EXPECT_EQ(check_metric_name("cpu_usage"), std::nullopt);
    EXPECT_EQ(check_metric_name("my:metric-1_A"), std::nullopt);
    EXPECT_EQ(check_metric_name(std::string(128, 'a')), std::nullopt);
    EXPECT_EQ(check_metric_name("x"), std::nullopt);
    EXPECT_EQ(check_metric_name("AWS:upper-case-is-not-the-reserved-prefix"), std::nullopt);
}

TEST(CheckMetricName, RejectsBadNames) {
    EXPECT_EQ(check_metric_name(""), "metric name is empty");
    EXPECT_EQ(check_metric_name(std::string(129, 'a')),
              "metric name is 129 characters long, above the limit of 128");
    EXPECT_EQ(check_metric_name("aws:cpu"), "metric names starting with \"aws:\" are reserved");
    EXPECT_EQ(check_metric_name("my metric"),
              "metric name contains space (only letters, digits, ':', '_' and '-' are allowed)");
    EXPECT_EQ(check_metric_name("a/b"),
              "metric name contains '/' (only letters, digits, ':', '_' and '-' are allowed)");
    EXPECT_EQ(check_metric_name("a\nb"),
              "metric name contains byte \\x0a (only letters, digits, ':', '_' and '-' are "
              "allowed)");
    EXPECT_NE(check_metric_name("caf\xc3\xa9"), std::nullopt);
}

TEST(CheckNumber, AcceptsIntegersUpToFifteenDigits) {
    EXPECT_EQ(check_number(std::int64_t{0}), std::nullopt);
    EXPECT_EQ(check_number(std::int64_t{42}), std::nullopt);
    EXPECT_EQ(check_number(std::int64_t{-42}), std::nullopt);
    EXPECT_EQ(check_number(std::int64_t{999'999'999'999'999}), std::nullopt);
    EXPECT_EQ(check_number(std::int64_t{-999'999'999'999'999}), std::nullopt);
    EXPECT_EQ(check_number(std::uint64_t{999'999'999'999'999}), std::nullopt);
}

TEST(CheckNumber, RejectsIntegersWithSixteenDigitsOrMore) {
    EXPECT_EQ(check_number(std::int64_t{1'000'000'000'000'000}),
              "1000000000000000 has more than 15 digits (Device Defender keeps 15 digits of "
              "precision)");
    EXPECT_NE(check_number(std::int64_t{-1'000'000'000'000'000}), std::nullopt);
    EXPECT_NE(check_number(std::int64_t{1234567890123456}), std::nullopt);
    EXPECT_NE(check_number(std::numeric_limits<std::int64_t>::min()), std::nullopt);
    EXPECT_NE(check_number(std::numeric_limits<std::uint64_t>::max()), std::nullopt);
}

TEST(CheckNumber, AcceptsFloatsWithFifteenSignificantDigits) {
    EXPECT_EQ(check_number(21.5), std::nullopt);
    EXPECT_EQ(check_number(-0.0), std::nullopt);
    EXPECT_EQ(check_number(0.1), std::nullopt);  // shortest form, not 0.1000000000000000055...
    EXPECT_EQ(check_number(0.123456789012345), std::nullopt);
    EXPECT_EQ(check_number(123456789012345.0), std::nullopt);
    EXPECT_EQ(check_number(1.5e300), std::nullopt);
    EXPECT_EQ(check_number(-2.5e-300), std::nullopt);
    EXPECT_EQ(check_number(1234567890123450000.0), std::nullopt);  // trailing zeros
}

TEST(CheckNumber, RejectsFloatsWithMoreDigitsOrNotFinite) {
    EXPECT_EQ(check_number(0.1234567890123456),
              "0.1234567890123456 has 16 significant digits (Device Defender keeps 15 digits of "
              "precision)");
    EXPECT_NE(check_number(1.0 / 3.0), std::nullopt);
    EXPECT_NE(check_number(1234567890123456.0), std::nullopt);
    EXPECT_EQ(check_number(std::numeric_limits<double>::quiet_NaN()),
              "number is not finite (NaN and infinity are not allowed)");
    EXPECT_NE(check_number(std::numeric_limits<double>::infinity()), std::nullopt);
    EXPECT_NE(check_number(-std::numeric_limits<double>::infinity()), std::nullopt);
}

TEST(CheckNumber, AcceptsModelNumbers) {
    EXPECT_EQ(check_number(Number{std::int64_t{42}}), std::nullopt);
    EXPECT_EQ(check_number(Number{21.5}), std::nullopt);
    EXPECT_NE(check_number(Number{std::int64_t{1234567890123456}}), std::nullopt);
    EXPECT_NE(check_number(Number{std::nan("")}), std::nullopt);
}

TEST(CheckStringListItem, AcceptsAllowedCharacters) {
    for (const char* item : {"foo", "bar", "donkey", "value_1", "eth0", "a:b_c-d/e.f", "ABCxyz"}) {
        EXPECT_EQ(check_string_list_item(item), std::nullopt) << item;
    }
}

TEST(CheckStringListItem, RejectsSpacesOtherCharactersAndEmpty) {
    EXPECT_EQ(check_string_list_item("One Fish"),
              "\"One Fish\" contains space (only letters, digits, ':', '_', '-', '/' and '.' are "
              "allowed)");
    EXPECT_EQ(check_string_list_item(""), "string is empty");
    for (const char* item : {"a,b", "a@b", "tab\there", "quote\"", "caf\xc3\xa9", "x+y", "50%"}) {
        EXPECT_NE(check_string_list_item(item), std::nullopt) << item;
    }
}

TEST(CheckIpLiteral, AcceptsIpv4AndIpv6) {
    for (const char* ip : {"127.0.0.1", "192.168.1.100", "2001:db8:3333:4444:5555:6666:7777:8888",
                           "fe80::843:a8ff:fe18:a879", "::", "::1", "::ffff:10.0.0.1", "0.0.0.0",
                           "255.255.255.255"}) {
        EXPECT_EQ(check_ip_literal(ip), std::nullopt) << ip;
    }
}

TEST(CheckIpLiteral, RejectsMacAddressesAndOtherText) {
    EXPECT_EQ(check_ip_literal("08:00:27:d1:ea:38"),
              "\"08:00:27:d1:ea:38\" is not an IPv4 or IPv6 address");
    for (const char* ip :
         {"", "1.2.3", "1.2.3.256", "01.2.3.4", "[::1]", "fe80::1%eth0", "10.0.0.0/8", "1.2.3.4:80",
          " 1.2.3.4", "localhost", "1:2:3:4:5:6:7:8:9"}) {
        EXPECT_NE(check_ip_literal(ip), std::nullopt) << ip;
    }
}

TEST(InQuotes, EscapesControlBytes) {
    EXPECT_EQ(in_quotes("a\"b\n"), "\"a\\x22b\\x0a\"");
    EXPECT_EQ(in_quotes("plain"), "\"plain\"");
}

}  // namespace
}  // namespace defender
