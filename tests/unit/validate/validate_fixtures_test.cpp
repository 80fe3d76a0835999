// SPDX-License-Identifier: Apache-2.0
// The report corpus in tests/fixtures/reports: every valid file passes, every invalid file is
// rejected for exactly the reason listed in invalid/EXPECTED.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "defender/validate.hpp"

namespace defender {
namespace {

const std::filesystem::path kReports = std::filesystem::path(DEFENDER_FIXTURES) / "reports";

std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file) << path;
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

struct Expectation {
    std::string file;
    std::string pointer;
    std::string reason_part;
};

std::vector<Expectation> read_expectations() {
    std::vector<Expectation> expectations;
    std::istringstream lines(read_bytes(kReports / "invalid" / "EXPECTED"));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line.front() == '#') continue;
        std::istringstream fields(line);
        Expectation expectation;
        fields >> expectation.file >> expectation.pointer;
        std::getline(fields >> std::ws, expectation.reason_part);
        if (expectation.pointer == "(document)") expectation.pointer.clear();
        expectations.push_back(expectation);
    }
    return expectations;
}

TEST(ValidateFixtures, EachInvalidReportFailsForItsListedReason) {
    const auto expectations = read_expectations();
    ASSERT_GE(expectations.size(), 50u);
    for (const auto& expectation : expectations) {
        SCOPED_TRACE(expectation.file);
        ASSERT_FALSE(expectation.reason_part.empty());
        const auto result = validate_report(read_bytes(kReports / "invalid" / expectation.file));
        ASSERT_EQ(result.violations.size(), 1u)
            << (result.violations.empty() ? "valid" : result.violations.front().reason);
        EXPECT_EQ(result.violations[0].pointer, expectation.pointer);
        EXPECT_NE(result.violations[0].reason.find(expectation.reason_part), std::string::npos)
            << result.violations[0].reason;
    }
}

TEST(ValidateFixtures, EveryInvalidFileIsListed) {
    std::set<std::string> listed;
    for (const auto& expectation : read_expectations()) {
        EXPECT_TRUE(listed.insert(expectation.file).second) << "listed twice: " << expectation.file;
    }
    for (const auto& entry : std::filesystem::directory_iterator(kReports / "invalid")) {
        const auto name = entry.path().filename().string();
        if (name != "EXPECTED") {
            EXPECT_TRUE(listed.count(name)) << "not in EXPECTED: " << name;
        }
    }
}

TEST(ValidateFixtures, ValidReportsPass) {
    for (const auto* name :
         {"spec_long.json", "spec_short.json", "spec_long.cbor", "spec_short.cbor",
          "aws_c_iot_custom.json", "docs_custom_wrapped.json"}) {
        const auto result = validate_report(read_bytes(kReports / "valid" / name));
        EXPECT_TRUE(result.valid())
            << name << ": " << result.violations[0].pointer << ": " << result.violations[0].reason;
    }
}

TEST(ValidateFixtures, ValidReportSequencesPass) {
    for (const auto* name : {"two_reports.json", "two_reports.cbor"}) {
        const auto results = validate_reports(read_bytes(kReports / "valid" / name));
        ASSERT_EQ(results.size(), 2u) << name;
        EXPECT_TRUE(results[0].valid()) << name;
        EXPECT_TRUE(results[1].valid()) << name;
    }
}

TEST(ValidateFixtures, DetectsFormatAndStyle) {
    const auto long_cbor = validate_report(read_bytes(kReports / "valid" / "spec_long.cbor"));
    EXPECT_EQ(long_cbor.format, Format::cbor);
    EXPECT_EQ(long_cbor.style, KeyStyle::long_names);
    const auto short_json = validate_report(read_bytes(kReports / "valid" / "spec_short.json"));
    EXPECT_EQ(short_json.format, Format::json);
    EXPECT_EQ(short_json.style, KeyStyle::short_names);
}

}  // namespace
}  // namespace defender
