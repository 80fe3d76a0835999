// SPDX-License-Identifier: Apache-2.0
// MQTT over WebSocket with SigV4: `defender agent --use-websocket` against mosquitto's wss
// listener (which ignores the signed query string), the plain ws transport, and the errors
// when credentials are missing.

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "connect_proxy.hpp"
#include "defender/mqtt_transport.hpp"
#include "defender/sigv4.hpp"
#include "event_recorder.hpp"
#include "http_stub_server.hpp"
#include "websocket_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> wss_args(ConnectivityRig& rig, const std::string& region) {
    return {"-e",  "localhost",
            "-p",  std::to_string(rig.wss_port()),
            "-r",  rig.pki().ca_cert().string(),
            "-w",  "--signing-region",
            region};
}

TEST(WebsocketAgent, ReportsReachTheEmulatorOverWssWithASignedUrlInTheDebugLog) {
    ConnectivityRig rig;
    rig.start_emulator();
    auto args = wss_args(rig, "eu-central-1");
    for (const char* extra : {"--exit-after", "2", "--verbosity", "debug"})
        args.push_back(extra);
    ChildProcess agent(
        rig.agent("thing-wss", args, ConnectivityRig::credentials_environment(), "agent-wss"));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << status->describe() << agent.stderr_text();
    EXPECT_GE(rig.accepted(), 2u);
    const std::string log = agent.stderr_text();
    const std::string url_start =
        "WebSocket URL wss://localhost:" + std::to_string(rig.wss_port()) +
        "/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + kTestAccessKeyId + "%2F";
    EXPECT_NE(log.find(url_start), std::string::npos) << log;
    // A wrong region is visible in the log: the scope names it.
    EXPECT_NE(log.find("%2Feu-central-1%2Fiotdevicegateway%2Faws4_request"), std::string::npos);
    EXPECT_NE(log.find("X-Amz-Signature=<redacted>&X-Amz-Security-Token=<redacted>"),
              std::string::npos);
    EXPECT_NE(log.find("credentials from environment"), std::string::npos);
    EXPECT_EQ(log.find(kTestSecretKey), std::string::npos);
    EXPECT_EQ(log.find(kTestSessionToken), std::string::npos);
    // The broker saw a WebSocket client (and no client certificate) for this thing.
    EXPECT_NE(rig.broker().log().find("thing-wss"), std::string::npos);
}

TEST(WebsocketAgent, CredentialsFromTheContainerEndpoint) {
    ConnectivityRig rig;
    rig.start_emulator();
    HttpStubServer container([](const HttpStubRequest& request) -> HttpStubResponse {
        if (request.headers.count("authorization") == 0) return {401, ""};
        return {200, std::string(R"({"AccessKeyId":")") + kTestAccessKeyId +
                         R"(","SecretAccessKey":")" + kTestSecretKey + R"(","Token":")" +
                         kTestSessionToken + R"(","Expiration":"2099-01-01T00:00:00Z"})"};
    });
    auto args = wss_args(rig, "us-east-1");
    for (const char* extra : {"--exit-after", "1", "--verbosity", "debug"})
        args.push_back(extra);
    ChildProcess agent(
        rig.agent("thing-container", args,
                  {"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + container.base_url() + "/creds",
                   "AWS_CONTAINER_AUTHORIZATION_TOKEN=container-auth-secret"},
                  "agent-container"));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("credentials from container endpoint"), std::string::npos);
    EXPECT_EQ(agent.stderr_text().find("container-auth-secret"), std::string::npos);
    EXPECT_GE(container.requests().size(), 1u);
}

TEST(WebsocketAgent, EveryReconnectSignsANewUrlWithCredentialsRefreshedBeforeExpiry) {
    ConnectivityRig rig;
    rig.start_emulator();
    std::atomic<int> served{0};
    // Credentials that expire in 2 minutes: inside the 5-minute refresh margin, so every
    // connect fetches new ones (AKID1, AKID2, ...).
    HttpStubServer container([&](const HttpStubRequest&) -> HttpStubResponse {
        const int n = ++served;
        const auto expiry = std::chrono::system_clock::now() + std::chrono::minutes(2);
        const std::time_t seconds = std::chrono::system_clock::to_time_t(expiry);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
        return {200, R"({"AccessKeyId":"AKIDROTATING)" + std::to_string(n) +
                         R"(","SecretAccessKey":"rotating-secret","Token":"rotating-token",)" +
                         R"("Expiration":")" + text + R"("})"};
    });
    auto args = wss_args(rig, "us-east-1");
    for (const char* extra : {"--exit-after", "3", "--verbosity", "debug"})
        args.push_back(extra);
    ChildProcess agent(rig.agent(
        "thing-rotate", args,
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + container.base_url() + "/creds"}, "agent-rotate"));
    ASSERT_TRUE(rig.wait_for_accepted(1, 20s)) << agent.stderr_text();
    rig.broker().restart();  // the agent loses its connection and reconnects
    const auto status = agent.wait_for(40s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    const std::string log = agent.stderr_text();
    // One fetch by the start-up check, then one per connect; each URL names its key id.
    const auto first = log.find("X-Amz-Credential=AKIDROTATING2%2F");
    const auto second = log.find("X-Amz-Credential=AKIDROTATING3%2F");
    EXPECT_NE(first, std::string::npos) << log;
    EXPECT_NE(second, std::string::npos) << log;
    EXPECT_LT(first, second);
    EXPECT_NE(log.find("connected again"), std::string::npos) << log;
    EXPECT_EQ(log.find("rotating-secret"), std::string::npos);
    EXPECT_EQ(log.find("rotating-token"), std::string::npos);
}

TEST(WebsocketAgent, ExpiredCredentialsAreAClearErrorThenFetchedAgain) {
    ConnectivityRig rig;
    rig.start_emulator();
    std::atomic<bool> fixed{false};
    HttpStubServer container([&](const HttpStubRequest&) -> HttpStubResponse {
        const std::string expiration = fixed ? "2099-01-01T00:00:00Z" : "2020-01-01T00:00:00Z";
        return {200, R"({"AccessKeyId":"AKIDEXP","SecretAccessKey":"s","Token":"t",)"
                     R"("Expiration":")" +
                         expiration + R"("})"};
    });
    auto args = wss_args(rig, "us-east-1");
    for (const char* extra : {"--exit-after", "1"})
        args.push_back(extra);
    ChildProcess agent(rig.agent(
        "thing-expired", args,
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + container.base_url() + "/creds"}, "agent-exp"));
    const std::string expected =
        "cannot connect: cannot sign the WebSocket URL: AWS credentials "
        "from container endpoint " +
        container.base_url() + "/creds expired at 2020-01-01T00:00:00Z";
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (agent.stderr_text().find(expected) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    EXPECT_NE(agent.stderr_text().find(expected), std::string::npos) << agent.stderr_text();
    fixed = true;
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("connected again after"), std::string::npos);
}

TEST(WebsocketAgent, NoCredentialsIsOneClearErrorListingWhereItLookedAndExitCode2) {
    ConnectivityRig rig;
    ChildProcess agent(rig.agent("thing-nocreds", wss_args(rig, "us-east-1"), {}, "agent-nocreds"));
    const auto status = agent.wait_for(20s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 2);
    const std::string log = agent.stderr_text();
    EXPECT_NE(log.find("--use-websocket needs AWS credentials: no AWS credentials found "
                       "(environment: AWS_ACCESS_KEY_ID not set; shared credentials file: " +
                       (rig.work() / "home/.aws/credentials").string() +
                       ": cannot be read; container endpoint: "
                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set; EC2 instance "
                       "metadata: disabled by AWS_EC2_METADATA_DISABLED)"),
              std::string::npos)
        << log;
}

std::string percent_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// What the client really sends (the Host header, with the port since it is not 443; the query
// verbatim), recorded by an HTTP server, verifies against a signature recomputed from the
// received request.
TEST(WebsocketTransport, TheSignatureCoversTheHostHeaderActuallySent) {
    HttpStubServer server([](const HttpStubRequest&) { return HttpStubResponse{400, ""}; });
    MqttSettings settings;
    settings.endpoint = "localhost";
    settings.port = server.port();
    settings.client_id = "ws-signature-check";
    settings.use_websocket = true;
    settings.websocket_tls = false;
    settings.signing_region = "ap-northeast-1";
    settings.proxy_from_environment = false;
    settings.connect_timeout = 2s;
    ::setenv("AWS_ACCESS_KEY_ID", kTestAccessKeyId, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kTestSecretKey, 1);
    ::setenv("AWS_SESSION_TOKEN", kTestSessionToken, 1);
    MqttTransport transport(settings);
    const auto connected = transport.connect();
    ASSERT_FALSE(connected);
    EXPECT_EQ(
        connected.error().message.rfind("connect to localhost:" + std::to_string(server.port()) +
                                            " failed: the server refused the WebSocket "
                                            "upgrade: HTTP 400",
                                        0),
        0u)
        << connected.error().message;
    ASSERT_FALSE(server.requests().empty());
    const HttpStubRequest request = server.requests().front();
    EXPECT_EQ(request.headers.at("host"), "localhost:" + std::to_string(server.port()));
    ASSERT_EQ(request.target.rfind("/mqtt?", 0), 0u) << request.target;

    sigv4::Request signed_request;
    signed_request.method = "GET";
    signed_request.path = "/mqtt";
    signed_request.headers = {{"host", request.headers.at("host")}};
    signed_request.payload_sha256 = sigv4::sha256_hex("");
    std::string signature, date, token;
    std::string query = request.target.substr(6);
    for (std::size_t start = 0; start <= query.size();) {
        const auto end = std::min(query.find('&', start), query.size());
        const std::string pair = query.substr(start, end - start);
        start = end + 1;
        const auto equals = pair.find('=');
        const std::string name = pair.substr(0, equals);
        const std::string value = percent_decode(pair.substr(equals + 1));
        if (name == "X-Amz-Signature") {
            signature = value;
        } else if (name == "X-Amz-Security-Token") {
            token = value;
        } else {
            signed_request.query.push_back({name, value});
            if (name == "X-Amz-Date") date = value;
        }
    }
    EXPECT_EQ(token, kTestSessionToken);
    ASSERT_EQ(date.size(), 16u);
    const sigv4::Scope scope{date.substr(0, 8), "ap-northeast-1", "iotdevicegateway"};
    EXPECT_EQ(signature,
              sigv4::signature(
                  kTestSecretKey, scope,
                  sigv4::string_to_sign(date, scope, sigv4::canonical_request(signed_request))));
    EXPECT_EQ(signature.size(), 64u);
}

TEST(WebsocketTransport, PlainWsPublishAndSubscribeRoundTrip) {
    ConnectivityRig rig;
    MqttSettings settings;
    settings.endpoint = "localhost";
    settings.port = rig.ws_port();
    settings.client_id = "ws-plain-client";
    settings.use_websocket = true;
    settings.websocket_tls = false;
    settings.proxy_from_environment = false;
    std::vector<std::string> debug_lines;
    std::mutex lines_mutex;
    settings.debug_log = [&](const std::string& line) {
        std::lock_guard lock(lines_mutex);
        debug_lines.push_back(line);
    };
    ::setenv("AWS_ACCESS_KEY_ID", kTestAccessKeyId, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kTestSecretKey, 1);
    MqttTransport transport(settings);
    std::atomic<int> received{0};
    transport.set_event_sink([&](TransportEvent event) {
        if (std::holds_alternative<IncomingMessage>(event)) ++received;
    });
    auto connected = transport.connect();
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ASSERT_TRUE(connected) << connected.error().message;
    ASSERT_TRUE(transport.subscribe({"ws/test"}));
    ASSERT_TRUE(transport.publish("ws/test", "hello", 5s));
    for (int i = 0; i < 100 && received == 0; ++i)
        std::this_thread::sleep_for(50ms);
    EXPECT_EQ(received, 1);
    transport.disconnect(1s);
    std::lock_guard lock(lines_mutex);
    ASSERT_FALSE(debug_lines.empty());
    EXPECT_EQ(debug_lines.front().rfind(
                  "WebSocket URL ws://localhost:" + std::to_string(rig.ws_port()) + "/mqtt?", 0),
              0u)
        << debug_lines.front();
}

// wss through an authenticating CONNECT proxy: TLS inside the tunnel, then the upgrade, then
// MQTT in WebSocket frames both ways.
TEST(WebsocketTransport, WssThroughAConnectProxyRoundTrip) {
    ConnectivityRig rig;
    ConnectProxy proxy({"proxy-user", "proxy-pass", false});
    MqttSettings settings;
    settings.endpoint = "localhost";
    settings.port = rig.wss_port();
    settings.root_ca = rig.pki().ca_cert();
    settings.client_id = "wss-proxied";
    settings.use_websocket = true;
    settings.proxy = ProxySettings{"127.0.0.1", proxy.port(), "proxy-user", "proxy-pass"};
    settings.proxy_from_environment = false;
    ::setenv("AWS_ACCESS_KEY_ID", kTestAccessKeyId, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kTestSecretKey, 1);
    MqttTransport transport(settings);
    EventRecorder events;
    transport.set_event_sink(events.sink());
    auto connected = transport.connect();
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ASSERT_TRUE(connected) << connected.error().message;
    ASSERT_TRUE(transport.subscribe({"wss/proxied"}));
    const std::string payload(70000, 'w');  // several frames of 16 KiB each way
    ASSERT_TRUE(transport.publish("wss/proxied", payload, 5s));
    const auto message = events.wait_for_message(5s);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->payload, payload);
    transport.disconnect(1s);
    ASSERT_EQ(proxy.tunnels(), 1u);
    EXPECT_EQ(proxy.connects()[0].target, "localhost:" + std::to_string(rig.wss_port()));
}

}  // namespace
}  // namespace defender::test
