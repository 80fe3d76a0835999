// SPDX-License-Identifier: Apache-2.0
// The console's routes over a real store: shapes of the JSON API, the CSRF token, status codes
// (400, 403, 404, 405), escaping of hostile thing names, pages and /metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "console/api.hpp"
#include "store/store_test_support.hpp"

namespace defender::console {
namespace {

using Json = nlohmann::json;
using namespace detect::test;

constexpr const char* kHostile = "<script>alert(1)</script>";

class ConsoleApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto writer = open_store(dir / "detect.db");
        ASSERT_TRUE(writer);
        detect::Evaluation evaluation;
        evaluation.states = {{"gateway-1", thing_state(at_ms(1'000'000))},
                             {kHostile, thing_state(at_ms(1'000'000))}};
        evaluation.datapoints = {
            {"gateway-1", at_ms(990'000), R"({"aws:all-bytes-in":{"count":1}})"},
            {"gateway-1", at_ms(1'000'000), R"({"aws:all-bytes-in":{"count":5000}})"}};
        evaluation.events = {violation_event("v1", "gateway-1", at_ms(1'000'000))};
        evaluation.active = {active_violation("v1", "gateway-1", at_ms(1'000'000))};
        detect::ReportTally tally;
        tally.thing_name = kHostile;
        tally.format = "cbor";
        tally.rejected = 2;
        tally.last_received = at_ms(1'000'500);
        detect::ReportTally reports;  // the detector's tally of gateway-1's two reports
        reports.thing_name = "gateway-1";
        reports.format = "json";
        reports.accepted = 2;
        reports.last_received = at_ms(1'000'000);
        evaluation.tallies = {tally, reports};
        ASSERT_TRUE(writer->record(evaluation).ok());
        ApiOptions options;
        options.csrf_token = "token-1234";
        options.chart_js = (dir / "chart.min.js").string();
        options.counters = [] {
            detect::DetectCounters counters;
            counters.evaluated = 7;
            return counters;
        };
        options.now = [] { return at_ms(1'000'000 + 3600'000); };
        api = std::make_unique<Api>(open_store(dir / "detect.db"), options);
    }

    Response get(const std::string& target) {
        Request request;
        request.method = "GET";
        const auto question = target.find('?');
        request.path = target.substr(0, question);
        if (question != std::string::npos) request.query = target.substr(question + 1);
        return api->handle(request);
    }
    Response post(const std::string& path, const std::string& body,
                  std::map<std::string, std::string> headers) {
        Request request;
        request.method = "POST";
        request.path = path;
        request.body = body;
        request.headers = std::move(headers);
        return api->handle(request);
    }

    TempDir dir;
    std::unique_ptr<Api> api;
};

TEST_F(ConsoleApiTest, FleetPageShape) {
    auto response = get("/api/things?sort=name&order=desc&limit=1");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, "application/json; charset=utf-8");
    const auto page = Json::parse(response.body);
    EXPECT_EQ(page.at("total"), 2);
    EXPECT_EQ(page.at("offset"), 0);
    EXPECT_EQ(page.at("limit"), 1);
    EXPECT_EQ(page.at("serverTime"), 4600);
    ASSERT_EQ(page.at("things").size(), 1u);
    const auto& row = page.at("things")[0];
    EXPECT_EQ(row.at("thingName"), "gateway-1");
    EXPECT_EQ(row.at("lastReportTime"), 1000);
    EXPECT_EQ(row.at("accepted"), 2);
    EXPECT_EQ(row.at("rejected"), 0);
    EXPECT_EQ(row.at("activeViolations"), 1);
    EXPECT_EQ(row.at("lastReceivedTime"), 1000);
    EXPECT_EQ(row.at("format"), "json");

    const auto hostile = Json::parse(get("/api/things?filter=SCRIPT").body);
    ASSERT_EQ(hostile.at("things").size(), 1u);
    EXPECT_EQ(hostile.at("things")[0].at("thingName"), kHostile);
    EXPECT_EQ(hostile.at("things")[0].at("lastReportTime"), nullptr);
    EXPECT_EQ(hostile.at("things")[0].at("format"), "cbor");
    EXPECT_EQ(hostile.at("things")[0].at("rejected"), 2);
    EXPECT_EQ(Json::parse(get("/api/things?limit=5000").body).at("limit"), 1000);
}

TEST_F(ConsoleApiTest, BadParametersAre400) {
    for (const char* target :
         {"/api/things?sort=size", "/api/things?order=up", "/api/things?limit=-1",
          "/api/things?offset=x", "/api/things?filter=%zz", "/api/things/gateway-1?from=yesterday",
          "/api/things/gateway-1?from=10&to=5", "/api/violations?verificationState=MAYBE"}) {
        auto response = get(target);
        EXPECT_EQ(response.status, 400) << target;
        EXPECT_TRUE(Json::parse(response.body).contains("error")) << target;
    }
}

TEST_F(ConsoleApiTest, ThingShape) {
    auto response = get("/api/things/gateway-1");
    ASSERT_EQ(response.status, 200) << response.body;
    const auto thing = Json::parse(response.body);
    EXPECT_EQ(thing.at("thing").at("thingName"), "gateway-1");
    EXPECT_EQ(thing.at("latest").at("aws:all-bytes-in").at("count"), 5000);
    ASSERT_EQ(thing.at("datapoints").size(), 2u);
    EXPECT_EQ(thing.at("datapoints")[0].at("time"), 990);
    EXPECT_EQ(thing.at("datapoints")[1].at("metrics").at("aws:all-bytes-in").at("count"), 5000);
    EXPECT_EQ(thing.at("truncated"), false);
    ASSERT_EQ(thing.at("activeViolations").size(), 1u);
    EXPECT_EQ(thing.at("activeViolations")[0].at("violationId"), "v1");
    ASSERT_EQ(thing.at("violationEvents").size(), 1u);
    EXPECT_EQ(thing.at("violationEvents")[0].at("violationEventType"), "in-alarm");
    EXPECT_EQ(thing.at("serverTime"), 4600);
    // A window without them.
    const auto early = Json::parse(get("/api/things/gateway-1?from=0&to=100").body);
    EXPECT_TRUE(early.at("datapoints").empty());
    EXPECT_TRUE(early.at("violationEvents").empty());
    // Encoded names, and a hostile one as plain JSON data.
    const auto hostile = get("/api/things/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    ASSERT_EQ(hostile.status, 200) << hostile.body;
    EXPECT_EQ(Json::parse(hostile.body).at("thing").at("thingName"), kHostile);
    EXPECT_EQ(Json::parse(hostile.body).at("latest"), nullptr);
    auto unknown = get("/api/things/nobody");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(Json::parse(unknown.body).contains("error"));
}

TEST_F(ConsoleApiTest, ViolationsShapeAndFilters) {
    const auto all = Json::parse(get("/api/violations").body);
    EXPECT_EQ(all.at("activeViolations").size(), 1u);
    EXPECT_EQ(all.at("violationEvents").size(), 1u);
    EXPECT_EQ(all.at("serverTime"), 4600);
    const auto none = Json::parse(get("/api/violations?thingName=other").body);
    EXPECT_TRUE(none.at("activeViolations").empty());
    EXPECT_TRUE(none.at("violationEvents").empty());
    const auto window = Json::parse(get("/api/violations?startTime=0&endTime=999").body);
    EXPECT_TRUE(window.at("violationEvents").empty());
    EXPECT_EQ(window.at("activeViolations").size(), 1u);
}

TEST_F(ConsoleApiTest, VerificationStateNeedsTheToken) {
    const std::string path = "/api/violations/v1/verification-state";
    const std::string body =
        R"({"verificationState":"BENIGN_POSITIVE","verificationStateDescription":"ok"})";
    EXPECT_EQ(post(path, body, {}).status, 403);
    EXPECT_EQ(post(path, body, {{"x-csrf-token", "token-9999"}}).status, 403);
    EXPECT_EQ(post(path, body,
                   {{"x-csrf-token", "token-1234"}, {"origin", "http://evil"}, {"host", "h:1"}})
                  .status,
              403);
    EXPECT_EQ(post(path, "{", {{"x-csrf-token", "token-1234"}}).status, 400);
    EXPECT_EQ(
        post(path, R"({"verificationState":"MAYBE"})", {{"x-csrf-token", "token-1234"}}).status,
        400);
    EXPECT_EQ(
        post("/api/violations/nope/verification-state", body, {{"x-csrf-token", "token-1234"}})
            .status,
        404);
    auto ok = post(path, body,
                   {{"x-csrf-token", "token-1234"}, {"origin", "http://h:1"}, {"host", "h:1"}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.body, "{}");
    const auto active = Json::parse(get("/api/violations").body).at("activeViolations");
    EXPECT_EQ(active[0].at("verificationState"), "BENIGN_POSITIVE");
    EXPECT_EQ(Json::parse(get("/api/session").body).at("csrfToken"), "token-1234");
}

TEST_F(ConsoleApiTest, PagesStaticFilesMethodsAndUnknownPaths) {
    for (const char* page : {"/", "/violations", "/things/gateway-1"}) {
        auto response = get(page);
        EXPECT_EQ(response.status, 200) << page;
        EXPECT_EQ(response.content_type, "text/html; charset=utf-8") << page;
    }
    EXPECT_EQ(get("/static/app.js").content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/static/style.css").content_type, "text/css; charset=utf-8");
    EXPECT_EQ(get("/static/nothing.js").status, 404);
    EXPECT_EQ(get("/static/chart.min.js").status, 404);  // not installed in the test's dir
    EXPECT_EQ(get("/nothing").status, 404);
    EXPECT_EQ(get("/api/nothing").status, 404);
    EXPECT_EQ(get("/api/violations/v1/verification-state").status, 405);
    auto wrong = post("/api/things", "", {});
    EXPECT_EQ(wrong.status, 405);
    ASSERT_FALSE(wrong.headers.empty());
    EXPECT_EQ(wrong.headers[0].first, "Allow");
}

TEST_F(ConsoleApiTest, MetricsArePrometheusText) {
    auto response = get("/metrics");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(response.body.find(" 7\n"), std::string::npos) << response.body;
}

TEST(ConsoleToken, RandomHex) {
    const auto a = random_token();
    const auto b = random_token();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace defender::console
