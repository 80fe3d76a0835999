// SPDX-License-Identifier: Apache-2.0
// A command line that does not parse gets help: the usage when no subcommand is given, the
// nearest name for a typo, targeted hints for AWS's Python sample options, and a clear line
// for a configuration file that cannot be read.

#include <gtest/gtest.h>

#include <unistd.h>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

struct Case {
    std::vector<std::string> arguments;
    std::string message;
};

TEST(CommandLineHelp, MistakesExitWith2AndSayWhatWasMeant) {
    const std::vector<Case> cases{
        {{}, "defender: error: give a subcommand: defender <subcommand> --help for its options"},
        {{"agnet"}, "defender: error: unknown subcommand \"agnet\" (did you mean agent?)"},
        {{"--verbosity", "debug", "colect"},
         "defender: error: unknown subcommand \"colect\" (did you mean collect?)"},
        {{"agent", "--endpont", "x"}, "(did you mean --endpoint?)"},
        {{"collect", "--max-list-sise", "3"}, "(did you mean --max-list-size?)"},
        {{"agent", "-id", "gw-1"},
         "-id is an option of AWS's Python sample agent: here it is --client-id (-i is the "
         "interval)"},
        {{"agent", "-cm"}, "here it is --custom-metrics"},
        {{"agent", "--mqtt-client", "paho"},
         "(mqtt-client was removed: the agent has one MQTT client, its own on mbed TLS, for "
         "every mode; leave the setting out)"},
        {{"collect", "-s"},
         "(in collect, -s is the seconds between reports; short names are --short-names)"},
        {{"agent", "--config", "/nonexistent/agent.conf"},
         "defender: error: --config /nonexistent/agent.conf: no such file"},
    };
    for (const auto& [arguments, message] : cases) {
        std::vector<std::string> argv{DEFENDER_BINARY};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        const auto result = run_process(argv, 10s);
        EXPECT_EQ(result.status.code, 2) << message << ": " << result.stderr_text;
        EXPECT_NE(result.stderr_text.find(message), std::string::npos) << result.stderr_text;
    }
}

TEST(CommandLineHelp, ConfigurationErrorsNameTheFileAndLine) {
    TempDir dir("defender-help-");
    const auto config = dir / "agent.conf";
    write_file(config, "# sample\ninterval = 300\nthing-name = \"x\"\nintervl = 3\n");
    const auto unknown =
        run_process({DEFENDER_BINARY, "agent", "--dry-run", "--config", config.string()}, 10s);
    EXPECT_EQ(unknown.status.code, 2);
    EXPECT_NE(unknown.stderr_text.find(config.string() + ":4: INI was not able to parse " +
                                       "agent.intervl (did you mean interval?)"),
              std::string::npos)
        << unknown.stderr_text;
    write_file(config, "thing-name = \"x\"\nmqtt-client = paho\n");
    const auto removed =
        run_process({DEFENDER_BINARY, "agent", "--dry-run", "--config", config.string()}, 10s);
    EXPECT_EQ(removed.status.code, 2);
    EXPECT_NE(removed.stderr_text.find(config.string() +
                                       ":2: INI was not able to parse agent.mqtt-client "
                                       "(mqtt-client was removed: the agent has one MQTT client"),
              std::string::npos)
        << removed.stderr_text;
    write_file(config, "thing-name = \"x\"\ninterval = soon\n");
    const auto bad_value =
        run_process({DEFENDER_BINARY, "agent", "--dry-run", "--config", config.string()}, 10s);
    EXPECT_EQ(bad_value.status.code, 2);
    EXPECT_NE(
        bad_value.stderr_text.find(config.string() + ":2: --interval: Value soon is not a number"),
        std::string::npos)
        << bad_value.stderr_text;
}

TEST(CommandLineHelp, NoSubcommandListsTheSubcommands) {
    const auto result = run_process({DEFENDER_BINARY}, 10s);
    EXPECT_EQ(result.status.code, 2);
    for (const char* name : {"agent", "collect", "check", "emulate", "Usage:"})
        EXPECT_NE(result.stderr_text.find(name), std::string::npos) << result.stderr_text;
}

TEST(CommandLineHelp, AnUnreadableConfigurationIsNotCalledMissing) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
    TempDir dir("defender-help-");
    const auto config = dir / "agent.conf";
    write_file(config, "interval = 300\n");
    std::filesystem::permissions(config, std::filesystem::perms::none);
    const auto result = run_process({DEFENDER_BINARY, "agent", "--config", config.string()}, 10s);
    EXPECT_EQ(result.status.code, 2);
    EXPECT_NE(result.stderr_text.find("--config " + config.string() +
                                      ": permission denied (not readable by this user)"),
              std::string::npos)
        << result.stderr_text;
}

// Issue #18 item 6: a user other than root has no write access to /var/lib/defender.
TEST(CommandLineHelp, AnotherUserGetsAStateDirectoryOfItsOwn) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run as another user";
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv";
    const std::vector<std::string> as_nobody{"/usr/bin/setpriv", "--reuid", "65534",
                                             "--regid",          "65534",   "--clear-groups"};
    auto probe = as_nobody;
    probe.insert(probe.end(), {"test", "-x", DEFENDER_BINARY});
    if (run_process(probe, 10s).status.code != 0)
        GTEST_SKIP() << "the build tree is not reachable for another user";
    TempDir dir("defender-xdg-");
    std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
    const auto result =
        run_process({"/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                     "env", "HOME=" + dir.path().string(),
                     "XDG_STATE_HOME=" + (dir / "state").string(), DEFENDER_BINARY, "status"},
                    10s);
    EXPECT_EQ(result.status.code, 2) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find((dir / "state").string() + "/defender"), std::string::npos)
        << result.stderr_text;
}

// Issue #18 item 6: a setting in the unit's command line and in the file: CLI11 lets the
// command line win without a word.
TEST(CommandLineHelp, ASettingBothOnTheCommandLineAndInTheFileIsOneWarning) {
    TempDir dir("defender-help-");
    const auto config = dir / "agent.conf";
    write_file(config, "thing-name = \"from-file\"\ninterval = 600\nallow-short-interval = true\n");
    const auto result = run_process({DEFENDER_BINARY, "agent", "--dry-run", "--config",
                                     config.string(), "-i", "0.2", "--exit-after", "1"},
                                    20s);
    EXPECT_EQ(result.status.code, 0) << result.stderr_text;
    const std::string expected = "warning: -i is set on the command line and in " +
                                 config.string() + ":2; the command line wins";
    EXPECT_NE(result.stderr_text.find(expected), std::string::npos) << result.stderr_text;
    EXPECT_EQ(result.stderr_text.find("thing-name"), std::string::npos) << result.stderr_text;
}

}  // namespace
}  // namespace defender::test
