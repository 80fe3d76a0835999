// SPDX-License-Identifier: Apache-2.0
// Hostile inputs for the shared decoder (`check`, `emulate`, the Detect intake): nesting
// depth, members per object, duplicate keys, document size, and how concatenated documents
// are split.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "defender/encode.hpp"
#include "defender/validate.hpp"
#include "encode/document.hpp"
#include "encode/json_extent.hpp"

namespace defender {
namespace {

constexpr const char* kValid =
    R"({"header":{"report_id":1700000000,"version":"1.0"},)"
    R"("metrics":{"listening_tcp_ports":{"ports":[{"port":22,"interface":"eth0"}],"total":1}}})";

std::string to_cbor(const std::string& json) {
    const auto bytes = Document::to_cbor(Document::parse(json));
    return {bytes.begin(), bytes.end()};
}

// CBOR of `json` in which the key `stand_in` becomes `key` (same length): a converter would
// keep one member of a duplicated key.
std::string to_cbor_renaming(const std::string& json, const std::string& stand_in,
                             const std::string& key) {
    std::string bytes = to_cbor(json);
    for (auto at = bytes.find(stand_in); at != std::string::npos; at = bytes.find(stand_in, at))
        bytes.replace(at, stand_in.size(), key);
    return bytes;
}

// {"a": [[...[1]...]]} with `levels` levels of nesting in all (the object is one).
std::string nested_json(std::size_t levels) {
    return "{\"a\":" + std::string(levels - 1, '[') + "1" + std::string(levels - 1, ']') + "}";
}

std::string nested_cbor(std::size_t levels) {
    std::string bytes =
        "\xa1\x61"
        "a";
    bytes += std::string(levels - 1, '\x81');
    bytes += '\x01';
    return bytes;
}

// A report whose custom_metrics object has `members` members with short names (each member
// is a violation, but the object is small enough to be read).
std::string wide_report(std::size_t members) {
    std::string json = R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{)";
    for (std::size_t i = 0; i < members; ++i) {
        json += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    }
    return json + "}}";
}

TEST(DocumentLimits, DeepJsonInSeveralDocumentsIsAViolationNotACrash) {
    // Before the limit, measuring the second document serialized it recursively: SIGSEGV.
    const std::string deep = nested_json(1'000'000);
    const auto results = validate_reports(std::string(kValid) + "\n" + deep + "\n" + kValid);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0].valid());
    EXPECT_EQ(results[1].violations,
              (std::vector<Violation>{{"", "JSON nested more than 64 levels deep"}}));
    EXPECT_TRUE(results[2].valid());
    const auto one = validate_report(deep);
    EXPECT_EQ(one.violations, results[1].violations);
    EXPECT_FALSE(decode(deep).ok());
}

TEST(DocumentLimits, SixtyFourLevelsAreReadSixtyFiveAreNot) {
    for (const Format format : {Format::json, Format::cbor}) {
        const auto at_limit =
            format == Format::json ? nested_json(kMaxDocumentDepth) : nested_cbor(64);
        const auto above =
            format == Format::json ? nested_json(kMaxDocumentDepth + 1) : nested_cbor(65);
        SCOPED_TRACE(std::string(to_string(format)));
        const auto read = read_document(at_limit);
        ASSERT_TRUE(read.ok()) << read.error().message;
        EXPECT_FALSE(read->refusal.has_value());
        const auto refused = read_document(above);
        ASSERT_TRUE(refused.ok());
        ASSERT_TRUE(refused->refusal.has_value());
        EXPECT_EQ(refused->refusal->reason, (format == Format::json ? "JSON" : "CBOR") +
                                                std::string(" nested more than 64 levels deep"));
        EXPECT_TRUE(refused->document.is_null());
    }
}

TEST(DocumentLimits, DuplicateKeysAreAViolationNotLastWins) {
    const std::string json =
        R"({"header":{"report_id":1700000000,"version":"1.0","report_id":1},)"
        R"("metrics":{"listening_tcp_ports":{"ports":[{"port":22}],"total":1}}})";
    const std::string cbor =
        to_cbor_renaming(R"({"header":{"report_id":1700000000,"version":"1.0","report_iX":1},)"
                         R"("metrics":{"listening_tcp_ports":{"ports":[{"port":22}],"total":1}}})",
                         "report_iX", "report_id");
    for (const auto& bytes : {json, cbor}) {
        const auto result = validate_report(bytes);
        ASSERT_EQ(result.violations.size(), 1u);
        EXPECT_EQ(result.violations[0].pointer, "/header/report_id");
        EXPECT_EQ(result.violations[0].reason,
                  "duplicate key \"report_id\": each member may appear only once");
        const auto decoded = decode(bytes);
        ASSERT_FALSE(decoded.ok());
        EXPECT_EQ(decoded.error().message,
                  "/header/report_id: duplicate key \"report_id\": each member may appear only "
                  "once");
    }
}

TEST(DocumentLimits, DuplicateKeysAnywhereAndInLargeObjects) {
    // At the top level, inside an array element, and among many custom metrics (sorted check).
    const auto top = validate_report(std::string(kValid).insert(1, R"("metrics":{},)"));
    ASSERT_EQ(top.violations.size(), 1u);
    EXPECT_EQ(top.violations[0].pointer, "/metrics");

    const auto in_array = validate_report(
        R"({"header":{"report_id":1,"version":"1.0"},"metrics":{"listening_tcp_ports":)"
        R"({"ports":[{"port":22},{"port":23,"interface":"lo","port":24}]}}})");
    ASSERT_EQ(in_array.violations.size(), 1u);
    EXPECT_EQ(in_array.violations[0].pointer, "/metrics/listening_tcp_ports/ports/1/port");

    std::string custom = R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{)";
    for (int i = 0; i < 40; ++i)
        custom += "\"m" + std::to_string(i) + "\":[{\"number\":1}],";
    custom += R"("m~/7":[{"number":1}],"m7":[{"number":2}],"m~/7":[{"number":3}]}})";
    const auto large = validate_report(custom);
    ASSERT_EQ(large.violations.size(), 1u);
    EXPECT_EQ(large.violations[0].pointer, "/custom_metrics/m7");

    EXPECT_TRUE(validate_report(kValid).valid());
}

TEST(DocumentLimits, DuplicateKeysInOneOfSeveralDocuments) {
    const std::string duplicated = R"({"header":{"report_id":2,"version":"1.0","version":"1.0"},)"
                                   R"("custom_metrics":{"m":[{"number":1}]}})";
    const auto results = validate_reports(std::string(kValid) + duplicated + kValid);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0].valid());
    ASSERT_EQ(results[1].violations.size(), 1u);
    EXPECT_EQ(results[1].violations[0].pointer, "/header/version");
    EXPECT_TRUE(results[2].valid());

    const auto cbor = validate_reports(
        to_cbor(kValid) + to_cbor_renaming(R"({"header":{"report_id":2,"version":"1.0","versioX":)"
                                           R"("1.0"},"custom_metrics":{"m":[{"number":1}]}})",
                                           "versioX", "version"));
    ASSERT_EQ(cbor.size(), 2u);
    EXPECT_TRUE(cbor[0].valid());
    ASSERT_EQ(cbor[1].violations.size(), 1u);
    EXPECT_EQ(cbor[1].violations[0].pointer, "/header/version");
}

TEST(DocumentLimits, ObjectsWiderThanAnyReportAreRefused) {
    // kMaxObjectMembers members fit in a report; one more cannot.
    const auto widest = read_document(wide_report(kMaxObjectMembers));
    ASSERT_TRUE(widest.ok());
    EXPECT_FALSE(widest->refusal.has_value());
    EXPECT_EQ(widest->document["custom_metrics"].size(), kMaxObjectMembers);

    const std::string too_wide = wide_report(kMaxObjectMembers + 1);
    ASSERT_LE(too_wide.size(), kMaxPayloadBytes);  // the size limit alone would not stop it
    // (std::map-backed json converts it without ordered_json's quadratic insertion.)
    const auto cbor_bytes = nlohmann::json::to_cbor(nlohmann::json::parse(too_wide));
    for (const auto& bytes : {too_wide, std::string(cbor_bytes.begin(), cbor_bytes.end())}) {
        const auto result = validate_report(bytes);
        ASSERT_EQ(result.violations.size(), 1u);
        EXPECT_EQ(result.violations[0],
                  (Violation{"/custom_metrics",
                             "more than 10922 members (no valid report has an object this "
                             "large)"}));
    }
}

TEST(DocumentLimits, DocumentsAboveThePayloadLimitAreNotRead) {
    // A CBOR report one byte over the limit: refused by its size alone, as is compact JSON.
    std::string json =
        R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{"s":[{"string_list":[)";
    for (int i = 0; i < 15000; ++i)
        json += std::string(i ? "," : "") + "\"abcdefgh\"";
    json += "]}]}}";
    const auto cbor = to_cbor(json);
    ASSERT_GT(cbor.size(), kMaxPayloadBytes);
    for (const auto& bytes : {json, cbor}) {
        const auto read = read_document(bytes);
        ASSERT_TRUE(read.ok());
        ASSERT_TRUE(read->refusal.has_value());
        EXPECT_EQ(read->refusal->reason, "report is " + std::to_string(read->size) +
                                             " bytes, above AWS IoT's payload limit of "
                                             "131072 bytes");
        EXPECT_TRUE(read->document.is_null());
    }
    EXPECT_EQ(read_document(cbor)->size, cbor.size());
}

TEST(DocumentLimits, SplittingMeasuresEachDocumentWithoutBlanks) {
    const std::string pretty = Document::parse(kValid).dump(4);
    const auto documents = parse_documents(pretty + "\n\n" + kValid + pretty);
    ASSERT_TRUE(documents.ok()) << documents.error().message;
    ASSERT_EQ(documents->size(), 3u);
    for (const auto& document : *documents) {
        EXPECT_EQ(document.size, std::string(kValid).size());
        EXPECT_EQ(document.document, Document::parse(kValid));
    }
    const auto cbor = parse_documents(to_cbor(kValid) + to_cbor(kValid));
    ASSERT_TRUE(cbor.ok());
    ASSERT_EQ(cbor->size(), 2u);
    EXPECT_EQ((*cbor)[1].size, to_cbor(kValid).size());
}

TEST(DocumentLimits, MalformedInputIsStillAnErrorWithItsPlace) {
    for (const std::string bad : {"{\"a\":tru}", "{\"a\":1", "{\"a\":\"x}", "{]", "{\"a\":1}}"}) {
        EXPECT_FALSE(read_document(bad).ok()) << bad;
    }
    const auto truncated =
        read_document(std::string("\xa2\x61"
                                  "a\x01",
                                  4));
    ASSERT_FALSE(truncated.ok());
    EXPECT_EQ(truncated.error().message, "not valid CBOR: unexpected end of input");
    const auto reserved =
        read_document(std::string("\xa1\x61"
                                  "a\x1c",
                                  4));
    ASSERT_FALSE(reserved.ok());
    EXPECT_EQ(reserved.error().message, "not valid CBOR: reserved header value at byte 3");
    // A document that never closes, larger than any report, is not built.
    const auto open = read_document("{\"a\":[" + std::string(200'000, ' ') + "1" +
                                    std::string(200'000, ',') + "2");
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().message, "not valid JSON: the document at byte 0 never ends");
}

TEST(JsonExtent, FindsTheEndOfEachKindOfValue) {
    const std::string text = R"(  {"a}":"]\"",  "b":[1, {}]} [2] "s\"" 12.5e3 true{)";
    auto extent = scan_json_value(text, 0);
    EXPECT_EQ(text.substr(extent.begin, extent.end - extent.begin),
              R"({"a}":"]\"",  "b":[1, {}]})");
    EXPECT_EQ(extent.compact_size, extent.end - extent.begin - 3);
    EXPECT_EQ(extent.depth, 3u);
    EXPECT_TRUE(extent.complete);
    std::vector<std::string> values;
    std::vector<bool> complete;
    for (std::size_t at = extent.end; (extent = scan_json_value(text, at)).begin < text.size();
         at = extent.end) {
        values.push_back(text.substr(extent.begin, extent.end - extent.begin));
        complete.push_back(extent.complete);
    }
    EXPECT_EQ(values, (std::vector<std::string>{"[2]", R"("s\"")", "12.5e3", "true", "{"}));
    EXPECT_EQ(complete, (std::vector<bool>{true, true, true, true, false}));
}

}  // namespace
}  // namespace defender
