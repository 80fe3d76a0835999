// SPDX-License-Identifier: Apache-2.0
// An independent client for the fake nucleus: the official AWS IoT Device SDK for JavaScript v2
// (npm aws-iot-device-sdk-v2, bundling the real CRT event-stream client). Skipped with a message
// when node or npm is missing or the npm registry cannot be reached.

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "fake_nucleus.hpp"
#include "temp_dir.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using test::FakeNucleus;
using test::FakeNucleusOptions;
using test::run_process;
using test::TempDir;

const std::filesystem::path kScriptDir = DEFENDER_FIXTURES "/../greengrass_js";
const std::filesystem::path kInstallDir = DEFENDER_TEST_WORK_DIR "/greengrass_js";
const std::string kToken = "0123456789ABCDEF";

bool on_path(const std::string& program) {
    return run_process({"sh", "-c", "command -v " + program}, 10s).status.success();
}

/// Installs the locked SDK into the build tree once (npm ci); the reason when it cannot.
std::optional<std::string> install_sdk() {
    const auto lock = test::read_file(kScriptDir / "package-lock.json");
    const auto installed_lock = test::read_file(kInstallDir / "package-lock.json");
    if (lock == installed_lock &&
        std::filesystem::exists(kInstallDir / "node_modules/aws-iot-device-sdk-v2/package.json"))
        return std::nullopt;
    std::filesystem::remove_all(kInstallDir);
    std::filesystem::create_directories(kInstallDir);
    std::filesystem::copy_file(kScriptDir / "package.json", kInstallDir / "package.json");
    // The lock file is copied last: its presence marks a finished install.
    const auto install = run_process(
        {"sh", "-c",
         "cd '" + kInstallDir.string() + "' && cp '" + (kScriptDir / "package-lock.json").string() +
             "' package-lock.tmp && mv package-lock.tmp package-lock.json && "
             "npm ci --ignore-scripts --no-audit --no-fund --loglevel=error"},
        170s);
    if (!install.status.success()) {
        std::filesystem::remove(kInstallDir / "package-lock.json");
        return "npm ci failed (" + install.status.describe() +
               "): " + install.stderr_text.substr(0, 400);
    }
    return std::nullopt;
}

test::RunResult run_sdk(const std::filesystem::path& socket, const std::string& mode,
                        const std::filesystem::path& report) {
    return run_process(
        {"env", "SVCUID=" + kToken,
         "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT=" + socket.string(),
         "NODE_PATH=" + (kInstallDir / "node_modules").string(), "node",
         (kScriptDir / "publish_through_nucleus.js").string(), mode, "JsThing", report.string()},
        60s);
}

TEST(GreengrassJsClient, TheOfficialSdkPublishesAndSubscribesThroughTheFakeNucleus) {
    if (!on_path("node") || !on_path("npm"))
        GTEST_SKIP() << "node and npm are needed for the AWS IoT Device SDK v2 client test "
                        "(scripts/deps/greengrass.list); skipped";
    if (auto problem = install_sdk())
        GTEST_SKIP() << "cannot install aws-iot-device-sdk-v2 from the npm registry: " << *problem;

    TempDir dir("defender-gg-js-");
    const auto report = std::filesystem::path(DEFENDER_FIXTURES "/reports/valid/spec_long.json");
    {
        FakeNucleusOptions options;
        options.socket_path = dir / "ipc.socket";
        options.token = kToken;
        options.strict = true;
        FakeNucleus nucleus(options);
        const auto run = run_sdk(options.socket_path, "publish", report);
        EXPECT_TRUE(run.status.success()) << run.stdout_text << run.stderr_text;
        EXPECT_NE(
            run.stdout_text.find("reply on $aws/things/JsThing/defender/metrics/json/accepted"),
            std::string::npos)
            << run.stdout_text;
        const auto state = nucleus.state();
        EXPECT_TRUE(state.violations.empty()) << state.violations.front();
        EXPECT_TRUE(state.closes.empty()) << state.closes.front();
        ASSERT_EQ(state.published.size(), 2u);
        EXPECT_EQ(state.published[0].topic, "$aws/things/JsThing/defender/metrics/json");
        EXPECT_EQ(state.published[0].payload, test::read_file(report));
        EXPECT_EQ(state.published[0].qos, "1");
    }
    {
        FakeNucleusOptions options;
        options.socket_path = dir / "ipc2.socket";
        options.token = kToken;
        options.authorize_publish = false;
        FakeNucleus nucleus(options);
        const auto run = run_sdk(options.socket_path, "unauthorized", report);
        EXPECT_TRUE(run.status.success()) << run.stdout_text << run.stderr_text;
        EXPECT_NE(run.stdout_text.find("refused: UnauthorizedError"), std::string::npos)
            << run.stdout_text;
    }
}

}  // namespace
}  // namespace defender
