// SPDX-License-Identifier: Apache-2.0
// Values of custom metrics: parsing the text of commands and files, and the data rules.

#include <gtest/gtest.h>

#include "defender/custom_metrics.hpp"

namespace defender {
namespace {

CustomValue parse_ok(std::string_view text, CustomMetricType type) {
    auto value = parse_custom_value(text, type);
    EXPECT_TRUE(value.ok()) << text << ": " << (value ? "" : value.error().message);
    return value ? *value : CustomValue{};
}

std::string rule(const CustomValue& value, CustomMetricType type, std::size_t max_list = 50) {
    return check_custom_value(value, type, max_list).value_or("(fine)");
}

TEST(ParseCustomValue, Numbers) {
    using T = CustomMetricType;
    EXPECT_EQ(parse_ok("42\n", T::number), CustomValue{NumberValue{std::int64_t{42}}});
    EXPECT_EQ(parse_ok("  -7 ", T::number), CustomValue{NumberValue{std::int64_t{-7}}});
    EXPECT_EQ(parse_ok("48.5\n", T::number), CustomValue{NumberValue{48.5}});
    EXPECT_EQ(parse_ok("1e3", T::number), CustomValue{NumberValue{1000.0}});
    // Beyond int64: read as a double, then refused by the precision rule.
    EXPECT_EQ(parse_ok("123456789012345678901", T::number),
              CustomValue{NumberValue{123456789012345678901.0}});
}

TEST(ParseCustomValue, NotNumbers) {
    using T = CustomMetricType;
    EXPECT_EQ(parse_custom_value("", T::number).error().message,
              "no number in the output (it is empty)");
    EXPECT_EQ(parse_custom_value("12 13", T::number).error().message, "\"12 13\" is not a number");
    EXPECT_EQ(parse_custom_value("nan", T::number).error().message, "\"nan\" is not a number");
    EXPECT_EQ(parse_custom_value("inf", T::number).error().message, "\"inf\" is not a number");
    EXPECT_EQ(parse_custom_value("0x10", T::number).error().message, "\"0x10\" is not a number");
    EXPECT_EQ(parse_custom_value("+5", T::number).error().message, "\"+5\" is not a number");
    EXPECT_EQ(parse_custom_value("1e999", T::number).error().message, "\"1e999\" is not a number");
    EXPECT_EQ(parse_custom_value(std::string(100, 'x'), T::number).error().message,
              "\"" + std::string(40, 'x') + "\"... is not a number");
    EXPECT_EQ(parse_custom_value("1, 2, three", T::number_list).error().message,
              "\"three\" is not a number");
}

TEST(ParseCustomValue, Lists) {
    using T = CustomMetricType;
    const CustomValue numbers =
        NumberListValue{{std::int64_t{64}, std::int64_t{128}, std::int64_t{256}, -1.5}};
    EXPECT_EQ(parse_ok("64, 128\n256\t-1.5", T::number_list), numbers);
    const CustomValue strings = StringListValue{{"foo", "bar", "One Fish"}};
    const CustomValue ips = IpListValue{{"127.0.0.1", "2001:db8::1"}};
    EXPECT_EQ(parse_ok("", T::number_list), CustomValue{NumberListValue{}});
    EXPECT_EQ(parse_ok("foo\r\n\n  bar  \nOne Fish\n", T::string_list), strings);
    EXPECT_EQ(parse_ok("127.0.0.1\n2001:db8::1\n", T::ip_address_list), ips);
}

TEST(CheckCustomValue, AwsCIotTestValuesAreFine) {
    using T = CustomMetricType;
    EXPECT_EQ(rule(NumberValue{std::int64_t{42}}, T::number), "(fine)");
    EXPECT_EQ(rule(NumberListValue{{std::int64_t{64}, std::int64_t{128}, std::int64_t{256}}},
                   T::number_list),
              "(fine)");
    EXPECT_EQ(
        rule(StringListValue{{"foo", "bar", "donkey", "value_1", "a/b.c:d-e"}}, T::string_list),
        "(fine)");
    EXPECT_EQ(
        rule(IpListValue{{"127.0.0.1", "192.168.1.100", "2001:db8:3333:4444:5555:6666:7777:8888",
                          "fe80::843:a8ff:fe18:a879"}},
             T::ip_address_list),
        "(fine)");
    EXPECT_EQ(rule(NumberListValue{}, T::number_list), "(fine)");
    EXPECT_EQ(rule(NumberValue{std::int64_t{999'999'999'999'999}}, T::number), "(fine)");
    EXPECT_EQ(rule(NumberValue{-0.123456789012345}, T::number), "(fine)");
}

TEST(CheckCustomValue, BrokenRulesAreNamed) {
    using T = CustomMetricType;
    EXPECT_EQ(rule(IpListValue{{"127.0.0.1", "08:00:27:d1:ea:38"}}, T::ip_address_list),
              "ip-list addresses: \"08:00:27:d1:ea:38\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(rule(IpListValue{{"10.0.0.1:80"}}, T::ip_address_list),
              "ip-list addresses: \"10.0.0.1:80\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(rule(StringListValue{{"One Fish"}}, T::string_list),
              "string-list characters: \"One Fish\" contains space (only letters, digits, ':', "
              "'_', '-', '/' and '.' are allowed)");
    EXPECT_EQ(rule(StringListValue{{""}}, T::string_list),
              "string-list characters: string is empty");
    EXPECT_EQ(rule(NumberValue{std::int64_t{1'234'567'890'123'456}}, T::number),
              "number precision: 1234567890123456 has more than 15 digits (Device Defender keeps "
              "15 digits of precision)");
    EXPECT_EQ(rule(NumberListValue{{std::int64_t{1}, 0.1234567890123456}}, T::number_list),
              "number precision: 0.1234567890123456 has 16 significant digits (Device Defender "
              "keeps 15 digits of precision)");
    EXPECT_EQ(rule(NumberValue{std::int64_t{1}}, T::string_list),
              "type: a number value for a string-list metric");
    EXPECT_EQ(rule(StringListValue{{"a", "b", "c"}}, T::string_list, 2),
              "list size: 3 items, above the limit of 2");
    EXPECT_EQ(rule(StringListValue{{"a", "b", "c"}}, T::string_list, 0), "(fine)");
}

}  // namespace
}  // namespace defender
