// SPDX-License-Identifier: Apache-2.0
// Schema rules of validate_report, each checked in both key styles and both formats.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "defender/validate.hpp"
#include "encode/document.hpp"
#include "report/field_names.hpp"

namespace defender {
namespace {

// The long-name example report of spec §2.7.
Document example_report() {
    return Document::parse(R"({"header":{"report_id":1700000000,"version":"1.0"},
 "metrics":{"listening_tcp_ports":{"ports":[{"port":22,"interface":"eth0"}],"total":1},
            "tcp_connections":{"established_connections":{"connections":[{"remote_addr":"192.0.2.10:443","local_port":51000,"local_interface":"eth0"}],"total":1}},
            "network_stats":{"bytes_in":1024,"bytes_out":2048,"packets_in":10,"packets_out":12}},
 "custom_metrics":{"temperature":[{"number":21.5}]}})");
}

std::string key_in_style(const std::string& long_key, KeyStyle style) {
    const auto field = field_from_key(long_key, KeyStyle::long_names);
    return field ? std::string(field_name(*field, style)) : long_key;
}

// Renames the schema keys; custom metric names and value keys have no short forms.
Document in_style(const Document& document, KeyStyle style, bool inside_custom = false) {
    if (document.is_array()) {
        Document result = Document::array();
        for (const auto& element : document)
            result.push_back(in_style(element, style, inside_custom));
        return result;
    }
    if (!document.is_object()) return document;
    Document result = Document::object();
    for (const auto& [key, value] : document.items()) {
        const bool custom = inside_custom || key == "custom_metrics";
        result[inside_custom ? key : key_in_style(key, style)] = in_style(value, style, custom);
    }
    return result;
}

std::string pointer_in_style(const std::string& long_pointer, KeyStyle style) {
    std::string result;
    std::size_t at = 0;
    bool inside_custom = false;
    while (at < long_pointer.size()) {
        const auto next = long_pointer.find('/', at + 1);
        const auto token = long_pointer.substr(at + 1, next - at - 1);
        result += "/" + (inside_custom ? token : key_in_style(token, style));
        inside_custom = inside_custom || token == "custom_metrics";
        at = next == std::string::npos ? long_pointer.size() : next;
    }
    return result;
}

std::string encode_as(const Document& document, Format format) {
    if (format == Format::json) return document.dump();
    const auto bytes = Document::to_cbor(document);
    return std::string(bytes.begin(), bytes.end());
}

struct Variant {
    KeyStyle style;
    Format format;
};
constexpr Variant kVariants[] = {{KeyStyle::long_names, Format::json},
                                 {KeyStyle::long_names, Format::cbor},
                                 {KeyStyle::short_names, Format::json},
                                 {KeyStyle::short_names, Format::cbor}};

std::string describe(const Variant& variant) {
    return std::string(to_string(variant.format)) +
           (variant.style == KeyStyle::long_names ? " long" : " short");
}

using Edit = std::function<void(Document&)>;

// Applies `edit` to the long example, then checks every variant has exactly the expected
// violation (pointer given in long names).
void expect_single_violation(const Edit& edit, const std::string& long_pointer,
                             const std::string& reason_part) {
    Document report = example_report();
    edit(report);
    for (const auto& variant : kVariants) {
        const auto result =
            validate_report(encode_as(in_style(report, variant.style), variant.format));
        SCOPED_TRACE(describe(variant) + " " + report.dump());
        EXPECT_EQ(result.format, variant.format);
        ASSERT_EQ(result.violations.size(), 1u)
            << (result.violations.empty() ? "" : result.violations[0].reason);
        EXPECT_EQ(result.violations[0].pointer, pointer_in_style(long_pointer, variant.style));
        EXPECT_NE(result.violations[0].reason.find(reason_part), std::string::npos)
            << result.violations[0].reason;
    }
}

void expect_valid(const Edit& edit) {
    Document report = example_report();
    edit(report);
    for (const auto& variant : kVariants) {
        const auto result =
            validate_report(encode_as(in_style(report, variant.style), variant.format));
        SCOPED_TRACE(describe(variant) + " " + report.dump());
        EXPECT_TRUE(result.valid())
            << result.violations[0].pointer << ": " << result.violations[0].reason;
        EXPECT_EQ(result.style, variant.style);
        EXPECT_EQ(result.format, variant.format);
    }
}

const Edit kNoEdit = [](Document&) {};

Document& tcp_port(Document& r) {
    return r["metrics"]["listening_tcp_ports"]["ports"][0];
}
Document& connection(Document& r) {
    return r["metrics"]["tcp_connections"]["established_connections"]["connections"][0];
}
constexpr const char* kTcpPort = "/metrics/listening_tcp_ports/ports/0";
constexpr const char* kConnection =
    "/metrics/tcp_connections/established_connections/connections/0";

TEST(ValidateReport, AcceptsSpecExamplesInAllVariants) {
    expect_valid(kNoEdit);
}

TEST(ValidateReport, AcceptsSpecShortExampleAsWritten) {
    const auto result = validate_report(R"({"hed":{"rid":1700000000,"v":"1.0"},
 "met":{"tp":{"pts":[{"pt":22,"if":"eth0"}],"t":1},
        "tc":{"ec":{"cs":[{"rad":"192.0.2.10:443","lp":51000,"li":"eth0"}],"t":1}},
        "ns":{"bi":1024,"bo":2048,"pi":10,"po":12}},
 "cmet":{"temperature":[{"number":21.5}]}})");
    EXPECT_TRUE(result.valid());
    EXPECT_EQ(result.style, KeyStyle::short_names);
    EXPECT_EQ(result.format, Format::json);
}

TEST(ValidateReport, AcceptsOptionalPartsLeftOutAndEmptyLists) {
    expect_valid([](Document& r) { r.erase("custom_metrics"); });
    expect_valid([](Document& r) { r.erase("metrics"); });
    expect_valid([](Document& r) { r["metrics"] = Document::object(); });
    expect_valid([](Document& r) {
        r["metrics"]["listening_udp_ports"] = Document::parse(R"({"ports":[],"total":0})");
        r["metrics"]["listening_tcp_ports"]["ports"] = Document::array();
    });
    expect_valid([](Document& r) { tcp_port(r).erase("interface"); });
    expect_valid([](Document& r) {
        connection(r).erase("local_port");
        connection(r).erase("local_interface");
    });
    expect_valid([](Document& r) { r["metrics"]["listening_tcp_ports"].erase("total"); });
    expect_valid([](Document& r) { r["metrics"]["listening_tcp_ports"]["total"] = 5000; });
}

TEST(ValidateReport, AcceptsBoundaryValues) {
    expect_valid([](Document& r) { r["header"]["report_id"] = 1; });
    expect_valid([](Document& r) { r["header"]["report_id"] = (std::uint64_t{1} << 53) - 1; });
    expect_valid([](Document& r) { tcp_port(r)["port"] = 1; });
    expect_valid([](Document& r) { tcp_port(r)["port"] = 65535; });
    expect_valid([](Document& r) { connection(r)["local_port"] = 0; });
    expect_valid([](Document& r) { connection(r)["local_port"] = 65535; });
    expect_valid([](Document& r) {
        connection(r)["remote_addr"] = "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:80";
    });
    expect_valid([](Document& r) { r["metrics"]["network_stats"]["bytes_in"] = 29358693495; });
    expect_valid([](Document& r) {
        r["metrics"]["network_stats"]["bytes_out"] = std::numeric_limits<std::uint64_t>::max();
    });
}

TEST(ValidateReport, TopLevelRules) {
    expect_single_violation([](Document& r) { r.erase("header"); }, "", "missing required member");
    expect_single_violation(
        [](Document& r) {
            r.erase("metrics");
            r.erase("custom_metrics");
        },
        "", "needs at least one");
    expect_single_violation([](Document& r) { r["extra"] = 1; }, "/extra", "unknown member");
    expect_single_violation([](Document& r) { r["report_id"] = 1; }, "/report_id",
                            "unknown member \"");
    expect_single_violation([](Document& r) { r["header"] = nullptr; }, "/header",
                            "null is not allowed");
    expect_single_violation([](Document& r) { r["metrics"] = nullptr; }, "/metrics",
                            "null is not allowed");
    expect_single_violation([](Document& r) { r["metrics"] = Document::array(); }, "/metrics",
                            "must be an object, not an array");
    expect_single_violation([](Document& r) { r["header"] = "1.0"; }, "/header",
                            "must be an object, not a string");
}

TEST(ValidateReport, HeaderRules) {
    const std::string id = "/header/report_id";
    expect_single_violation([](Document& r) { r["header"]["report_id"] = 0; }, id, "positive");
    expect_single_violation([](Document& r) { r["header"]["report_id"] = -5; }, id, "positive");
    expect_single_violation([](Document& r) { r["header"]["report_id"] = 1700000000.0; }, id,
                            "must be an integer, not a float");
    expect_single_violation([](Document& r) { r["header"]["report_id"] = "1700000000"; }, id,
                            "must be an integer, not a string");
    expect_single_violation([](Document& r) { r["header"]["report_id"] = true; }, id,
                            "must be an integer, not a boolean");
    expect_single_violation([](Document& r) { r["header"]["report_id"] = std::uint64_t{1} << 53; },
                            id, "below 2^53");
    expect_single_violation([](Document& r) { r["header"].erase("report_id"); }, "/header",
                            "missing required member");
    const std::string version = "/header/version";
    expect_single_violation([](Document& r) { r["header"]["version"] = "2.0"; }, version,
                            "unsupported version \"2.0\"");
    expect_single_violation([](Document& r) { r["header"]["version"] = "1.1"; }, version,
                            "unsupported version");
    expect_single_violation([](Document& r) { r["header"]["version"] = "1"; }, version,
                            "Major.Minor");
    expect_single_violation([](Document& r) { r["header"]["version"] = "v1.0"; }, version,
                            "Major.Minor");
    expect_single_violation([](Document& r) { r["header"]["version"] = 1.0; }, version,
                            "must be the string \"1.0\", not a float");
    expect_single_violation([](Document& r) { r["header"].erase("version"); }, "/header",
                            "missing required member");
    expect_single_violation([](Document& r) { r["header"]["timestamp"] = 1; }, "/header/timestamp",
                            "unknown member");
}

TEST(ValidateReport, ListeningPortRules) {
    const std::string port = std::string(kTcpPort) + "/port";
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = 0; }, port,
                            "0 is outside 1..65535");
    // The Python sample's test ports.
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = 88888; }, port,
                            "88888 is outside 1..65535");
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = 99999; }, port,
                            "99999 is outside 1..65535");
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = -22; }, port, "outside");
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = "22"; }, port,
                            "must be an integer");
    expect_single_violation([](Document& r) { tcp_port(r)["port"] = 22.0; }, port,
                            "must be an integer");
    expect_single_violation([](Document& r) { tcp_port(r).erase("port"); }, kTcpPort,
                            "missing required member");
    expect_single_violation([](Document& r) { tcp_port(r)["interface"] = ""; },
                            std::string(kTcpPort) + "/interface", "must not be empty");
    expect_single_violation([](Document& r) { tcp_port(r)["interface"] = 0; },
                            std::string(kTcpPort) + "/interface", "must be a string");
    expect_single_violation([](Document& r) { tcp_port(r)["interface"] = nullptr; },
                            std::string(kTcpPort) + "/interface", "null is not allowed");
    expect_single_violation([](Document& r) { tcp_port(r)["protocol"] = "tcp"; },
                            std::string(kTcpPort) + "/protocol", "unknown member");
    expect_single_violation([](Document& r) { tcp_port(r) = 22; }, kTcpPort,
                            "must be an object, not an integer");
    expect_single_violation([](Document& r) { tcp_port(r) = nullptr; }, kTcpPort,
                            "null is not allowed");
    expect_single_violation(
        [](Document& r) { r["metrics"]["listening_tcp_ports"]["ports"] = Document::object(); },
        "/metrics/listening_tcp_ports/ports", "must be an array");
    expect_single_violation([](Document& r) { r["metrics"]["listening_tcp_ports"]["total"] = -1; },
                            "/metrics/listening_tcp_ports/total", "outside");
    expect_single_violation(
        [](Document& r) {
            r["metrics"]["listening_tcp_ports"]["ports"].push_back({{"port", 80}});
        },
        "/metrics/listening_tcp_ports/total", "1 is below the 2 entries listed");
    expect_single_violation(
        [](Document& r) {
            r["metrics"]["listening_udp_ports"] =
                Document::parse(R"({"ports":[{"port":0,"interface":"eth0"}],"total":1})");
        },
        "/metrics/listening_udp_ports/ports/0/port", "outside 1..65535");
    expect_single_violation(
        [](Document& r) { r["metrics"]["listening_udp_ports"] = Document::array(); },
        "/metrics/listening_udp_ports", "must be an object");
}

TEST(ValidateReport, ConnectionRules) {
    const std::string remote = std::string(kConnection) + "/remote_addr";
    expect_single_violation([](Document& r) { connection(r)["remote_addr"] = "192.0.2.10"; },
                            remote, "has no port");
    expect_single_violation([](Document& r) { connection(r)["remote_addr"] = "192.0.2.10:0"; },
                            remote, "outside 1..65535");
    expect_single_violation(
        [](Document& r) { connection(r)["remote_addr"] = "[::ffff:192.0.2.10]:443"; }, remote,
        "IPv4-mapped");
    expect_single_violation([](Document& r) { connection(r)["remote_addr"] = "2001:db8::1:443"; },
                            remote, "must be in brackets");
    expect_single_violation([](Document& r) { connection(r)["remote_addr"] = 3232235521; }, remote,
                            "must be a string");
    expect_single_violation([](Document& r) { connection(r).erase("remote_addr"); }, kConnection,
                            "missing required member");
    expect_single_violation([](Document& r) { connection(r)["local_port"] = 70000; },
                            std::string(kConnection) + "/local_port", "70000 is outside 0..65535");
    expect_single_violation([](Document& r) { connection(r)["local_port"] = "51000"; },
                            std::string(kConnection) + "/local_port", "must be an integer");
    expect_single_violation([](Document& r) { connection(r)["local_interface"] = nullptr; },
                            std::string(kConnection) + "/local_interface", "null is not allowed");
    expect_single_violation([](Document& r) { connection(r)["local_interface"] = ""; },
                            std::string(kConnection) + "/local_interface", "must not be empty");
    expect_single_violation([](Document& r) { connection(r)["state"] = "ESTABLISHED"; },
                            std::string(kConnection) + "/state", "unknown member");
    expect_single_violation(
        [](Document& r) {
            r["metrics"]["tcp_connections"]["established_connections"]["total"] = 0;
        },
        "/metrics/tcp_connections/established_connections/total", "below the 1 entries");
    // Wrong nesting: connections directly under tcp_connections.
    expect_single_violation(
        [](Document& r) {
            r["metrics"]["tcp_connections"] =
                Document::parse(R"({"connections":[{"remote_addr":"192.0.2.10:443"}]})");
        },
        "/metrics/tcp_connections/connections", "unknown member \"");
    expect_single_violation(
        [](Document& r) {
            r["metrics"]["tcp_connections"]["established_connections"] =
                Document::parse(R"([{"remote_addr":"192.0.2.10:443"}])");
        },
        "/metrics/tcp_connections/established_connections", "must be an object");
}

TEST(ValidateReport, NetworkStatsRules) {
    expect_single_violation([](Document& r) { r["metrics"]["network_stats"]["bytes_in"] = -1; },
                            "/metrics/network_stats/bytes_in", "-1 is outside");
    expect_single_violation([](Document& r) { r["metrics"]["network_stats"]["packets_in"] = 1.5; },
                            "/metrics/network_stats/packets_in", "must be an integer");
    // Above 2^64-1 JSON gives a float.
    expect_single_violation(
        [](Document& r) { r["metrics"]["network_stats"]["packets_out"] = 1.9e19; },
        "/metrics/network_stats/packets_out", "must be an integer");
    expect_single_violation([](Document& r) { r["metrics"]["network_stats"]["bytes_total"] = 1; },
                            "/metrics/network_stats/bytes_total", "unknown member");
    expect_single_violation(
        [](Document& r) { r["metrics"]["network_stats"]["packets_out"] = nullptr; },
        "/metrics/network_stats/packets_out", "null is not allowed");
    expect_single_violation([](Document& r) { r["metrics"]["cpu"] = 1; }, "/metrics/cpu",
                            "unknown member");
}

TEST(ValidateReport, MixedKeyStylesInLongReport) {
    auto report = example_report();
    report["header"]["rid"] = 5;
    report["header"].erase("report_id");
    const auto result = validate_report(report.dump());
    ASSERT_EQ(result.violations.size(), 1u);
    EXPECT_EQ(result.violations[0],
              (Violation{"/header/rid",
                         "mixed key styles: \"rid\" in a long-name report (use \"report_id\")"}));
}

TEST(ValidateReport, MixedKeyStylesStillChecksTheValue) {
    const auto result = validate_report(
        R"({"header":{"report_id":1,"version":"1.0"},"metrics":{"tp":{"pts":[{"pt":0}]}}})");
    ASSERT_EQ(result.violations.size(), 4u);
    EXPECT_EQ(result.violations[0].pointer, "/metrics/tp");
    EXPECT_NE(result.violations[0].reason.find("mixed key styles"), std::string::npos);
    EXPECT_EQ(result.violations[1].pointer, "/metrics/tp/pts");
    EXPECT_EQ(result.violations[2].pointer, "/metrics/tp/pts/0/pt");
    EXPECT_EQ(result.violations[2].reason,
              "mixed key styles: \"pt\" in a long-name report (use \"port\")");
    EXPECT_EQ(result.violations[3], (Violation{"/metrics/tp/pts/0/pt", "0 is outside 1..65535"}));
}

// The Python sample in short mode writes long keys inside `pts` entries (spec §6.4) and
// `"li": null` for connections whose interface it could not find (§6.8).
TEST(ValidateReport, RejectsPythonSampleShortModeReport) {
    const auto result = validate_report(R"({"hed":{"rid":1700000000,"v":"1.0"},
        "met":{"tp":{"pts":[{"port":22,"interface":"eth0"}],"t":1},
               "tc":{"ec":{"cs":[{"rad":"192.0.2.10:443","lp":51000,"li":null}],"t":1}}}})");
    EXPECT_EQ(result.style, KeyStyle::short_names);
    const std::vector<Violation> expected{
        {"/met/tp/pts/0/port", "mixed key styles: \"port\" in a short-name report (use \"pt\")"},
        {"/met/tp/pts/0/interface",
         "mixed key styles: \"interface\" in a short-name report (use \"if\")"},
        {"/met/tc/ec/cs/0/li", "null is not allowed"},
    };
    EXPECT_EQ(result.violations, expected);
}

TEST(ValidateReport, RejectsRustotNullMetrics) {
    const auto result = validate_report(
        R"({"hed":{"rid":0,"v":"1.0"},"met":null,"cmet":{"MyMetricOfType_Number":[{"number":23}]}})");
    const std::vector<Violation> expected{{"/hed/rid", "report id must be positive"},
                                          {"/met", "null is not allowed"}};
    EXPECT_EQ(result.violations, expected);
}

TEST(ValidateReport, MixedTopLevelKeysFollowTheFirstOne) {
    const auto result =
        validate_report(R"({"hed":{"rid":1,"v":"1.0"},"metrics":{},"cmet":{"a":[{"number":1}]}})");
    EXPECT_EQ(result.style, KeyStyle::short_names);
    ASSERT_EQ(result.violations.size(), 1u);
    EXPECT_EQ(result.violations[0].pointer, "/metrics");
    EXPECT_NE(result.violations[0].reason.find("mixed key styles"), std::string::npos);
}

TEST(ValidateReport, ReportsEveryViolationInDocumentOrder) {
    // `total` comes before the list it is compared with; its violation still comes first.
    const auto result = validate_report(R"({"header":{"version":"9","report_id":0},
        "metrics":{"listening_tcp_ports":{"total":0,"ports":[{"port":0},{"port":70000}]}},
        "custom_metrics":{"bad name":{"number":0}}})");
    const std::vector<Violation> expected{
        {"/header/version", "version \"9\" is not in Major.Minor format (expected \"1.0\")"},
        {"/header/report_id", "report id must be positive"},
        {"/metrics/listening_tcp_ports/total", "0 is below the 2 entries listed in \"ports\""},
        {"/metrics/listening_tcp_ports/ports/0/port", "0 is outside 1..65535"},
        {"/metrics/listening_tcp_ports/ports/1/port", "70000 is outside 1..65535"},
        {"/custom_metrics/bad name",
         "metric name contains space (only letters, digits, ':', '_' and '-' are allowed)"},
        {"/custom_metrics/bad name",
         "must be an array holding one object, e.g. [{\"number\":0}], not an object"},
    };
    EXPECT_EQ(result.violations, expected);
}

TEST(ValidateReport, MissingMembersComeBeforeTheContainersMembers) {
    const auto result = validate_report(R"({"metrics":{"network_stats":{"bytes_in":-1}}})");
    ASSERT_EQ(result.violations.size(), 2u);
    EXPECT_EQ(result.violations[0].pointer, "");
    EXPECT_EQ(result.violations[0].reason, "missing required member \"header\"");
    EXPECT_EQ(result.violations[1].pointer, "/metrics/network_stats/bytes_in");
}

TEST(ValidateReport, EscapesPointerTokens) {
    const auto result = validate_report(
        R"({"header":{"report_id":1,"version":"1.0"},"custom_metrics":{"a/b~c":[{"number":1}]}})");
    ASSERT_EQ(result.violations.size(), 1u);
    EXPECT_EQ(result.violations[0].pointer, "/custom_metrics/a~1b~0c");
}

TEST(ValidateReport, RejectsInputThatIsNotAReport) {
    for (const std::string& input : std::vector<std::string>{
             "", "hello", "[1,2]", "42", "\"text\"", "null", "{", "{\"header\":", "{} trailing",
             "{}{}", std::string("\x82\x01\x02", 3), std::string("\xa1\x61", 2),
             std::string("\xff\xfe\x00", 3)}) {
        const auto result = validate_report(input);
        ASSERT_EQ(result.violations.size(), 1u) << input;
        EXPECT_EQ(result.violations[0].pointer, "") << input;
        EXPECT_FALSE(result.violations[0].reason.empty());
        EXPECT_EQ(result.style, std::nullopt);
    }
}

TEST(ValidateReport, RejectsAnObjectWithNoReportMembers) {
    const auto result = validate_report(R"({"h":{"rid":1,"v":"1.0"}})");
    const std::vector<Violation> expected{
        {"",
         "not a Device Defender report: no \"header\", \"metrics\" or \"custom_metrics\" member "
         "(nor \"hed\", \"met\" or \"cmet\")"},
        {"/h", "unknown member \"h\""}};
    EXPECT_EQ(result.violations, expected);
    EXPECT_EQ(result.style, std::nullopt);
    EXPECT_EQ(result.format, Format::json);
}

Document report_with_strings(std::size_t count) {
    auto report = example_report();
    auto& list = report["custom_metrics"]["names"] = Document::array({Document::object()});
    list[0]["string_list"] = Document::array();
    for (std::size_t i = 0; i < count; ++i)
        list[0]["string_list"].push_back("abcdefghijklmnop");
    return report;
}

TEST(ValidateReport, RejectsReportsAboveThePayloadLimit) {
    // Each string adds 19 bytes ("abcdefghijklmnop",) to the compact JSON.
    const auto big = report_with_strings(7000).dump();
    ASSERT_GT(big.size(), 131072u);
    const auto result = validate_report(big);
    ASSERT_EQ(result.violations.size(), 1u);
    EXPECT_EQ(result.violations[0].pointer, "");
    EXPECT_EQ(result.violations[0].reason,
              "report is " + std::to_string(big.size()) +
                  " bytes, above AWS IoT's payload limit of 131072 bytes");

    const auto small = report_with_strings(6800).dump();
    ASSERT_LE(small.size(), 131072u);
    EXPECT_TRUE(validate_report(small).valid());
}

TEST(ValidateReport, SizeLimitIsExactAt131072Bytes) {
    const auto base = example_report().dump();
    // Pad with trailing blanks, which are part of the bytes but not of the document.
    const auto at_limit = base + std::string(131072 - base.size(), ' ');
    EXPECT_TRUE(validate_report(at_limit).valid());
    EXPECT_FALSE(validate_report(at_limit + " ").valid());
}

TEST(ValidateReports, SplitsConcatenatedJsonDocuments) {
    auto second = example_report();
    second["header"]["report_id"] = 0;
    const auto results = validate_reports(example_report().dump(2) + "\n" + second.dump(2) + "\n");
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].valid());
    ASSERT_EQ(results[1].violations.size(), 1u);
    EXPECT_EQ(results[1].violations[0].pointer, "/header/report_id");
}

TEST(ValidateReports, SplitsACborSequence) {
    const auto first = encode_as(in_style(example_report(), KeyStyle::short_names), Format::cbor);
    auto bad = example_report();
    tcp_port(bad)["port"] = 99999;
    const auto second = encode_as(in_style(bad, KeyStyle::short_names), Format::cbor);
    const auto results = validate_reports(first + second + first);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0].valid());
    EXPECT_TRUE(results[2].valid());
    EXPECT_EQ(results[0].format, Format::cbor);
    EXPECT_EQ(results[0].style, KeyStyle::short_names);
    ASSERT_EQ(results[1].violations.size(), 1u);
    EXPECT_EQ(results[1].violations[0].pointer, "/met/tp/pts/0/pt");
}

TEST(ValidateReports, OneDocumentIsValidatedAsIs) {
    const auto results = validate_reports(example_report().dump());
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0].valid());
}

TEST(ValidateReports, EmptyOrBrokenInputGivesOneViolation) {
    for (const std::string& input :
         std::vector<std::string>{"", "   \n", "{\"header\":{}} {", "x"}) {
        const auto results = validate_reports(input);
        ASSERT_EQ(results.size(), 1u) << input;
        ASSERT_EQ(results[0].violations.size(), 1u) << input;
        EXPECT_EQ(results[0].violations[0].pointer, "");
    }
}

TEST(ValidateReports, RejectsANonObjectLaterInTheSequence) {
    const auto results = validate_reports(example_report().dump() + "\n[1]\n");
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].valid());
    ASSERT_EQ(results[1].violations.size(), 1u);
    EXPECT_EQ(results[1].violations[0].reason,
              "a report must be a JSON object or CBOR map, not an array");
}

}  // namespace
}  // namespace defender
