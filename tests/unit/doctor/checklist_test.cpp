// SPDX-License-Identifier: Apache-2.0
// `defender doctor`'s checklist without a network: the skipped steps after a failure, the text
// and JSON forms, and the advice for each failure the steps name.

#include "doctor/checklist.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace defender::doctor {
namespace {

const std::vector<std::string> kNames{"configuration", "resolve",   "TCP connect", "TLS handshake",
                                      "MQTT CONNECT",  "SUBSCRIBE", "PUBLISH",     "reply"};

Context context() {
    Context c;
    c.endpoint = "abc-ats.iot.eu-west-1.amazonaws.com";
    c.port = 8883;
    c.client_id = "gateway-7";
    c.thing_name = "my-thing";
    c.root_ca = "/etc/defender/certs/AmazonRootCA1.pem";
    c.signing_region = "eu-west-1";
    c.reply_timeout = 30;
    return c;
}

std::vector<Step> failing_at_tls() {
    return complete({Step{"configuration", StepState::ok, "MQTT with mutual TLS", {}, ""},
                     Step{"resolve", StepState::ok, "host is 192.0.2.1:8883", {}, ""},
                     Step{"TCP connect", StepState::ok, "connected", {}, ""},
                     Step{"TLS handshake",
                          StepState::failed,
                          "server certificate verification failed: certificate not trusted",
                          {"certificate 0: subject CN=x; issuer CN=y; not after 2030-01-01 "
                           "00:00:00 UTC"},
                          "tls_untrusted"}},
                    kNames);
}

TEST(DoctorChecklist, StepsAfterTheFirstFailureAreSkipped) {
    const auto steps = failing_at_tls();
    ASSERT_EQ(steps.size(), kNames.size());
    EXPECT_EQ(steps[3].state, StepState::failed);
    for (std::size_t i = 4; i < steps.size(); ++i) {
        EXPECT_EQ(steps[i].state, StepState::skipped);
        EXPECT_EQ(steps[i].name, kNames[i]);
    }
    ASSERT_NE(first_failure(steps), nullptr);
    EXPECT_EQ(first_failure(steps)->name, "TLS handshake");

    // A step given after a failure does not count.
    auto more = failing_at_tls();
    more[4] = Step{"MQTT CONNECT", StepState::failed, "x", {}, "connect"};
    more = complete(more, kNames);
    EXPECT_EQ(more[4].state, StepState::skipped);
}

TEST(DoctorChecklist, TextHasOneLinePerStepTheNotesAndTheAdvice) {
    const std::string text = render_text(failing_at_tls(), context());
    EXPECT_EQ(text.find("[ ok ] configuration: MQTT with mutual TLS\n"), 0u) << text;
    EXPECT_NE(text.find("\n[FAIL] TLS handshake: server certificate verification failed: "
                        "certificate not trusted\n       certificate 0: subject CN=x;"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n[skip] MQTT CONNECT\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\n[skip] reply\n"), std::string::npos) << text;
    EXPECT_NE(text.find("What it means: The server's certificate is not signed by --root-ca "
                        "/etc/defender/certs/AmazonRootCA1.pem"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("What to do: "), std::string::npos);
}

TEST(DoctorChecklist, AllOkHasNoAdvice) {
    std::vector<Step> steps;
    for (const auto& name : kNames)
        steps.push_back(Step{name, StepState::ok, "fine", {}, ""});
    const std::string text = render_text(steps, context());
    EXPECT_EQ(text.find("What it means"), std::string::npos);
    const auto json = nlohmann::json::parse(render_json(steps, context()));
    EXPECT_EQ(json.at("ok"), true);
    EXPECT_FALSE(json.contains("failure"));
}

TEST(DoctorChecklist, JsonHasTheStepsAndTheFailure) {
    const auto json = nlohmann::json::parse(render_json(failing_at_tls(), context()));
    EXPECT_EQ(json.at("ok"), false);
    ASSERT_EQ(json.at("steps").size(), kNames.size());
    EXPECT_EQ(json["steps"][3]["result"], "fail");
    EXPECT_EQ(json["steps"][3]["failure"], "tls_untrusted");
    EXPECT_EQ(json["steps"][3]["notes"].size(), 1u);
    EXPECT_EQ(json["steps"][4]["result"], "skip");
    EXPECT_FALSE(json["steps"][4].contains("detail"));
    EXPECT_EQ(json["failure"]["step"], "TLS handshake");
    // Not a complete run: not ok even without a failure.
    EXPECT_EQ(nlohmann::json::parse(render_json({}, context())).at("ok"), false);
}

TEST(DoctorChecklist, EveryFailureHasItsOwnAdvice) {
    const Advice unknown = advice_for("no such failure", context());
    for (const char* key : {"config",
                            "resolve",
                            "tcp_refused",
                            "tcp_timeout",
                            "tcp",
                            "proxy",
                            "tls_files",
                            "tls_untrusted",
                            "tls_hostname",
                            "tls_expired",
                            "tls_verify",
                            "tls_client_rejected",
                            "tls_timeout",
                            "tls",
                            "websocket_credentials",
                            "websocket_forbidden",
                            "websocket",
                            "connect_refused",
                            "connect_closed",
                            "connect_timeout",
                            "connect",
                            "subscribe_refused",
                            "subscribe",
                            "socket",
                            "ipc",
                            "publish",
                            "reply_rejected",
                            "reply_timeout"}) {
        const Advice advice = advice_for(key, context());
        EXPECT_NE(advice.meaning, unknown.meaning) << key;
        EXPECT_FALSE(advice.fix.empty()) << key;
    }
    EXPECT_NE(advice_for("connect_closed", context())
                  .meaning.find("the policy does not allow iot:Connect for this client id"),
              std::string::npos);
    EXPECT_NE(advice_for("reply_timeout", context())
                  .meaning.find("no reply: is Device Defender enabled for this account/region, "
                                "or is this an emulator without replies"),
              std::string::npos);
    EXPECT_NE(advice_for("subscribe_refused", context()).meaning.find("SUBACK 0x80"),
              std::string::npos);
    EXPECT_NE(advice_for("websocket_forbidden", context()).meaning.find("eu-west-1"),
              std::string::npos);
}

}  // namespace
}  // namespace defender::doctor
