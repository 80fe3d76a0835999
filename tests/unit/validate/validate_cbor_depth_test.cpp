// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "defender/validate.hpp"
#include "encode/cbor_depth.hpp"
#include "encode/document.hpp"

namespace defender {
namespace {

// A map {"a": [[...[1]...]]} with `arrays` nested arrays: arrays + 1 levels.
std::string nested_arrays(std::size_t arrays, char array_header = '\x81') {
    std::string bytes =
        "\xa1\x61"
        "a";
    bytes += std::string(arrays, array_header);
    bytes += '\x01';
    if (array_header == '\x9f') bytes += std::string(arrays, '\xff');
    return bytes;
}

TEST(CborNesting, CountsContainerLevels) {
    EXPECT_FALSE(cbor_nesting_exceeds(nested_arrays(9), 10));
    EXPECT_TRUE(cbor_nesting_exceeds(nested_arrays(10), 10));
    EXPECT_FALSE(cbor_nesting_exceeds(nested_arrays(9, '\x9f'), 10));  // indefinite length
    EXPECT_TRUE(cbor_nesting_exceeds(nested_arrays(10, '\x9f'), 10));
}

TEST(CborNesting, CountsTags) {
    std::string bytes =
        "\xa1\x61"
        "a";
    bytes += std::string(20, '\xc1');  // tag 1, twenty times
    bytes += '\x01';
    EXPECT_TRUE(cbor_nesting_exceeds(bytes, 10));
    EXPECT_FALSE(cbor_nesting_exceeds(bytes, 21));
}

TEST(CborNesting, SiblingsDoNotAddUp) {
    // {"a": [[1], [1], ..., [1]]}: 3 levels however many siblings.
    std::string bytes =
        "\xa1\x61"
        "a\x98\x64";  // array of 100
    for (int i = 0; i < 100; ++i)
        bytes += "\x81\x01";
    EXPECT_FALSE(cbor_nesting_exceeds(bytes, 3));
    EXPECT_TRUE(cbor_nesting_exceeds(bytes, 2));
}

TEST(CborNesting, ScansEveryItemOfASequenceAndRealReports) {
    const Document report = Document::parse(
        R"({"hed":{"rid":1,"v":"1.0"},"met":{"tc":{"ec":{"cs":[{"rad":"192.0.2.1:1","lp":1}],"t":1}}},
            "cmet":{"x":[{"string_list":["a","b"]}],"y":[{"number":1.5}]}})");
    const auto bytes = Document::to_cbor(report);
    const std::string one(bytes.begin(), bytes.end());
    EXPECT_FALSE(cbor_nesting_exceeds(one + one, 6));
    EXPECT_TRUE(cbor_nesting_exceeds(one + one, 5));
    EXPECT_TRUE(cbor_nesting_exceeds(one + nested_arrays(30), 20));
}

TEST(CborNesting, StopsAtMalformedData) {
    EXPECT_FALSE(cbor_nesting_exceeds(std::string("\xa1\x61", 2), 1));
    EXPECT_FALSE(cbor_nesting_exceeds(std::string("\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9), 1));
    EXPECT_FALSE(cbor_nesting_exceeds(std::string("\x5a\xff\xff\xff\xff", 5), 0));
    EXPECT_FALSE(cbor_nesting_exceeds(std::string("\x1c", 1), 0));
    EXPECT_FALSE(cbor_nesting_exceeds("", 0));
}

TEST(CborNesting, DeepCborIsAViolationNotACrash) {
    for (const auto& input : {nested_arrays(100000), nested_arrays(100000, '\x9f')}) {
        const auto result = validate_report(input);
        ASSERT_EQ(result.violations.size(), 1u);
        EXPECT_EQ(result.violations[0], (Violation{"", "CBOR nested more than 64 levels deep"}));
        const auto results = validate_reports(input);
        ASSERT_EQ(results.size(), 1u);
        EXPECT_EQ(results[0].violations, result.violations);
    }
}

TEST(CborNesting, DeepJsonIsAViolationNotACrash) {
    const std::string input = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const auto result = validate_report(input);
    EXPECT_FALSE(result.valid());
}

}  // namespace
}  // namespace defender
