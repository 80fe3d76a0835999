// SPDX-License-Identifier: Apache-2.0
// Who the agent says it is (client id and thing name), what the start line tells, and the
// set-ups that cannot work, found before any traffic (exit 2).

#include <gtest/gtest.h>

#include <fstream>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

// AWS's quick-start policy allows iot:Connect only for client/${iot:Connection.Thing.ThingName}:
// the client id must be the thing name. mosquitto's clientid_prefixes refuses every other id
// (the emulator's id starts with the thing name too, so it may connect).
constexpr const char* kThing = "policy-thing";

AgentRig policy_rig() {
    return AgentRig(false, {std::string("clientid_prefixes ") + kThing});
}

TEST(AgentIdentity, ClientIdIsTheThingNameWhenOnlyTheThingNameIsGiven) {
    AgentRig rig = policy_rig();
    rig.start_emulator(0, {"--client-id", std::string(kThing) + "-emulator"});
    ChildProcess agent(rig.agent({"-t", kThing, "-i", "1", "--exit-after", "1"}));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status.has_value() && status->success()) << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(1, 5s));
    EXPECT_EQ(rig.emulator_lines().front().thing, kThing);
    // The start line names endpoint, port, client id, thing name and transport.
    EXPECT_NE(agent.stderr_text().find("to localhost:" + std::to_string(rig.broker().port()) +
                                       " as client id policy-thing, thing policy-thing (MQTT "
                                       "with mutual TLS)"),
              std::string::npos)
        << agent.stderr_text();
}

TEST(AgentIdentity, ARefusedClientIdSaysWhatAwsIotMeansByIt) {
    AgentRig rig = policy_rig();
    ChildProcess agent(rig.agent({"-t", kThing, "--client-id", "gateway-7", "-i", "1"}));
    EXPECT_TRUE(eventually(
        [&] { return agent.stderr_text().find("cannot connect") != std::string::npos; }, 15s))
        << agent.stderr_text();
    EXPECT_TRUE(agent.stop(5s).success());
    EXPECT_NE(agent.stderr_text().find(
                  "refused by the broker: not authorized (CONNACK 5): the policy does not allow "
                  "iot:Connect for client id \"gateway-7\", the certificate is inactive or not "
                  "attached, or another client took this client id"),
              std::string::npos)
        << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("as client id gateway-7, thing policy-thing"),
              std::string::npos)
        << agent.stderr_text();
}

TEST(AgentIdentity, TheThingNameIsTheClientIdWhenOnlyTheClientIdIsGiven) {
    AgentRig rig = policy_rig();
    rig.start_emulator(0, {"--client-id", std::string(kThing) + "-emulator"});
    ChildProcess agent(rig.agent({"--client-id", kThing, "-i", "1", "--exit-after", "1"}));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status.has_value() && status->success()) << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(1, 5s));
    EXPECT_EQ(rig.emulator_lines().front().thing, kThing);
}

struct Refusal {
    std::vector<std::string> arguments;
    std::string message;
};

// Each runs with otherwise complete mutual-TLS options, so only the named value is wrong.
TEST(AgentIdentity, SetUpsThatCannotWorkExitWith2AndSayWhy) {
    TempDir dir("defender-identity-");
    TestPki pki;
    const std::vector<Refusal> refusals{
        {{"-e", "https://abc123-ats.iot.eu-west-1.amazonaws.com"},
         "--endpoint: \"https://abc123-ats.iot.eu-west-1.amazonaws.com\" has a scheme: give the "
         "host name alone"},
        {{"-e", "abc123-ats.iot.eu-west-1.amazonaws.com/mqtt"}, "has a path"},
        {{"-e", "abc123-ats.iot.eu-west-1.amazonaws.com:8883"},
         "has a port: give the host name alone and the port with --port"},
        {{"-e", ""}, "--endpoint: the endpoint is empty"},
        {{"-e", "host name"}, "has a space or control character"},
        {{"-e", "localhost", "-t", ""}, "--thing-name: the thing name is empty"},
        {{"-e", "localhost", "--client-id", ""}, "--client-id: the client id is empty"},
        {{"-e", "localhost", "-p", "0"}, "--port"},
        {{"-e", "localhost", "-p", "65536"}, "--port"},
        {{"-e", "localhost", "-i", "nan"}, "--interval: Value nan is not a finite number"},
        {{"-e", "localhost", "--reply-timeout", "NaN"},
         "--reply-timeout: Value NaN is not a finite number"},
    };
    for (const auto& refusal : refusals) {
        std::vector<std::string> argv{DEFENDER_BINARY,
                                      "agent",
                                      "-r",
                                      pki.ca_cert().string(),
                                      "-c",
                                      pki.client().cert.string(),
                                      "-k",
                                      pki.client().key.string()};
        argv.insert(argv.end(), refusal.arguments.begin(), refusal.arguments.end());
        const auto result = run_process(argv, 10s);
        EXPECT_EQ(result.status.code, 2) << refusal.message << ": " << result.stderr_text;
        EXPECT_NE(result.stderr_text.find(refusal.message), std::string::npos)
            << result.stderr_text;
        EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1)
            << result.stderr_text;
    }

    const auto sample_rate = run_process({DEFENDER_BINARY, "collect", "-n", "2", "-s", "nan"}, 10s);
    EXPECT_EQ(sample_rate.status.code, 2) << sample_rate.stderr_text;
    EXPECT_NE(sample_rate.stderr_text.find("not a finite number"), std::string::npos)
        << sample_rate.stderr_text;

    // The same checks apply to a --config file.
    const auto config = dir / "agent.conf";
    std::ofstream(config) << "endpoint = \"https://abc123-ats.iot.eu-west-1.amazonaws.com/\"\n";
    const auto from_file = run_process(
        {DEFENDER_BINARY, "agent", "--config", config.string(), "-r", pki.ca_cert().string(), "-c",
         pki.client().cert.string(), "-k", pki.client().key.string()},
        10s);
    EXPECT_EQ(from_file.status.code, 2) << from_file.stderr_text;
    EXPECT_NE(from_file.stderr_text.find("has a scheme"), std::string::npos)
        << from_file.stderr_text;
}

}  // namespace
}  // namespace defender::test
