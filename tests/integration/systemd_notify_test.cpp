// SPDX-License-Identifier: Apache-2.0
// Under systemd (Type=notify): the real agent, against mosquitto and `defender emulate`, sends
// READY=1, STATUS= lines for each change and WATCHDOG=1 pings to a datagram socket at
// $NOTIFY_SOCKET; `defender status` reads its state directory while it runs and after it ended.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

// What systemd's end of the protocol is: a Unix datagram socket bound at a path.
class NotifySocket {
public:
    explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot bind " + path_.string());
    }
    ~NotifySocket() { ::close(fd_); }
    const std::filesystem::path& path() const { return path_; }

    /// Every datagram received so far, in order.
    std::vector<std::string> messages() {
        char buffer[4096];
        while (true) {
            const ssize_t got = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got < 0) break;
            messages_.emplace_back(buffer, static_cast<std::size_t>(got));
        }
        return messages_;
    }
    /// The STATUS= values, in order.
    std::vector<std::string> statuses() {
        std::vector<std::string> found;
        for (const auto& message : messages()) {
            std::size_t at = message.find("STATUS=");
            if (at == std::string::npos) continue;
            const auto end = message.find('\n', at);
            found.push_back(message.substr(at + 7, end == std::string::npos ? end : end - at - 7));
        }
        return found;
    }
    std::size_t count(const std::string& assignment) {
        std::size_t n = 0;
        for (const auto& message : messages()) {
            std::size_t start = 0;
            while (start <= message.size()) {
                const auto end = std::min(message.find('\n', start), message.size());
                n += message.substr(start, end - start) == assignment ? 1 : 0;
                start = end + 1;
            }
        }
        return n;
    }
    bool status_contains(const std::string& text) {
        const auto all = statuses();
        return std::any_of(all.begin(), all.end(),
                           [&](const std::string& s) { return s.find(text) != std::string::npos; });
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
};

RunResult defender_status(const std::filesystem::path& state_dir, bool json = false) {
    std::vector<std::string> argv{DEFENDER_BINARY, "status", "--state-dir", state_dir.string()};
    if (json) argv.push_back("--json");
    return run_process(argv, 30s);
}

TEST(Notify, ReadyStatusLinesAndWatchdogPingsThroughAnOutage) {
    AgentRig rig;
    rig.start_emulator(0);
    NotifySocket notify(rig.work() / "notify.sock");
    auto options = rig.agent({"-t", "thing-notify", "-i", "1"}, "agent-notify");
    options.environment = {"NOTIFY_SOCKET=" + notify.path().string(), "WATCHDOG_USEC=200000"};
    ChildProcess agent(options);
    const std::string destination = "localhost:" + std::to_string(rig.broker().port());

    ASSERT_TRUE(eventually([&] { return notify.count("READY=1") == 1; }, 20s))
        << agent.stderr_text();
    EXPECT_TRUE(notify.status_contains("connected to " + destination + " since "));
    ASSERT_TRUE(eventually([&] { return notify.status_contains(" accepted at "); }, 20s))
        << agent.stderr_text();
    // Pings every 100 ms (half of WATCHDOG_USEC), between reports a second apart.
    ASSERT_TRUE(eventually([&] { return notify.count("WATCHDOG=1") >= 5; }, 20s));
    EXPECT_EQ(notify.statuses().front().rfind("connecting to " + destination, 0), 0u)
        << notify.statuses().front();

    // While it runs: `defender status` says so, in words and in JSON.
    const auto words = defender_status(rig.work() / "state");
    ASSERT_TRUE(words.status.success()) << words.stderr_text;
    EXPECT_NE(words.stdout_text.find("running (pid " + std::to_string(agent.pid()) +
                                     "), connected to " + destination + " since "),
              std::string::npos)
        << words.stdout_text;
    EXPECT_NE(words.stdout_text.find(" accepted "), std::string::npos) << words.stdout_text;
    EXPECT_NE(words.stdout_text.find("\nlifetime: "), std::string::npos) << words.stdout_text;
    const auto json_run = defender_status(rig.work() / "state", true);
    ASSERT_TRUE(json_run.status.success()) << json_run.stderr_text;
    const auto json = nlohmann::json::parse(json_run.stdout_text);
    EXPECT_EQ(json["running"], true);
    EXPECT_EQ(json["status"]["state"], "connected");
    EXPECT_EQ(json["status"]["destination"], destination);
    EXPECT_EQ(json["status"]["pid"], agent.pid());
    EXPECT_GE(json["lifetime"]["accepted"].get<int>(), 1);

    // The broker goes away: STATUS= and `defender status` say "not connected".
    rig.broker().stop();
    ASSERT_TRUE(
        eventually([&] { return notify.status_contains("not connected to " + destination); }, 20s))
        << agent.stderr_text();
    ASSERT_TRUE(eventually(
        [&] {
            return defender_status(rig.work() / "state")
                       .stdout_text.find("not connected to " + destination) != std::string::npos;
        },
        10s));
    // The watchdog keeps being pinged while the agent retries.
    const auto pings = notify.count("WATCHDOG=1");
    ASSERT_TRUE(eventually([&] { return notify.count("WATCHDOG=1") >= pings + 3; }, 20s));

    // It comes back, then stops.
    rig.broker().start();
    ASSERT_TRUE(eventually(
        [&] {
            const auto all = notify.statuses();
            return all.back().rfind("connected to " + destination, 0) == 0;
        },
        30s))
        << agent.stderr_text();
    EXPECT_EQ(notify.count("READY=1"), 1u);
    const auto ended = agent.stop();
    EXPECT_TRUE(ended.success()) << ended.describe();
    EXPECT_EQ(notify.count("STOPPING=1"), 1u);
    EXPECT_EQ(notify.statuses().back(), "stopping");

    const auto after = defender_status(rig.work() / "state");
    ASSERT_TRUE(after.status.success()) << after.stderr_text;
    EXPECT_EQ(after.stdout_text.rfind("not running: stopped at ", 0), 0u) << after.stdout_text;
    const auto json_after =
        nlohmann::json::parse(defender_status(rig.work() / "state", true).stdout_text);
    EXPECT_EQ(json_after["running"], false);
    EXPECT_EQ(json_after["status"]["state"], "stopped");
}

TEST(Notify, NoWatchdogWithoutWatchdogUsecAndAKilledAgentIsNotRunning) {
    AgentRig rig;
    rig.start_emulator(0);
    NotifySocket notify(rig.work() / "notify.sock");
    auto options = rig.agent({"-t", "thing-notify-kill", "-i", "1"}, "agent-kill");
    options.environment = {"NOTIFY_SOCKET=" + notify.path().string()};
    ChildProcess agent(options);
    ASSERT_TRUE(eventually([&] { return notify.status_contains(" accepted at "); }, 20s))
        << agent.stderr_text();
    ASSERT_TRUE(rig.wait_for_accepted(2, 20s));
    agent.kill();
    EXPECT_EQ(notify.count("READY=1"), 1u);
    EXPECT_EQ(notify.count("WATCHDOG=1"), 0u);

    const auto result = defender_status(rig.work() / "state");
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    EXPECT_EQ(
        result.stdout_text.rfind(
            "not running: process " + std::to_string(agent.pid()) + " ended without stopping", 0),
        0u)
        << result.stdout_text;
    EXPECT_NE(result.stdout_text.find("last report "), std::string::npos);
}

TEST(Status, AMissingStateDirectoryOrFileIsExitCode2AndOneLine) {
    TempDir dir("defender-status-test-");
    const auto missing = defender_status(dir / "nowhere");
    EXPECT_EQ(missing.status.code, 2) << missing.status.describe();
    EXPECT_NE(missing.stderr_text.find("cannot read state directory "), std::string::npos)
        << missing.stderr_text;
    EXPECT_EQ(std::count(missing.stderr_text.begin(), missing.stderr_text.end(), '\n'), 1);
    const auto empty = defender_status(dir.path());
    EXPECT_EQ(empty.status.code, 2);
    EXPECT_NE(empty.stderr_text.find("no state file "), std::string::npos) << empty.stderr_text;
    EXPECT_TRUE(empty.stdout_text.empty());
}

}  // namespace
}  // namespace defender::test
