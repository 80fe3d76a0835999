// SPDX-License-Identifier: Apache-2.0
// `defender agent --mirror-topic` against mosquitto: a subscriber of the mirror topic gets each
// report byte for byte (as --log-reports kept it) while the emulator accepts them on the
// Device Defender topic; a bad template stops the agent with exit code 2.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <sstream>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMirrorPrefix = "dt/defender/mirror-1/metrics/json ";

// mosquitto_sub on the mirror topics, line-buffered: -d prints the SUBACK (so the test knows it
// listens) and -C stops it after `count` messages.
ChildProcess mirror_subscriber(AgentRig& rig, int count) {
    // stdbuf: mosquitto_sub's standard output is a file here, fully buffered otherwise.
    std::vector<std::string> argv{"stdbuf",
                                  "-oL",
                                  "mosquitto_sub",
                                  "-h",
                                  "localhost",
                                  "-p",
                                  std::to_string(rig.broker().port()),
                                  "--cafile",
                                  rig.pki().ca_cert().string(),
                                  "--cert",
                                  rig.pki().client().cert.string(),
                                  "--key",
                                  rig.pki().client().key.string(),
                                  "-i",
                                  "mirror-subscriber",
                                  "-q",
                                  "1",
                                  "-d",
                                  "-v",
                                  "-C",
                                  std::to_string(count),
                                  "-t",
                                  "dt/defender/+/metrics/+"};
    return ChildProcess(
        ProcessOptions{argv, rig.work() / "sub.out", rig.work() / "sub.err", {}, {}});
}

std::vector<std::string> mirrored_payloads(const std::string& output) {
    std::vector<std::string> payloads;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with(kMirrorPrefix)) payloads.push_back(line.substr(strlen(kMirrorPrefix)));
    return payloads;
}

TEST(AgentMirrorTopic, ASubscriberOfTheMirrorGetsEachReportsSameBytes) {
    AgentRig rig;
    rig.start_emulator(0);
    ChildProcess subscriber = mirror_subscriber(rig, 2);
    ASSERT_TRUE(eventually(
        [&] { return subscriber.stdout_text().find("SUBACK") != std::string::npos; }, 15s))
        << subscriber.stdout_text() << subscriber.stderr_text();

    const auto kept = rig.work() / "kept";
    ChildProcess agent(
        rig.agent({"-t", "mirror-1", "-i", "1", "--exit-after", "2", "--mirror-topic",
                   "dt/defender/{thingName}/metrics/{format}", "--log-reports", kept.string()}));
    const auto status = agent.wait_for(40s);
    ASSERT_TRUE(status.has_value()) << "agent still running: " << agent.stderr_text();
    ASSERT_TRUE(status->success()) << status->describe() << "\n" << agent.stderr_text();
    EXPECT_NE(
        agent.stderr_text().find("mirroring each report on dt/defender/mirror-1/metrics/json"),
        std::string::npos)
        << agent.stderr_text();
    EXPECT_EQ(agent.stderr_text().find("cannot mirror"), std::string::npos) << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(2, 5s));

    const auto ended = subscriber.wait_for(15s);
    ASSERT_TRUE(ended.has_value()) << "mirror subscriber got fewer than 2 reports:\n"
                                   << subscriber.stdout_text();
    const auto payloads = mirrored_payloads(subscriber.stdout_text());
    ASSERT_EQ(payloads.size(), 2u) << subscriber.stdout_text();
    // The mirrored bytes are the reports the emulator accepted, as the agent kept them.
    const auto lines = rig.emulator_lines();
    ASSERT_GE(lines.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_TRUE(lines[i].accepted) << lines[i].detail;
        const auto file = kept / (std::to_string(lines[i].report_id) + ".json");
        EXPECT_EQ(payloads[i], read_file(file)) << file;
    }
}

TEST(AgentMirrorTopic, ABadTemplateStopsTheAgentWithExitCode2) {
    AgentRig rig;
    const std::pair<std::string, std::string> cases[] = {
        {"dt/{thing}/x", "unknown placeholder {thing}"},
        {"dt/+/metrics", "MQTT wildcard"},
        {"a/b/c/d/e/f/g/h/{format}", "8 slashes"},
        {"", "the mirror topic is empty"},
    };
    for (const auto& [topic, expected] : cases) {
        ChildProcess agent(rig.agent({"-t", "mirror-2", "--mirror-topic", topic}));
        const auto status = agent.wait_for(20s);
        ASSERT_TRUE(status.has_value()) << topic;
        EXPECT_TRUE(status->exited && status->code == 2) << topic << ": " << status->describe();
        EXPECT_NE(agent.stderr_text().find(expected), std::string::npos)
            << topic << ": " << agent.stderr_text();
    }
}

}  // namespace
}  // namespace defender::test
