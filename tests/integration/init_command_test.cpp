// SPDX-License-Identifier: Apache-2.0
// `defender init` against mosquitto and the emulator: it checks the settings by publishing one
// report, installs the credentials and agent.conf only when the check passed, and the agent
// then runs from what it wrote.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kThing = "init-thing";

// `defender init` for the test broker and device; `replace` swaps option values (e.g. "-r").
std::vector<std::string> init_argv(AgentRig& rig, const fs::path& config_dir,
                                   std::vector<std::string> extra,
                                   const std::map<std::string, std::string>& replace = {}) {
    std::vector<std::string> argv{
        DEFENDER_BINARY, "init", "--config-dir", config_dir.string(), "-t", kThing, "--no-start"};
    auto tls = rig.agent_tls_args();
    for (std::size_t i = 0; i + 1 < tls.size(); i += 2) {
        if (const auto found = replace.find(tls[i]); found != replace.end())
            tls[i + 1] = found->second;
    }
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

fs::perms mode_of(const fs::path& path) {
    return fs::status(path).permissions() & fs::perms::mask;
}

TEST(InitCommand, ChecksThenInstallsAConfigurationTheAgentRunsFrom) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto etc = rig.work() / "etc";
    const auto init = run_process(init_argv(rig, etc, {}), 60s);
    ASSERT_EQ(init.status.code, 0) << init.stderr_text;
    EXPECT_NE(init.stderr_text.find("check passed: report"), std::string::npos) << init.stderr_text;
    ASSERT_TRUE(rig.wait_for_accepted(1, 5s));

    EXPECT_EQ(mode_of(etc / "certs"), fs::perms::owner_all);
    EXPECT_EQ(mode_of(etc / "certs/private.pem.key"),
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read_file(etc / "certs/device.pem.crt"), read_file(rig.pki().client().cert));
    EXPECT_EQ(read_file(etc / "certs/AmazonRootCA1.pem"), read_file(rig.pki().ca_cert()));
    const std::string conf = read_file(etc / "agent.conf");
    EXPECT_NE(conf.find("\nendpoint = \"localhost\"\n"), std::string::npos) << conf;
    EXPECT_NE(conf.find("\nthing-name = \"init-thing\"\n"), std::string::npos) << conf;
    EXPECT_NE(conf.find("\nport = " + std::to_string(rig.broker().port()) + "\n"),
              std::string::npos)
        << conf;
    EXPECT_NE(conf.find("\nkey = \"" + (etc / "certs/private.pem.key").string() + "\"\n"),
              std::string::npos)
        << conf;
    EXPECT_NE(init.stderr_text.find("defender agent --config " + (etc / "agent.conf").string()),
              std::string::npos)
        << init.stderr_text;

    // What init wrote is all the agent needs.
    const auto agent =
        run_process({DEFENDER_BINARY, "agent", "--config", (etc / "agent.conf").string(),
                     "--exit-after", "1", "--state-dir", (rig.work() / "state").string()},
                    60s);
    EXPECT_EQ(agent.status.code, 0) << agent.stderr_text;
    EXPECT_EQ(agent.stderr_text.find("warning"), std::string::npos) << agent.stderr_text;
    EXPECT_TRUE(rig.wait_for_accepted(2, 5s));
}

TEST(InitCommand, NoReplyFailsTheCheckAndInstallsNothing) {
    AgentRig rig;  // no emulator: the broker takes the report, nobody answers
    const auto etc = rig.work() / "etc";
    const auto init = run_process(init_argv(rig, etc, {"--check-timeout", "2"}), 60s);
    EXPECT_EQ(init.status.code, 1) << init.stderr_text;
    EXPECT_NE(init.stderr_text.find("no reply came within 2 s"), std::string::npos)
        << init.stderr_text;
    EXPECT_NE(init.stderr_text.find("nothing was installed"), std::string::npos);
    EXPECT_FALSE(fs::exists(etc));
}

TEST(InitCommand, AWrongRootCaFailsTheCheckWithTheTlsReason) {
    AgentRig rig;
    rig.start_emulator(0);
    const auto etc = rig.work() / "etc";
    const auto init = run_process(
        init_argv(rig, etc, {"--check-timeout", "3"}, {{"-r", rig.pki().other_ca_cert().string()}}),
        60s);
    EXPECT_EQ(init.status.code, 1) << init.stderr_text;
    EXPECT_NE(init.stderr_text.find("no report reached Device Defender within 3 s (cannot "
                                    "connect"),
              std::string::npos)
        << init.stderr_text;
    EXPECT_NE(init.stderr_text.find("certificate"), std::string::npos) << init.stderr_text;
    EXPECT_FALSE(fs::exists(etc));
}

TEST(InitCommand, AsksForMissingValuesAndExplainsWhatIsMissingWithoutATerminal) {
    AgentRig rig;
    const auto etc = rig.work() / "etc";
    const auto missing = run_process({DEFENDER_BINARY, "init", "--config-dir", etc.string()}, 20s);
    EXPECT_EQ(missing.status.code, 2);
    EXPECT_NE(missing.stderr_text.find("(missing: --endpoint, --thing-name, --cert, --key, "
                                       "--root-ca)"),
              std::string::npos)
        << missing.stderr_text;

    // Answers on standard input; a wrong one is asked again.
    const std::string answers =
        "https://localhost\nlocalhost\n" + std::string(kThing) + "\n" +
        rig.pki().client().key.string() + "\n" + rig.pki().client().cert.string() + "\n" +
        rig.pki().client().key.string() + "\n" + rig.pki().ca_cert().string() + "\n";
    const auto asked = run_process(
        {"/bin/sh", "-c",
         "printf '%s' \"$1\" | \"$2\" init --interactive --no-check --no-start --config-dir \"$3\"",
         "sh", answers, DEFENDER_BINARY, etc.string()},
        20s);
    EXPECT_EQ(asked.status.code, 0) << asked.stderr_text;
    EXPECT_NE(asked.stderr_text.find("has a scheme"), std::string::npos) << asked.stderr_text;
    EXPECT_NE(asked.stderr_text.find("not a PEM file with -----BEGIN CERTIFICATE-----"),
              std::string::npos)
        << asked.stderr_text;
    EXPECT_NE(read_file(etc / "agent.conf").find("\nendpoint = \"localhost\"\n"),
              std::string::npos);

    // Input that ends before every answer is given.
    TempDir other;
    const auto cut = run_process({"/bin/sh", "-c",
                                  "printf 'localhost\\n' | \"$1\" init --interactive --no-check "
                                  "--config-dir \"$2\"",
                                  "sh", DEFENDER_BINARY, (other / "etc").string()},
                                 20s);
    EXPECT_EQ(cut.status.code, 2);
    EXPECT_NE(cut.stderr_text.find("init: no answer for --thing-name"), std::string::npos)
        << cut.stderr_text;
    EXPECT_FALSE(fs::exists(other / "etc"));
}

TEST(InitCommand, OtherSettingsAreReplacedOnlyWithForceAndKeptAsBackups) {
    AgentRig rig;
    const auto etc = rig.work() / "etc";
    fs::create_directories(etc);
    // The packaged agent.conf (every setting commented out) is no obstacle.
    write_file(etc / "agent.conf", "# endpoint = \"x\"\n");
    const auto first = run_process(init_argv(rig, etc, {"--no-check"}), 20s);
    ASSERT_EQ(first.status.code, 0) << first.stderr_text;
    EXPECT_EQ(read_file(etc / "agent.conf.bak"), "# endpoint = \"x\"\n");
    const std::string conf = read_file(etc / "agent.conf");

    // The same again changes nothing; another thing name is refused before anything is written.
    const auto again = run_process(init_argv(rig, etc, {"--no-check"}), 20s);
    EXPECT_EQ(again.status.code, 0) << again.stderr_text;
    auto other =
        init_argv(rig, etc, {"--no-check"}, {{"-c", rig.pki().other_client().cert.string()}});
    const auto refused = run_process(other, 20s);
    EXPECT_EQ(refused.status.code, 2) << refused.stderr_text;
    EXPECT_NE(refused.stderr_text.find("device.pem.crt exists with other content (--force "
                                       "replaces it, keeping device.pem.crt.bak)"),
              std::string::npos)
        << refused.stderr_text;
    EXPECT_EQ(read_file(etc / "certs/device.pem.crt"), read_file(rig.pki().client().cert));
    EXPECT_EQ(read_file(etc / "agent.conf"), conf);

    other.push_back("--force");
    const auto forced = run_process(other, 20s);
    EXPECT_EQ(forced.status.code, 0) << forced.stderr_text;
    EXPECT_EQ(read_file(etc / "certs/device.pem.crt"), read_file(rig.pki().other_client().cert));
    EXPECT_EQ(read_file(etc / "certs/device.pem.crt.bak"), read_file(rig.pki().client().cert));
}

}  // namespace
}  // namespace defender::test
