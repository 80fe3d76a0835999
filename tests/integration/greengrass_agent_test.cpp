// SPDX-License-Identifier: Apache-2.0
// `defender agent` as a Greengrass component: the real binary against the fake nucleus.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/state_file.hpp"
#include "child_process.hpp"
#include "fake_nucleus.hpp"
#include "temp_dir.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using test::ChildProcess;
using test::FakeNucleus;
using test::FakeNucleusOptions;
using test::NucleusState;
using test::ProcessOptions;
using test::TempDir;

const std::string kToken = "ABCDEFGHIJKLMNOP";
const std::string kThing = "GgCore";
const std::string kTopic = "$aws/things/GgCore/defender/metrics/json";

struct GreengrassRig {
    TempDir dir{"defender-gg-agent-"};
    std::filesystem::path socket() const { return dir / "ipc.socket"; }

    FakeNucleusOptions nucleus_options() const {
        FakeNucleusOptions options;
        options.socket_path = socket();
        options.token = kToken;
        options.strict = true;
        return options;
    }

    ChildProcess start_agent(std::vector<std::string> extra_args,
                             std::vector<std::string> extra_env = {}) const {
        std::vector<std::string> argv{DEFENDER_BINARY, "agent"};
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        std::vector<std::string> env{
            "SVCUID=" + kToken,
            "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=" + socket().string(),
            "AWS_IOT_THING_NAME=" + kThing,
        };
        env.insert(env.end(), extra_env.begin(), extra_env.end());
        return ChildProcess(
            ProcessOptions{argv, dir / "agent.out", dir / "agent.err", env, dir.path()});
    }
};

/// Waits (bounded) until the agent's stderr contains `text`.
bool wait_for_stderr(const ChildProcess& agent, const std::string& text,
                     std::chrono::seconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (agent.stderr_text().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

void expect_reports_pass_check(const TempDir& dir, const NucleusState& state) {
    ASSERT_FALSE(state.published.empty());
    int n = 0;
    for (const auto& publish : state.published) {
        EXPECT_EQ(publish.topic, kTopic);
        const auto file = dir / ("report-" + std::to_string(++n) + ".json");
        test::write_file(file, publish.payload);
        const auto check = test::run_process({DEFENDER_BINARY, "check", file.string()}, 20s);
        EXPECT_TRUE(check.status.success())
            << check.stdout_text << check.stderr_text << publish.payload;
    }
}

TEST(GreengrassAgent, ChosenFromTheEnvironmentPublishesReportsThatPassCheck) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    auto agent = rig.start_agent({"--allow-short-interval", "-i", "1", "--exit-after", "3"});
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << status->describe() << agent.stderr_text();

    const auto state = nucleus.state();
    EXPECT_TRUE(state.violations.empty()) << state.violations.front();
    EXPECT_TRUE(state.closes.empty()) << state.closes.front();
    EXPECT_EQ(state.pings, 0);
    EXPECT_EQ(state.connections_accepted, 1);
    EXPECT_EQ(state.subscriptions,
              (std::vector<std::string>{kTopic + "/accepted", kTopic + "/rejected"}));
    EXPECT_GE(state.published.size(), 3u);
    EXPECT_GE(state.replies.size(), 3u);
    expect_reports_pass_check(rig.dir, state);
    EXPECT_NE(agent.stderr_text().find("through the Greengrass nucleus"), std::string::npos);
    EXPECT_EQ(agent.stderr_text().find(kToken), std::string::npos) << "the token is a secret";
    const auto saved = load_state(rig.dir / "state.json");
    ASSERT_TRUE(saved.ok()) << "the report id is kept in the component's work folder";
    EXPECT_TRUE(saved->baseline) << "and the network baseline, so a restart loses no traffic";
    EXPECT_FALSE(saved->boot_id.empty());
}

/// A copy of the gateway procfs fixture with `extra` more established IPv4 connections.
std::filesystem::path busy_procfs(const TempDir& dir, int extra) {
    const auto root = dir / "proc";
    std::filesystem::copy(DEFENDER_FIXTURES "/proc/gateway", root,
                          std::filesystem::copy_options::recursive);
    std::string tcp = test::read_file(root / "net/tcp");
    char line[200];
    for (int i = 0; i < extra; ++i) {
        // 192.168.0.1:8883 <- 10.0.x.y:port, state 01 (ESTABLISHED)
        std::snprintf(line, sizeof(line),
                      "%4d: 0100A8C0:22B3 %02X%02X000A:%04X 01 00000000:00000000 00:00000000 "
                      "00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n",
                      100 + i, i % 250 + 1, i / 250, 30000 + i, 50000 + i);
        tcp += line;
    }
    test::write_file(root / "net/tcp", tcp);
    return root;
}

TEST(GreengrassAgent, LargeReportsShrinkToFitNucleusLiteMessages) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());  // strict: closes on messages over 10 000 bytes
    const auto procfs = busy_procfs(rig.dir, 2000);
    auto agent =
        rig.start_agent({"--exit-after", "1", "-l", "0"}, {"PROCFS_PATH=" + procfs.string()});
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    const auto state = nucleus.state();
    EXPECT_TRUE(state.closes.empty()) << state.closes.front();
    ASSERT_EQ(state.published.size(), 1u);
    const auto& report = state.published[0].payload;
    EXPECT_LE(report.size(), 7500u);
    EXPECT_GT(report.size(), 5000u) << "the budget is used, not wasted";
    EXPECT_NE(report.find("\"total\":2"), std::string::npos) << "the true count is kept";
    expect_reports_pass_check(rig.dir, state);
}

TEST(GreengrassAgent, UnauthorizedNamesTheMissingPolicyAndKeepsRunning) {
    GreengrassRig rig;
    auto options = rig.nucleus_options();
    options.authorize_publish = false;
    FakeNucleus nucleus(options);
    auto agent = rig.start_agent({"--greengrass", "--allow-short-interval", "-i", "1"});
    ASSERT_TRUE(wait_for_stderr(agent, "accessControl")) << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    // Issue #19.16: SIGHUP once ended the agent in Greengrass mode; now it says why it ignores it.
    agent.send_signal(SIGHUP);
    ASSERT_TRUE(wait_for_stderr(agent, "SIGHUP ignored: in Greengrass mode"))
        << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    const auto stopped = agent.stop();
    EXPECT_TRUE(stopped.success()) << "SIGTERM ends it cleanly: " << stopped.describe();
    const auto err = agent.stderr_text();
    EXPECT_NE(err.find("UnauthorizedError"), std::string::npos) << err;
    EXPECT_NE(err.find("aws.greengrass.ipc.mqttproxy"), std::string::npos) << err;
    EXPECT_NE(err.find("aws.greengrass#PublishToIoTCore on " + kTopic), std::string::npos) << err;
}

TEST(GreengrassAgent, ReconnectsAfterTheSocketDrops) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    auto agent = rig.start_agent({"--allow-short-interval", "-i", "1", "--exit-after", "3"});
    ASSERT_TRUE(nucleus.wait_for([](const NucleusState& s) { return !s.replies.empty(); }, 30s))
        << agent.stderr_text();
    nucleus.drop_connections();
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    const auto state = nucleus.state();
    EXPECT_GE(state.connections_accepted, 2);
    EXPECT_TRUE(state.violations.empty()) << state.violations.front();
    EXPECT_NE(agent.stderr_text().find("connection lost"), std::string::npos);
    expect_reports_pass_check(rig.dir, state);
}

TEST(GreengrassAgent, WaitsForANucleusThatIsNotUpYet) {
    GreengrassRig rig;
    auto agent = rig.start_agent({"--exit-after", "1"}, {"SAMPLE_INTERVAL_SECONDS=60"});
    ASSERT_TRUE(wait_for_stderr(agent, "cannot reach the Greengrass nucleus"))
        << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    FakeNucleus nucleus(rig.nucleus_options());
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_EQ(nucleus.state().published.size(), 1u);
    // The configured interval below Device Defender's minimum is refused with a warning.
    EXPECT_NE(agent.stderr_text().find("SampleIntervalSeconds) 60 is below"), std::string::npos)
        << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("every 300 s"), std::string::npos);
}

TEST(GreengrassAgent, SampleIntervalSecondsIsReadAsTheDeviceDefenderComponentDoes) {
    struct Case {
        const char* value;
        const char* interval;
        const char* warning;  ///< "" when none is expected
    };
    const Case cases[] = {
        {"900", "every 900 s", ""},
        {"600.0", "every 600 s", ""},  // configuration numbers may come back as floats
        {"abc", "every 300 s", "'abc' is not a whole number"},
        {"299", "every 300 s", "299 is below"},
    };
    for (const auto& c : cases) {
        GreengrassRig rig;
        FakeNucleus nucleus(rig.nucleus_options());
        auto agent = rig.start_agent({"--exit-after", "1"},
                                     {std::string("SAMPLE_INTERVAL_SECONDS=") + c.value});
        const auto status = agent.wait_for(60s);
        ASSERT_TRUE(status.has_value()) << agent.stderr_text();
        EXPECT_TRUE(status->success()) << agent.stderr_text();
        const auto err = agent.stderr_text();
        EXPECT_NE(err.find(c.interval), std::string::npos) << c.value << ": " << err;
        if (*c.warning)
            EXPECT_NE(err.find(c.warning), std::string::npos) << c.value << ": " << err;
        else
            EXPECT_EQ(err.find("warning"), std::string::npos) << c.value << ": " << err;
    }
}

TEST(GreengrassAgent, ARelativeSocketPathIsUsedAsGiven) {
    // The Java nucleus hands out a relative path when the absolute one is 108 bytes or more;
    // it resolves from the component's working directory.
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    auto agent =
        rig.start_agent({"--exit-after", "1"},
                        {"AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=./ipc.socket"});
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << agent.stderr_text();
    EXPECT_EQ(nucleus.state().published.size(), 1u);
}

TEST(GreengrassAgent, ABadTokenIsRetriedNotFatal) {
    GreengrassRig rig;
    auto options = rig.nucleus_options();
    options.token = "SOMEOTHERTOKEN00";
    FakeNucleus nucleus(options);
    auto agent = rig.start_agent({"--greengrass"});
    ASSERT_TRUE(wait_for_stderr(agent, "SVCUID")) << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    agent.stop();
    EXPECT_EQ(agent.stderr_text().find(kToken), std::string::npos) << "the token is a secret";
}

TEST(GreengrassAgent, MissingEnvironmentIsAUsageError) {
    const auto result = test::run_process(
        {"env", "-u", "SVCUID", "-u", "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT",
         DEFENDER_BINARY, "agent", "--greengrass", "-t", "x"},
        20s);
    EXPECT_EQ(result.status.code, 2);
    EXPECT_NE(result.stderr_text.find("SVCUID"), std::string::npos) << result.stderr_text;

    TempDir dir;
    const auto no_thing = test::run_process(
        {"env", "-u", "AWS_IOT_THING_NAME", "SVCUID=x",
         "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=" + (dir / "s").string(),
         DEFENDER_BINARY, "agent"},
        20s);
    EXPECT_EQ(no_thing.status.code, 2);
    EXPECT_NE(no_thing.stderr_text.find("AWS_IOT_THING_NAME"), std::string::npos)
        << no_thing.stderr_text;
}

/// The recipe's Run script and Setenv as the nucleus makes them (interpolated, with
/// `merge` applied to DefaultConfiguration), run with `sh` in the component's work folder.
ChildProcess start_recipe(const GreengrassRig& rig, const nlohmann::json& merge) {
    const auto rendered = test::run_process(
        {"/usr/bin/python3", DEFENDER_FIXTURES "/../tools/render_recipe.py",
         DEFENDER_FIXTURES "/../../packaging/greengrass/recipe.yaml",
         std::filesystem::path(DEFENDER_BINARY).parent_path().string(), merge.dump()},
        20s);
    EXPECT_TRUE(rendered.status.success()) << rendered.stderr_text;
    const auto recipe = nlohmann::json::parse(rendered.stdout_text);
    std::vector<std::string> env{
        "SVCUID=" + kToken,
        "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=" + rig.socket().string(),
        "AWS_IOT_THING_NAME=" + kThing,
    };
    for (const auto& [name, value] : recipe["env"].items())
        env.push_back(name + "=" + value.get<std::string>());
    return ChildProcess(ProcessOptions{{"/bin/sh", "-c", recipe["script"].get<std::string>()},
                                       rig.dir / "agent.out",
                                       rig.dir / "agent.err",
                                       env,
                                       rig.dir.path()});
}

TEST(GreengrassRecipe, AgentConfigurationReachesEverySetting) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    auto agent = start_recipe(
        rig, {{"AgentConfiguration",
               "interval = 1\nallow-short-interval = true\nexit-after = 2\nformat = \"cbor\"\n"
               "short-names = true\nmax-list-size = 1\n"
               "custom-metric = [\"name=up,type=number,builtin=uptime_seconds\"]\n"}});
    const auto status = agent.wait_for(60s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_TRUE(status->success()) << status->describe() << agent.stderr_text();

    const auto state = nucleus.state();
    ASSERT_GE(state.published.size(), 2u) << agent.stderr_text();
    const auto& publish = state.published.back();
    EXPECT_EQ(publish.topic, "$aws/things/GgCore/defender/metrics/cbor");
    const auto report = nlohmann::json::from_cbor(publish.payload);
    ASSERT_TRUE(report.contains("hed")) << report.dump();
    EXPECT_TRUE(report["cmet"].contains("up")) << report.dump();
    EXPECT_LE(report["met"]["tp"]["pts"].size(), 1u) << report.dump();
    // The configuration file is the component's own.
    const auto mode = std::filesystem::status(rig.dir / "agent.conf").permissions();
    EXPECT_EQ(mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
}

TEST(GreengrassRecipe, TheDefaultConfigurationStartsTheAgent) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    auto agent = start_recipe(rig, nlohmann::json::object());
    ASSERT_TRUE(wait_for_stderr(agent, "every 300 s")) << agent.stderr_text();
    EXPECT_TRUE(agent.running());
    agent.stop();
    EXPECT_EQ(agent.stderr_text().find("warning"), std::string::npos) << agent.stderr_text();
}

TEST(GreengrassRecipe, ABadSettingNamesTheLineAndNothingInItRuns) {
    GreengrassRig rig;
    FakeNucleus nucleus(rig.nucleus_options());
    const auto marker = rig.dir / "ran";
    auto agent = start_recipe(
        rig,
        {{"AgentConfiguration", "format = \"cbor\"\nintervl = 600\n\"$(touch " + marker.string() +
                                    ")\"\n'; touch " + marker.string() + "\n"}});
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status.has_value()) << agent.stderr_text();
    EXPECT_EQ(status->code, 2) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("agent.conf:2:"), std::string::npos) << agent.stderr_text();
    EXPECT_NE(agent.stderr_text().find("did you mean interval?"), std::string::npos)
        << agent.stderr_text();
    EXPECT_FALSE(std::filesystem::exists(marker)) << "configuration text was run as a command";
}

}  // namespace
}  // namespace defender
