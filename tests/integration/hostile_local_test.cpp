// SPDX-License-Identifier: Apache-2.0
// Hostile or careless local conditions around the agent (issue #19): what custom-metric
// commands may see and leave behind, signals while they run, a log reader that goes away, and
// configuration files that are FIFOs, devices or writable by others.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "agent_test_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

struct Process {
    pid_t pid;
    pid_t parent;
};

// The live processes whose command line (arguments joined by spaces) starts with `prefix`.
std::vector<Process> processes_running(const std::string& prefix) {
    std::vector<Process> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string line = read_text(entry.path() / "cmdline");
        std::replace(line.begin(), line.end(), '\0', ' ');
        const std::string stat = read_text(entry.path() / "stat");
        const auto end = stat.rfind(')');
        char state = 0;
        int parent = 0;
        if (end == std::string::npos ||
            std::sscanf(stat.c_str() + end + 1, " %c %d", &state, &parent) != 2)
            continue;
        if (state != 'Z' && line.starts_with(prefix))
            found.push_back({static_cast<pid_t>(std::stoi(name)), static_cast<pid_t>(parent)});
    }
    return found;
}

// Zombie children of `parent`.
std::size_t zombies_of(pid_t parent) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string stat = read_text(entry.path() / "stat");
        const auto end = stat.rfind(')');
        if (end == std::string::npos || stat.size() < end + 4) continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + end + 2, "%c %d", &state, &ppid) == 2 && state == 'Z' &&
            ppid == parent)
            ++count;
    }
    return count;
}

ProcessOptions dry_run_agent(const TempDir& dir, std::vector<std::string> extra,
                             std::vector<std::string> environment = {},
                             const std::string& name = "agent") {
    std::vector<std::string> argv{DEFENDER_BINARY,         "agent", "--dry-run", "-t", "hostile",
                                  "--allow-short-interval"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ProcessOptions{
        argv, dir / (name + ".out"), dir / (name + ".err"), std::move(environment), {}};
}

// Issue #19.8: an `env` metric once published the agent's AWS credentials and proxy password.
TEST(HostileLocal, MetricCommandsGetAMinimalEnvironment) {
    TempDir dir("defender-hostile-");
    // A string-list item may not hold '=' or '@': the commands print NAME:value.
    const std::string dump = "command=sh -c \"env | tr =@ ::\"";
    const auto result = run_process(
        {"env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-secret", "AWS_SESSION_TOKEN=session-secret",
         "HTTPS_PROXY=http://user:proxy-secret@127.0.0.1:3128", "SENSOR_BUS=i2c-1",
         "TZ=Europe/Berlin", DEFENDER_BINARY, "agent", "--dry-run", "-t", "hostile", "--exit-after",
         "1", "--custom-metric", "name=environment,type=string-list," + dump, "--custom-metric",
         "name=passed,type=string-list,env=SENSOR_BUS," + dump},
        20s);
    ASSERT_EQ(result.status.code, 0) << result.stderr_text;
    const std::string& report = result.stdout_text;
    EXPECT_EQ(result.stderr_text.find("left out"), std::string::npos) << result.stderr_text;
    EXPECT_EQ(report.find("secret"), std::string::npos) << report;
    EXPECT_NE(report.find("\"PATH:"), std::string::npos) << report;
    EXPECT_NE(report.find("\"TZ:Europe/Berlin\""), std::string::npos) << report;
    // Only the metric that names it gets SENSOR_BUS.
    EXPECT_EQ(count_of(report, "\"SENSOR_BUS:i2c-1\""), 1u) << report;
}

// Issue #19.7: SIGTERM during a metric command once waited for it, up to its timeout (an
// hour allowed, systemd gives 90 s).
TEST(HostileLocal, SigtermKillsARunningMetricCommandAndTheAgentStopsWithItsStateSaved) {
    AgentRig rig;
    rig.start_emulator(0);
    ChildProcess agent(rig.agent({"-t", "thing-slow", "-i", "1", "--custom-metric",
                                  "name=slow,type=number,timeout=3600,command=sleep 600.25"}));
    ASSERT_TRUE(eventually([] { return !processes_running("sleep 600.25").empty(); }, 20s))
        << agent.stderr_text();
    const auto started = std::chrono::steady_clock::now();
    const auto status = agent.stop(10s);
    EXPECT_TRUE(status.success()) << status.describe() << agent.stderr_text();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_NE(agent.stderr_text().find("stopped ("), std::string::npos) << agent.stderr_text();
    EXPECT_TRUE(fs::exists(rig.work() / "state" / "state.json"));
    EXPECT_TRUE(processes_running("sleep 600.25").empty());
    EXPECT_TRUE(rig.emulator_lines().empty()) << "a report without its metric was published";
}

// Issue #19.10: what a metric leaves running in its process group is killed; what escapes it
// (setsid) becomes the agent's child (as it would if the agent were PID 1 of a container) and
// is reaped, never left a zombie.
TEST(HostileLocal, LeftoversOfMetricCommandsAreKilledOrReaped) {
    TempDir dir("defender-hostile-");
    ChildProcess agent(dry_run_agent(
        dir, {"-i", "0.3", "--custom-metric",
              "name=leftover,type=number,command=sh -c 'sleep 302.5 >/dev/null 2>&1 & echo 1'",
              "--custom-metric",
              "name=escaped,type=number,command=sh -c 'setsid sleep 1.75 >/dev/null 2>&1 & sleep "
              "0.2; echo 2'"}));
    const auto reports = [&] { return count_of(read_text(dir / "agent.out"), "\"leftover\""); };
    ASSERT_TRUE(eventually([&] { return reports() >= 2; }, 20s)) << read_text(dir / "agent.err");
    const auto escaped = processes_running("sleep 1.75");
    ASSERT_FALSE(escaped.empty());
    for (const auto& process : escaped)
        EXPECT_EQ(process.parent, agent.pid());
    // Escaped sleeps end all the time from here on: each is reaped at the next reading.
    ASSERT_TRUE(eventually([&] { return reports() >= 12; }, 20s)) << read_text(dir / "agent.err");
    EXPECT_LE(zombies_of(agent.pid()), 2u);
    EXPECT_TRUE(processes_running("sleep 302.5").empty());
    EXPECT_TRUE(agent.stop(5s).success());
}

// Issue #19.12: `agent ... 2>&1 | head -2` once killed the agent with SIGPIPE (exit 141)
// before it saved its state.
TEST(HostileLocal, ALogReaderThatGoesAwayDoesNotKillTheAgent) {
    TempDir dir("defender-hostile-");
    const auto fifo = dir / "stderr.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    ProcessOptions options = dry_run_agent(dir, {"-i", "0.2", "--verbosity", "debug"});
    options.stderr_path = fifo;
    ChildProcess agent(options);
    ASSERT_TRUE(eventually([&] { return !read_text(dir / "agent.out").empty(); }, 10s));
    ::close(reader);  // the log reader exits
    const auto reports = count_of(read_text(dir / "agent.out"), "\"header\"");
    ASSERT_TRUE(eventually(
        [&] { return count_of(read_text(dir / "agent.out"), "\"header\"") >= reports + 3; }, 10s))
        << "the agent stopped reporting after its log reader went away";
    const auto status = agent.stop(5s);
    EXPECT_TRUE(status.success()) << status.describe();
}

// Issue #19.7: a FIFO as the configuration blocked start-up (and a SIGHUP reload, after which
// SIGTERM was ignored); /dev/zero was read until memory ran out.
TEST(HostileLocal, AConfigurationThatIsNotARegularFileIsRefusedAtStartAndOnReload) {
    TempDir dir("defender-hostile-");
    const auto fifo = dir / "agent.conf.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::vector<std::pair<std::string, std::string>> refused{
        {fifo.string(), "a FIFO"},
        {"/dev/zero", "a character device"},
        {dir.path().string(), "a directory"}};
    for (const auto& [path, kind] : refused) {
        const auto result = run_process(
            {DEFENDER_BINARY, "agent", "--dry-run", "-t", "hostile", "--config", path}, 10s);
        EXPECT_FALSE(result.timed_out) << path;
        EXPECT_EQ(result.status.code, 2) << path << ": " << result.stderr_text;
        EXPECT_NE(result.stderr_text.find("--config " + path + ": " + kind +
                                          ", not a configuration file"),
                  std::string::npos)
            << result.stderr_text;
    }

    const auto config = dir / "agent.conf";
    std::ofstream(config) << "interval = 0.2\n";
    ChildProcess agent(dry_run_agent(dir, {"--config", config.string()}));
    ASSERT_TRUE(eventually([&] { return !read_text(dir / "agent.out").empty(); }, 10s))
        << read_text(dir / "agent.err");
    fs::remove(config);
    ASSERT_EQ(::mkfifo(config.c_str(), 0600), 0);
    agent.send_signal(SIGHUP);
    ASSERT_TRUE(eventually(
        [&] {
            return read_text(dir / "agent.err")
                       .find("configuration not reloaded: --config " + config.string() +
                             ": a FIFO") != std::string::npos;
        },
        10s))
        << read_text(dir / "agent.err");
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(agent.stop(5s).success());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// Issue #19.16: SIGHUP once ended `defender emulate` (and the agent in Greengrass mode).
TEST(HostileLocal, SighupIsIgnoredByTheEmulatorWithALine) {
    AgentRig rig;
    rig.start_emulator(0);
    rig.emulator().send_signal(SIGHUP);
    ASSERT_TRUE(eventually(
        [&] {
            return rig.emulator().stderr_text().find(
                       "SIGHUP ignored: defender emulate has nothing to reload") !=
                   std::string::npos;
        },
        10s))
        << rig.emulator().stderr_text();
    ChildProcess agent(rig.agent({"-t", "thing-hup", "-i", "1", "--exit-after", "1"}));
    const auto status = agent.wait_for(30s);
    ASSERT_TRUE(status.has_value() && status->success()) << agent.stderr_text();
    EXPECT_TRUE(rig.emulator().running());
}

// Issue #19.11: whoever may write the configuration or a metric's program runs code as the
// agent's user.
TEST(HostileLocal, AConfigurationOrProgramOthersMayWriteIsAWarning) {
    TempDir dir("defender-hostile-");
    const auto program = dir / "metric.sh";
    std::ofstream(program) << "#!/bin/sh\necho 1\n";
    fs::permissions(program, fs::perms::all);
    const auto config = dir / "agent.conf";
    std::ofstream(config) << "custom-metric = [\"name=m,type=number,command=" + program.string() +
                                 "\"]\n";
    fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::group_write | fs::perms::others_read);
    const auto result = run_process({DEFENDER_BINARY, "agent", "--dry-run", "-t", "hostile",
                                     "--exit-after", "1", "--config", config.string()},
                                    20s);
    EXPECT_EQ(result.status.code, 0) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("configuration file " + config.string() +
                                      " is writable by group (mode 0664)"),
              std::string::npos)
        << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("custom metric \"m\": program " + program.string() +
                                      " is writable by group and others (mode 0777)"),
              std::string::npos)
        << result.stderr_text;
}

}  // namespace
}  // namespace defender::test
