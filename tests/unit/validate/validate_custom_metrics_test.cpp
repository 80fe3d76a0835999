// SPDX-License-Identifier: Apache-2.0
// The custom_metrics / cmet block of validate_report, in both key styles and both formats.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "defender/validate.hpp"
#include "encode/document.hpp"

namespace defender {
namespace {

struct Variant {
    bool short_names;
    Format format;
};
constexpr Variant kVariants[] = {
    {false, Format::json}, {false, Format::cbor}, {true, Format::json}, {true, Format::cbor}};

// A report whose only block is the custom metrics given as JSON text.
std::string report_with(const std::string& custom_metrics, const Variant& variant) {
    Document report = Document::object();
    if (variant.short_names) {
        report["hed"] = {{"rid", 1700000000}, {"v", "1.0"}};
        report["cmet"] = Document::parse(custom_metrics);
    } else {
        report["header"] = {{"report_id", 1700000000}, {"version", "1.0"}};
        report["custom_metrics"] = Document::parse(custom_metrics);
    }
    if (variant.format == Format::json) return report.dump();
    const auto bytes = Document::to_cbor(report);
    return std::string(bytes.begin(), bytes.end());
}

std::string block_pointer(const Variant& variant) {
    return variant.short_names ? "/cmet" : "/custom_metrics";
}

void expect_valid(const std::string& custom_metrics) {
    for (const auto& variant : kVariants) {
        const auto result = validate_report(report_with(custom_metrics, variant));
        EXPECT_TRUE(result.valid())
            << custom_metrics << " " << to_string(variant.format)
            << (variant.short_names ? " short: " : " long: ") << result.violations[0].pointer
            << ": " << result.violations[0].reason;
    }
}

// Exactly these violations, pointers given relative to the custom metrics block.
void expect_violations(const std::string& custom_metrics,
                       const std::vector<Violation>& relative_expected) {
    for (const auto& variant : kVariants) {
        SCOPED_TRACE(custom_metrics + " " + std::string(to_string(variant.format)) +
                     (variant.short_names ? " short" : " long"));
        auto expected = relative_expected;
        for (auto& violation : expected)
            violation.pointer = block_pointer(variant) + violation.pointer;
        EXPECT_EQ(validate_report(report_with(custom_metrics, variant)).violations, expected);
    }
}

void expect_one_violation(const std::string& custom_metrics, const std::string& pointer,
                          const std::string& reason_part) {
    for (const auto& variant : kVariants) {
        SCOPED_TRACE(custom_metrics + " " + std::string(to_string(variant.format)) +
                     (variant.short_names ? " short" : " long"));
        const auto result = validate_report(report_with(custom_metrics, variant));
        ASSERT_EQ(result.violations.size(), 1u);
        EXPECT_EQ(result.violations[0].pointer, block_pointer(variant) + pointer);
        EXPECT_NE(result.violations[0].reason.find(reason_part), std::string::npos)
            << result.violations[0].reason;
    }
}

// Spec §5.6: the documented positive/negative pair of the troubleshooting guide.
TEST(ValidateCustomMetrics, DocumentedInvalidPayloadPair) {
    expect_valid(R"({"my_custom_metric":[{"number":0}]})");
    expect_violations(R"({"my_custom_metric":{"number":0}})",
                      {{"/my_custom_metric",
                        "must be an array holding one object, e.g. [{\"number\":0}], not an "
                        "object"}});
}

// Spec §5.6: the custom values of aws-c-iot's tests.
TEST(ValidateCustomMetrics, AcceptsAwsCIotValues) {
    expect_valid(R"({"TestCustomMetricNumber":[{"number":42}],
        "TestCustomMetricNumberList":[{"number_list":[64,128,256]}],
        "TestCustomMetricStringList":[{"string_list":["foo","bar","donkey"]}],
        "TestCustomMetricIpList":[{"ip_list":["127.0.0.1","192.168.1.100",
            "2001:db8:3333:4444:5555:6666:7777:8888","fe80::843:a8ff:fe18:a879"]}]})");
}

TEST(ValidateCustomMetrics, AcceptsDocsExampleValues) {
    expect_valid(R"({"MyMetricOfType_Number":[{"number":1}],
        "MyMetricOfType_NumberList":[{"number_list":[1,2,3]}],
        "MyMetricOfType_StringList":[{"string_list":["value_1","value_2"]}],
        "MyMetricOfType_IpList":[{"ip_list":["172.0.0.0","172.0.0.10"]}]})");
}

TEST(ValidateCustomMetrics, AcceptsNumbersWithinFifteenDigits) {
    expect_valid(R"({"a":[{"number":-42}],"b":[{"number":999999999999999}],
        "c":[{"number":-999999999999999}],"d":[{"number":0.123456789012345}],
        "e":[{"number_list":[]}],"f":[{"number_list":[1.5,-2,3e10]}],
        "g":[{"string_list":[]}],"h":[{"ip_list":[]}]})");
    expect_valid(R"({})");
}

TEST(ValidateCustomMetrics, RejectsMacAddressInIpList) {
    // aws-c-iot's live-service client test sends this MAC address as an IP.
    expect_violations(
        R"({"addresses":[{"ip_list":["192.168.1.100","08:00:27:d1:ea:38"]}]})",
        {{"/addresses/0/ip_list/1", "\"08:00:27:d1:ea:38\" is not an IPv4 or IPv6 address"}});
    expect_one_violation(R"({"a":[{"ip_list":["[::1]"]}]})", "/a/0/ip_list/0", "not an IPv4");
    expect_one_violation(R"({"a":[{"ip_list":[3232235876]}]})", "/a/0/ip_list/0",
                         "must be a string, not an integer");
    expect_one_violation(R"({"a":[{"ip_list":"127.0.0.1"}]})", "/a/0/ip_list",
                         "must be an array, not a string");
}

TEST(ValidateCustomMetrics, RejectsSixteenDigitNumbers) {
    expect_violations(R"({"big":[{"number":1234567890123456}]})",
                      {{"/big/0/number",
                        "1234567890123456 has more than 15 digits (Device "
                        "Defender keeps 15 digits of precision)"}});
    expect_one_violation(R"({"big":[{"number":-1234567890123456}]})", "/big/0/number",
                         "more than 15 digits");
    expect_one_violation(R"({"big":[{"number":0.1234567890123456}]})", "/big/0/number",
                         "16 significant digits");
    expect_one_violation(R"({"big":[{"number_list":[1,2,18446744073709551615]}]})",
                         "/big/0/number_list/2", "more than 15 digits");
}

TEST(ValidateCustomMetrics, RejectsStringsWithSpacesOrOtherCharacters) {
    // The C++ v2 SDK sample sends "One Fish".
    expect_violations(R"({"fish":[{"string_list":["One Fish","Two_Fish"]}]})",
                      {{"/fish/0/string_list/0",
                        "\"One Fish\" contains space (only letters, digits, ':', '_', '-', '/' "
                        "and '.' are allowed)"}});
    expect_one_violation(R"({"s":[{"string_list":[""]}]})", "/s/0/string_list/0",
                         "string is empty");
    expect_one_violation(R"({"s":[{"string_list":["a,b"]}]})", "/s/0/string_list/0",
                         "contains ','");
    expect_one_violation(R"({"s":[{"string_list":[1]}]})", "/s/0/string_list/0",
                         "must be a string, not an integer");
}

TEST(ValidateCustomMetrics, RejectsWrongValueTypes) {
    expect_one_violation(R"({"n":[{"number":"42"}]})", "/n/0/number",
                         "must be a number, not a string");
    expect_one_violation(R"({"n":[{"number":true}]})", "/n/0/number",
                         "must be a number, not a boolean");
    expect_one_violation(R"({"n":[{"number":[42]}]})", "/n/0/number",
                         "must be a number, not an array");
    expect_one_violation(R"({"n":[{"number_list":[1,"2"]}]})", "/n/0/number_list/1",
                         "must be a number, not a string");
    expect_one_violation(R"({"n":[{"number_list":42}]})", "/n/0/number_list", "must be an array");
    expect_one_violation(R"({"n":[{"number":null}]})", "/n/0/number", "null is not allowed");
    expect_one_violation(R"({"n":[{"number_list":[null]}]})", "/n/0/number_list/0", "not null");
    expect_one_violation(R"({"n":null})", "/n", "not null");
}

TEST(ValidateCustomMetrics, RejectsWrongWrapping) {
    expect_one_violation(R"({"n":[]})", "/n", "exactly one object, not 0 elements");
    expect_one_violation(R"({"n":[{"number":1},{"number":2}]})", "/n",
                         "exactly one object, not 2 elements");
    expect_one_violation(R"({"n":[42]})", "/n/0", "must be an object, not an integer");
    expect_one_violation(R"({"n":[{}]})", "/n/0", "has no value");
    expect_one_violation(R"({"n":[{"number":1,"number_list":[1]}]})", "/n/0/number_list",
                         "exactly one value key");
    expect_one_violation(R"({"n":[{"num":1}]})", "/n/0/num", "unknown value key \"num\"");
    expect_one_violation(R"({"n":42})", "/n", "must be an array holding one object");
    expect_one_violation(R"([{"n":[{"number":1}]}])", "", "must be an object, not an array");
}

TEST(ValidateCustomMetrics, RejectsBadMetricNames) {
    expect_violations(R"({"aws:cpu":[{"number":1}]})",
                      {{"/aws:cpu", "metric names starting with \"aws:\" are reserved"}});
    expect_one_violation(R"({"my metric":[{"number":1}]})", "/my metric", "contains space");
    expect_one_violation(R"({"":[{"number":1}]})", "/", "metric name is empty");
    expect_one_violation("{\"" + std::string(129, 'm') + "\":[{\"number\":1}]}",
                         "/" + std::string(129, 'm'), "above the limit of 128");
    expect_valid("{\"" + std::string(128, 'm') + "\":[{\"number\":1}]}");
}

// Schema key names inside custom_metrics are metric names, never mixed key styles.
TEST(ValidateCustomMetrics, SchemaKeyNamesAreOrdinaryMetricNames) {
    expect_valid(R"({"header":[{"number":1}],"t":[{"number":2}],"pt":[{"number":3}]})");
}

std::string cbor_report_with_number(double number) {
    Document report = {{"header", {{"report_id", 1}, {"version", "1.0"}}},
                       {"custom_metrics", {{"x", Document::array({{{"number", number}}})}}}};
    const auto bytes = Document::to_cbor(report);
    return std::string(bytes.begin(), bytes.end());
}

TEST(ValidateCustomMetrics, RejectsNonFiniteCborNumbers) {
    for (const double number :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity()}) {
        const auto result = validate_report(cbor_report_with_number(number));
        ASSERT_EQ(result.violations.size(), 1u);
        EXPECT_EQ(result.violations[0],
                  (Violation{"/custom_metrics/x/0/number",
                             "number is not finite (NaN and infinity are not allowed)"}));
    }
    EXPECT_TRUE(validate_report(cbor_report_with_number(21.5)).valid());
}

}  // namespace
}  // namespace defender
