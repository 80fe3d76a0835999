// SPDX-License-Identifier: Apache-2.0
// The web console of `defender detect --http` end to end: the detector with mosquitto (mutual
// TLS) and an agent reporting, curl as the HTTP client. Every API endpoint's shape, hostile thing
// names as JSON data, the CSRF token, status codes (403, 404, 405, 413), Basic authentication
// with a $6$ hash, HTTPS through the mbed TLS relay, the warning of a public address.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent_test_rig.hpp"
#include "child_process.hpp"
#include "defender/detect_store.hpp"
#include "ports.hpp"

namespace defender::test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kHostile = "<script>alert(1)</script>";

struct HttpAnswer {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    Json json() const { return Json::parse(body, nullptr, false); }
    std::string header(const std::string& name) const {
        const auto found = headers.find(name);
        return found == headers.end() ? std::string() : found->second;
    }
};

// One request with curl (-i: the status line and headers come first).
HttpAnswer curl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"curl", "-sS", "-i", "--max-time", "20"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run_process(argv, 30s);
    HttpAnswer answer;
    std::string text = result.stdout_text;
    // Skip interim answers (100 Continue).
    while (text.starts_with("HTTP/1.1 100"))
        text = text.substr(text.find("\r\n\r\n") + 4);
    const auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) return answer;
    std::istringstream head(text.substr(0, end));
    std::string line;
    std::getline(head, line);
    if (line.size() > 12) answer.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        answer.headers[name] = line.substr(colon + 2);
    }
    answer.body = text.substr(end + 4);
    return answer;
}

class ConsoleRig {
public:
    ConsoleRig() : detect_cert_(rig_.pki().issue_client("defender-detect", "detect")) {}

    AgentRig& agents() { return rig_; }
    std::filesystem::path store() const { return rig_.work() / "detect.db"; }
    std::filesystem::path write(const std::string& name, const std::string& text) {
        const auto path = rig_.work() / name;
        std::ofstream(path) << text;
        return path;
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::uint16_t port() const { return port_; }

    std::vector<std::string> argv(const std::vector<std::string>& extra) {
        std::vector<std::string> argv{DEFENDER_BINARY,
                                      "detect",
                                      "--client-id",
                                      "detect-console",
                                      "--store",
                                      store().string(),
                                      "-e",
                                      "localhost",
                                      "-p",
                                      std::to_string(rig_.broker().port()),
                                      "-r",
                                      rig_.pki().ca_cert().string(),
                                      "-c",
                                      detect_cert_.cert.string(),
                                      "-k",
                                      detect_cert_.key.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }

    // Starts `defender detect --http <address>:<free port>` and waits until it has subscribed.
    void start(const std::vector<std::string>& extra, const std::string& host = "127.0.0.1") {
        port_ = find_free_port();
        auto args = extra;
        args.push_back("--http");
        args.push_back(host + ":" + std::to_string(port_));
        const auto log = rig_.work() / "detect";
        detect_ = std::make_unique<ChildProcess>(
            ProcessOptions{argv(args), log.string() + ".out", log.string() + ".err", {}, {}});
        const bool ready = eventually(
            [&] {
                return detect_->stderr_text().find("detecting: subscribed") != std::string::npos;
            },
            15s);
        if (!ready) throw std::runtime_error("detect did not subscribe: " + detect_->stderr_text());
    }
    ChildProcess& detect() { return *detect_; }

    std::pair<int, std::string> query(const std::vector<std::string>& args) {
        std::vector<std::string> argv{DEFENDER_BINARY, "detect"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--store");
        argv.push_back(store().string());
        const auto result = run_process(argv, 30s);
        return {result.status.code, result.stdout_text};
    }

private:
    AgentRig rig_;
    CertificateFiles detect_cert_;
    std::unique_ptr<ChildProcess> detect_;
    std::uint16_t port_ = 0;
};

// A thing no agent could name (not a valid MQTT thing name), written into the store directly.
void seed_hostile_thing(const std::filesystem::path& store) {
    auto opened = detect::open_sqlite_store(store);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    detect::Evaluation evaluation;
    detect::ReportTally tally;
    tally.thing_name = kHostile;
    tally.format = "json";
    tally.rejected = 1;
    // Now: older ones are pruned (retention) when the detector starts.
    tally.last_received =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    evaluation.tallies = {tally};
    ASSERT_TRUE((*opened)->record(evaluation).ok());
}

// Allows listening on `port` only: any other listening port (mosquitto's) is a violation.
std::string port_profile(std::uint16_t port) {
    return R"({"securityProfileName": "no-extra-ports", "behaviors": [{"name": "OnlyKnownPorts",)"
           R"( "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator":)"
           R"( "in-port-set", "value": {"ports": [)" +
           std::to_string(port) + "]}}}]}";
}

TEST(ConsoleHttp, ApiPagesAndVerificationEndToEnd) {
    ConsoleRig rig;
    seed_hostile_thing(rig.store());
    const auto profile = rig.write("profile.json", port_profile(1));
    rig.agents().start_emulator(0);
    rig.start({"--profile", profile.string(), "--time-scale", "0.01"});
    ChildProcess agent(rig.agents().agent({"-t", "gateway-1", "-i", "1"}));

    // The fleet: the agent's thing once its reports arrive, and the hostile name as JSON data.
    Json fleet;
    ASSERT_TRUE(eventually(
        [&] {
            fleet = curl({rig.url("/api/things?sort=name")}).json();
            if (!fleet.is_object()) return false;
            for (const auto& thing : fleet.at("things")) {
                if (thing.at("thingName") == "gateway-1" && thing.at("activeViolations") == 1) {
                    return true;
                }
            }
            return false;
        },
        40s))
        << fleet.dump() << rig.detect().stderr_text();
    EXPECT_EQ(fleet.at("total"), 2);
    EXPECT_EQ(fleet.at("limit"), 100);
    EXPECT_TRUE(fleet.at("serverTime").is_number());
    const auto raw = curl({rig.url("/api/things?filter=script")});
    EXPECT_EQ(raw.status, 200);
    EXPECT_EQ(raw.header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(raw.header("cache-control"), "no-store");
    EXPECT_EQ(raw.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(raw.header("referrer-policy"), "no-referrer");
    EXPECT_NE(raw.header("content-security-policy").find("script-src 'self'"), std::string::npos);
    ASSERT_EQ(raw.json().at("things").size(), 1u) << raw.body;
    EXPECT_EQ(raw.json().at("things")[0].at("thingName"), kHostile);
    const auto hostile = curl({rig.url("/api/things/%3Cscript%3Ealert(1)%3C%2Fscript%3E")});
    EXPECT_EQ(hostile.status, 200) << hostile.body;
    EXPECT_EQ(hostile.json().at("thing").at("thingName"), kHostile);

    // One thing, and the violations.
    const auto thing = curl({rig.url("/api/things/gateway-1")});
    ASSERT_EQ(thing.status, 200);
    const auto details = thing.json();
    EXPECT_FALSE(details.at("datapoints").empty());
    EXPECT_TRUE(details.at("latest").contains("aws:listening-tcp-ports")) << thing.body;
    ASSERT_EQ(details.at("activeViolations").size(), 1u);
    EXPECT_FALSE(details.at("violationEvents").empty());
    const std::string id = details.at("activeViolations")[0].at("violationId");
    const auto violations = curl({rig.url("/api/violations?thingName=gateway-1")}).json();
    EXPECT_EQ(violations.at("activeViolations").size(), 1u);
    EXPECT_EQ(violations.at("violationEvents")[0].at("violationId"), id);

    // A verdict needs the session's token.
    const std::string token = curl({rig.url("/api/session")}).json().at("csrfToken");
    EXPECT_EQ(token.size(), 32u);
    const std::string post_url = rig.url("/api/violations/" + id + "/verification-state");
    const std::string body =
        R"({"verificationState":"BENIGN_POSITIVE","verificationStateDescription":"the test"})";
    const std::vector<std::string> json_type{"-H", "Content-Type: application/json"};
    EXPECT_EQ(curl({"-X", "POST", "--data", body, post_url}).status, 403);
    EXPECT_EQ(curl({"-X", "POST", "-H", "X-CSRF-Token: 0123", "--data", body, post_url}).status,
              403);
    EXPECT_EQ(curl({"-X", "POST", "-H", "X-CSRF-Token: " + token, "-H",
                    "Origin: http://evil.example", "--data", body, post_url})
                  .status,
              403);
    const auto accepted =
        curl({"-X", "POST", "-H", "X-CSRF-Token: " + token, "-H",
              "Origin: http://127.0.0.1:" + std::to_string(rig.port()), "--data", body, post_url});
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    EXPECT_EQ(accepted.body, "{}");
    auto [code, listed] = rig.query({"list-active-violations", "--thing-name", "gateway-1"});
    ASSERT_EQ(code, 0);
    EXPECT_EQ(Json::parse(listed).at("activeViolations")[0].at("verificationState"),
              "BENIGN_POSITIVE");
    EXPECT_EQ(curl({"-X", "POST", "-H", "X-CSRF-Token: " + token, "--data", body,
                    rig.url("/api/violations/nope/verification-state")})
                  .status,
              404);
    EXPECT_EQ(curl({"-X", "POST", "-H", "X-CSRF-Token: " + token, "--data", "{", post_url}).status,
              400);

    // Pages, static files, errors.
    for (const char* page : {"/", "/violations", "/things/gateway-1"}) {
        const auto answer = curl({rig.url(page)});
        EXPECT_EQ(answer.status, 200) << page;
        EXPECT_EQ(answer.header("content-type"), "text/html; charset=utf-8") << page;
    }
    EXPECT_EQ(curl({rig.url("/static/app.js")}).status, 200);
    const bool chart_installed =
        std::filesystem::exists("/usr/share/javascript/chart.js/chart.min.js");
    EXPECT_EQ(curl({rig.url("/static/chart.min.js")}).status, chart_installed ? 200 : 404);
    EXPECT_EQ(curl({rig.url("/no/such/page")}).status, 404);
    EXPECT_EQ(curl({rig.url("/api/things/nobody")}).status, 404);
    EXPECT_EQ(curl({"-X", "DELETE", rig.url("/api/things")}).status, 405);
    const auto big = rig.write("big.json", std::string(1024 * 1024, 'x'));
    EXPECT_EQ(curl({"-X", "POST", "-H", "X-CSRF-Token: " + token, "--data-binary",
                    "@" + big.string(), post_url})
                  .status,
              413);
    EXPECT_EQ(curl({"-H", "X-Big: " + std::string(32 * 1024, 'y'), rig.url("/api/session")}).status,
              413);

    const auto metrics = curl({rig.url("/metrics")});
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    // Still serving after all that.
    EXPECT_EQ(curl({rig.url("/api/session")}).status, 200);
    agent.stop();
    EXPECT_EQ(rig.detect().stop().code, 0) << rig.detect().stderr_text();
}

TEST(ConsoleHttp, BasicAuthenticationWithACryptHash) {
    ConsoleRig rig;
    const auto hash = run_process({"openssl", "passwd", "-6", "s3cret"}, 30s).stdout_text;
    ASSERT_TRUE(hash.starts_with("$6$")) << hash;
    const auto users = rig.write("users", "# console users\nalice:" + hash);
    const auto profile = rig.write("profile.json", port_profile(1));
    rig.start({"--profile", profile.string(), "--http-auth-file", users.string()});
    for (const char* path : {"/", "/api/session", "/metrics"}) {
        const auto refused = curl({rig.url(path)});
        EXPECT_EQ(refused.status, 401) << path;
        EXPECT_EQ(refused.header("www-authenticate"), "Basic realm=\"defender\"");
        EXPECT_EQ(curl({"-u", "alice:wrong", rig.url(path)}).status, 401) << path;
        EXPECT_EQ(curl({"-u", "alice:s3cret", rig.url(path)}).status, 200) << path;
    }
    const auto log = rig.detect().stderr_text();
    EXPECT_EQ(log.find("s3cret"), std::string::npos);
    EXPECT_EQ(log.find("Authorization"), std::string::npos);
    EXPECT_EQ(rig.detect().stop().code, 0);
}

TEST(ConsoleHttp, HttpsThroughTheTlsRelay) {
    ConsoleRig rig;
    const auto profile = rig.write("profile.json", port_profile(1));
    const auto& server = rig.agents().pki().server();
    rig.start({"--profile", profile.string(), "--http-cert", server.cert.string(), "--http-key",
               server.key.string()});
    const auto port = std::to_string(rig.port());
    const std::vector<std::string> tls{"--cacert", rig.agents().pki().ca_cert().string(),
                                       "--resolve", "localhost:" + port + ":127.0.0.1"};
    auto args = tls;
    args.push_back("https://localhost:" + port + "/api/session");
    const auto answer = curl(args);
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_TRUE(answer.json().contains("csrfToken"));
    // The same port does not speak plain HTTP.
    EXPECT_EQ(curl({rig.url("/api/session")}).status, 0);
    // A POST with the token through TLS (Origin https://).
    const std::string token = answer.json().at("csrfToken");
    args = tls;
    for (const std::string& arg :
         {std::string("-X"), std::string("POST"), std::string("-H"), "X-CSRF-Token: " + token,
          std::string("-H"), "Origin: https://localhost:" + port, std::string("--data"),
          std::string(R"({"verificationState":"UNKNOWN"})"),
          "https://localhost:" + port + "/api/violations/nope/verification-state"}) {
        args.push_back(arg);
    }
    EXPECT_EQ(curl(args).status, 404);
    EXPECT_NE(rig.detect().stderr_text().find("web console at https://"), std::string::npos);
    EXPECT_EQ(rig.detect().stop().code, 0);
}

TEST(ConsoleHttp, PublicAddressWithoutLoginIsWarnedAbout) {
    ConsoleRig rig;
    const auto profile = rig.write("profile.json", port_profile(1));
    rig.start({"--profile", profile.string()}, "0.0.0.0");
    const auto log = rig.detect().stderr_text();
    EXPECT_NE(log.find("the console is open to anyone who reaches 0.0.0.0:" +
                       std::to_string(rig.port()) + "; give --http-auth-file"),
              std::string::npos)
        << log;
    EXPECT_EQ(rig.detect().stop().code, 0);
}

TEST(ConsoleHttp, BadOptionsExitTwoWithOneLine) {
    ConsoleRig rig;
    const auto profile = rig.write("profile.json", port_profile(1));
    const auto& server = rig.agents().pki().server();
    const auto users = rig.write("bad-users", "alice:plain\n");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--http", "8080", "--http-cert", server.cert.string()},
         "--http-cert and --http-key go together"},
        {{"--http", "nowhere:80"}, "--http nowhere:80: nowhere is not a numeric IP address"},
        {{"--http", "8080", "--http-auth-file", users.string()},
         "the hash is not a salted crypt hash"},
    };
    for (const auto& [extra, message] : cases) {
        auto args = extra;
        args.insert(args.begin(), {"--profile", profile.string()});
        const auto result = run_process(rig.argv(args), 30s);
        EXPECT_EQ(result.status.code, 2) << result.stderr_text;
        EXPECT_NE(result.stderr_text.find(message), std::string::npos) << result.stderr_text;
    }
}

}  // namespace
}  // namespace defender::test
