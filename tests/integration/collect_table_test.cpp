// SPDX-License-Identifier: Apache-2.0
// `defender collect --format table` as people run it: `--watch` in a pseudo-terminal (redraws
// in place, Ctrl-C quits with exit 0 and the terminal restored), and plain text when piped.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

const std::string kGateway = std::string(DEFENDER_FIXTURES) + "/proc/gateway";
constexpr std::string_view kRedraw = "\x1b[H\x1b[2J";
constexpr std::string_view kEnter = "\x1b[?1049h\x1b[?25l";
constexpr std::string_view kLeave = "\x1b[?25h\x1b[?1049l";

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t found = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++found;
    return found;
}

// `defender` in a pseudo-terminal of its own (its controlling terminal: Ctrl-C typed on the
// master reaches it as SIGINT). Reads what it draws; bounded waits only.
class PtyChild {
public:
    PtyChild(const std::vector<std::string>& args, const std::vector<std::string>& environment) {
        winsize size{};
        size.ws_row = 40;
        size.ws_col = 120;
        pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
        if (pid_ == 0) {
            ::unsetenv("NO_COLOR");
            ::setenv("TERM", "xterm", 1);
            for (const auto& entry : environment)
                ::putenv(const_cast<char*>(entry.c_str()));
            std::vector<char*> argv;
            for (const auto& arg : args)
                argv.push_back(const_cast<char*>(arg.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (pid_ > 0) ::tcgetattr(master_, &initial_);
    }
    ~PtyChild() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (master_ >= 0) ::close(master_);
    }
    bool started() const { return pid_ > 0; }

    /// Reads until `done(output)` or the end of the output or `timeout`.
    template <typename Done>
    bool read_until(Done done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done(output_)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd watched{master_, POLLIN, 0};
            if (::poll(&watched, 1, static_cast<int>(std::min<long>(left.count(), 200))) <= 0)
                continue;
            char buffer[4096];
            const ssize_t got = ::read(master_, buffer, sizeof buffer);
            if (got <= 0) return done(output_);  // EIO: the child closed the terminal
            output_.append(buffer, static_cast<std::size_t>(got));
        }
        return true;
    }
    /// Types `text` as if on the keyboard.
    void type(std::string_view text) {
        [[maybe_unused]] const auto written = ::write(master_, text.data(), text.size());
    }
    /// The exit status within `timeout` (reading what is left meanwhile), or nullopt.
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                status_ = status;
                read_until([](const std::string&) { return false; }, 200ms);
                return status;
            }
            read_until([](const std::string&) { return false; }, 50ms);
        }
        return std::nullopt;
    }
    const std::string& output() const { return output_; }
    /// The terminal's settings now equal those it had when the child started.
    bool terminal_as_before() const {
        termios now{};
        if (::tcgetattr(master_, &now) != 0) return false;
        return now.c_iflag == initial_.c_iflag && now.c_oflag == initial_.c_oflag &&
               now.c_lflag == initial_.c_lflag && now.c_cflag == initial_.c_cflag;
    }

private:
    int master_ = -1;
    pid_t pid_ = -1;
    termios initial_{};
    std::optional<int> status_;
    std::string output_;
};

TEST(CollectTable, WatchRedrawsInPlaceAndCtrlCQuitsRestoringTheTerminal) {
    PtyChild child(
        {DEFENDER_BINARY, "collect", "--format", "table", "--watch", "0.2", "--procfs", kGateway},
        {});
    ASSERT_TRUE(child.started());
    // Two redraws, each from the top of a cleared screen, with its header line.
    const bool redrawn = child.read_until(
        [](const std::string& out) { return count(out, "Every 0.2s: defender collect") >= 2; },
        20s);
    ASSERT_TRUE(redrawn) << child.output();
    EXPECT_TRUE(child.output().starts_with(kEnter)) << child.output();
    EXPECT_GE(count(child.output(), kRedraw), 2u);
    EXPECT_NE(child.output().find("Listening ports"), std::string::npos);
    // The second redraw has traffic since the first, with rates.
    child.read_until(
        [](const std::string& out) { return out.find("BYTES/S") != std::string::npos; }, 10s);
    EXPECT_NE(child.output().find("BYTES/S"), std::string::npos) << child.output();
    // A terminal, no NO_COLOR: a bold header.
    EXPECT_NE(child.output().find("\x1b[1m"), std::string::npos);

    child.type("\x03");  // Ctrl-C
    const auto status = child.wait(10s);
    ASSERT_TRUE(status.has_value()) << "still running after Ctrl-C:\n" << child.output();
    EXPECT_TRUE(WIFEXITED(*status)) << "ended by signal " << WTERMSIG(*status);
    EXPECT_EQ(WEXITSTATUS(*status), 0);
    // The cursor shown again and the main screen back, after the last redraw.
    const std::string& out = child.output();
    ASSERT_GE(out.size(), kLeave.size());
    EXPECT_NE(out.rfind(kLeave), std::string::npos) << out;
    EXPECT_GT(out.rfind(kLeave), out.rfind(kRedraw)) << out;
    EXPECT_EQ(count(out, kEnter), count(out, kLeave));
    EXPECT_TRUE(child.terminal_as_before());
}

TEST(CollectTable, WatchWithNoColorInATerminalRedrawsWithoutColorAndStopsAfterN) {
    PtyChild child({DEFENDER_BINARY, "collect", "--format", "table", "--watch", "0.2", "-n", "2",
                    "--procfs", kGateway},
                   {"NO_COLOR=1"});
    ASSERT_TRUE(child.started());
    const auto status = child.wait(20s);
    ASSERT_TRUE(status.has_value()) << child.output();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << child.output();
    const std::string& out = child.output();
    EXPECT_EQ(count(out, "Every 0.2s: defender collect"), 2u) << out;
    EXPECT_EQ(count(out, kRedraw), 2u);
    // Clearing and the alternate screen, but no color (SGR) at all.
    EXPECT_EQ(out.find("\x1b[1m"), std::string::npos) << out;
    EXPECT_EQ(out.find("\x1b[0m"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with(std::string(kLeave) + "")) << out;
}

TEST(CollectTable, PipedOutputIsPlainText) {
    const auto result = run_process({DEFENDER_BINARY, "collect", "--format", "table", "-n", "2",
                                     "-s", "0.3", "--procfs", kGateway},
                                    20s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    EXPECT_EQ(result.stdout_text.find('\x1b'), std::string::npos) << result.stdout_text;
    EXPECT_EQ(count(result.stdout_text, "Listening ports"), 2u) << result.stdout_text;
    EXPECT_NE(result.stdout_text.find("Traffic since the previous sample, 0.3 s"),
              std::string::npos)
        << result.stdout_text;

    // --watch into a pipe: successive tables with their header lines, no terminal control.
    const auto watched = run_process({DEFENDER_BINARY, "collect", "--format", "table", "--watch",
                                      "0.2", "-n", "2", "--procfs", kGateway},
                                     20s);
    ASSERT_TRUE(watched.status.success()) << watched.stderr_text;
    EXPECT_EQ(watched.stdout_text.find('\x1b'), std::string::npos) << watched.stdout_text;
    EXPECT_EQ(count(watched.stdout_text, "Every 0.2s: defender collect"), 2u);
}

TEST(CollectTable, ListsTheSamePortsAsTheJsonReport) {
    const auto json = run_process({DEFENDER_BINARY, "collect", "--procfs", kGateway}, 20s);
    const auto table =
        run_process({DEFENDER_BINARY, "collect", "--format", "table", "--procfs", kGateway}, 20s);
    ASSERT_TRUE(json.status.success()) << json.stderr_text;
    ASSERT_TRUE(table.status.success()) << table.stderr_text;
    const auto metrics = nlohmann::json::parse(json.stdout_text).at("metrics");
    std::multiset<std::string> expected;
    for (const auto& [protocol, key] :
         {std::pair{"tcp", "listening_tcp_ports"}, std::pair{"udp", "listening_udp_ports"}}) {
        for (const auto& entry : metrics.at(key).at("ports"))
            expected.insert(std::string(protocol) + " " +
                            std::to_string(entry.at("port").get<int>()));
    }
    ASSERT_FALSE(expected.empty());
    // The rows between "PROTO  PORT  INTERFACE" and the blank line.
    std::multiset<std::string> shown;
    std::istringstream lines(table.stdout_text);
    bool in_ports = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("PROTO")) {
            in_ports = true;
            continue;
        }
        if (line.empty()) in_ports = false;
        if (!in_ports) continue;
        std::istringstream words(line);
        std::string protocol, port;
        words >> protocol >> port;
        shown.insert(protocol + " " + port);
    }
    EXPECT_EQ(shown, expected) << table.stdout_text;
}

TEST(CollectTable, WatchNeedsTheTableAndExcludesTheSampleRate) {
    const auto json = run_process({DEFENDER_BINARY, "collect", "--watch", "1"}, 20s);
    EXPECT_EQ(json.status.code, 2);
    EXPECT_NE(json.stderr_text.find("--watch needs --format table"), std::string::npos)
        << json.stderr_text;
    const auto both =
        run_process({DEFENDER_BINARY, "collect", "-f", "table", "--watch", "1", "-s", "2"}, 20s);
    EXPECT_EQ(both.status.code, 2) << both.stderr_text;
    const auto nan =
        run_process({DEFENDER_BINARY, "collect", "-f", "table", "--watch", "nan"}, 20s);
    EXPECT_EQ(nan.status.code, 2) << nan.stderr_text;
    const auto zero = run_process({DEFENDER_BINARY, "collect", "-f", "table", "--watch", "0"}, 20s);
    EXPECT_EQ(zero.status.code, 2) << zero.stderr_text;
}

}  // namespace
}  // namespace defender::test
