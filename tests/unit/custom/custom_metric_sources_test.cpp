// SPDX-License-Identifier: Apache-2.0
// Command, file and callback sources of custom metrics: failures never break or delay a
// reading beyond the timeout, and are noticed once per change of state.

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "custom/command_runner.hpp"
#include "custom/source_file.hpp"
#include "defender/custom_metrics.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "custom-metric-XXXXXX");
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~ScratchDir() { std::filesystem::remove_all(path_); }
    std::string write(const std::string& name, const std::string& content) const {
        const auto path = (path_ / name).string();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

CommandSource shell(const std::string& script, std::chrono::milliseconds timeout = 5s) {
    return CommandSource{{"/bin/sh", "-c", script}, timeout, kDefaultMaxSourceBytes, {}};
}

std::string error_of(const Result<std::string>& result) {
    return result ? "(succeeded: " + *result + ")" : result.error().message;
}

// Issue #19.7: a stopping agent once waited for a command up to its timeout.
TEST(RunCommand, ACancelKillsARunningCommandAndRefusesNewOnes) {
    const int cancel = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(cancel, 0);
    std::thread canceller([cancel] {
        std::this_thread::sleep_for(200ms);
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(cancel, &one, sizeof one);
    });
    const auto result = run_command(shell("sleep 30", 3s), cancel);
    canceller.join();
    EXPECT_EQ(error_of(result), "command /bin/sh -c \"sleep 30\" killed: stopping");
    EXPECT_EQ(error_of(run_command(shell("echo 1"), cancel)),
              "command /bin/sh -c \"echo 1\" not started: stopping");
    ::close(cancel);
}

// Issue #19.8: commands once inherited the agent's whole environment (AWS keys included).
TEST(RunCommand, TheEnvironmentHoldsOnlyWhatCommandsNeedAndWhatTheMetricNames) {
    std::vector<std::string> variables{"AWS_SECRET_ACCESS_KEY=secret",
                                       "LANG=C.UTF-8",
                                       "HOME=/root",
                                       "SENSOR=i2c-1",
                                       "SENSORS=x",
                                       "https_proxy=http://u:p@proxy:3128"};
    std::vector<char*> environ_like;
    for (auto& variable : variables)
        environ_like.push_back(variable.data());
    environ_like.push_back(nullptr);
    CommandSource command = shell("env");
    EXPECT_EQ(command_environment(command, environ_like.data()),
              (std::vector<std::string>{"LANG=C.UTF-8", "HOME=/root",
                                        "PATH=/usr/local/bin:/usr/bin:/bin"}));
    command.environment = {"SENSOR"};
    EXPECT_EQ(command_environment(command, environ_like.data()),
              (std::vector<std::string>{"LANG=C.UTF-8", "HOME=/root", "SENSOR=i2c-1",
                                        "PATH=/usr/local/bin:/usr/bin:/bin"}));
}

// Issue #19.10: a daemon a command leaves in its process group is killed when it exits.
TEST(RunCommand, WhatACommandLeavesRunningInItsGroupIsKilled) {
    ScratchDir dir;
    const auto marker = (dir / "still-running").string();
    const auto result =
        run_command(shell("(sleep 0.5; touch " + marker + ") >/dev/null 2>&1 & echo 3"));
    EXPECT_EQ(result.value(), "3\n");
    std::this_thread::sleep_for(1s);
    EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(RunCommand, SucceedsWithItsStandardOutput) {
    EXPECT_EQ(run_command(shell("echo 21.5; echo noise >&2")).value(), "21.5\n");
    EXPECT_EQ(run_command({{"printf", "%s\\n", "a b"}, 5s, 100, {}}).value(), "a b\n");
}

TEST(RunCommand, NonZeroExitNamesTheStatusAndTheFirstErrorLine) {
    EXPECT_EQ(error_of(run_command(shell("echo 1; echo 'sensor offline' >&2; echo more >&2; "
                                         "exit 3"))),
              "command /bin/sh -c \"echo 1; echo 'sensor offline' >&2; echo more >&2; "
              "exit 3\" exited with status 3: sensor offline");
    EXPECT_EQ(error_of(run_command({{"false"}, 5s, 100, {}})),
              "command false exited with status 1");
    EXPECT_EQ(error_of(run_command(shell("kill -9 $$"))),
              "command /bin/sh -c \"kill -9 $$\" was killed by signal 9");
}

TEST(RunCommand, MissingProgram) {
    EXPECT_EQ(error_of(run_command({{"/nonexistent/sensor"}, 5s, 100, {}})),
              "cannot run command /nonexistent/sensor: No such file or directory");
}

TEST(RunCommand, TimeoutKillsTheWholeProcessGroupInTime) {
    ScratchDir dir;
    const auto marker = (dir / "survivor").string();
    const auto start = Clock::now();
    // The grandchild would write the marker after 1 s if it survived the kill.
    const auto result = run_command(shell("(sleep 1; touch " + marker + ") & sleep 30", 300ms));
    const auto took = Clock::now() - start;
    EXPECT_EQ(error_of(result), "command /bin/sh -c \"(sleep 1; touch " + marker +
                                    ") & sleep 30\" timed out after 300 ms (killed)");
    EXPECT_LT(took, 1s);
    std::this_thread::sleep_for(1500ms);
    EXPECT_FALSE(std::filesystem::exists(marker)) << "a grandchild outlived the timeout";
}

TEST(RunCommand, ClosedOutputButStillRunningTimesOut) {
    const auto start = Clock::now();
    EXPECT_EQ(error_of(run_command(shell("exec >&- 2>&-; sleep 30", 200ms))),
              "command /bin/sh -c \"exec >&- 2>&-; sleep 30\" timed out after 200 ms (killed)");
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST(RunCommand, TooMuchOutputIsKilled) {
    const auto start = Clock::now();
    EXPECT_EQ(error_of(run_command({{"yes"}, 5s, 1000, {}})),
              "command yes printed more than 1000 bytes (killed)");
    EXPECT_LT(Clock::now() - start, 2s);
    // Exactly the limit is fine.
    EXPECT_EQ(run_command({{"head", "-c", "1000", "/dev/zero"}, 5s, 1000, {}}).value().size(),
              1000u);
}

TEST(ReadSourceFile, ContentMissingDirectoryFifoAndTooLarge) {
    ScratchDir dir;
    EXPECT_EQ(read_source_file({dir.write("temp", "48500\n"), 100}).value(), "48500\n");
    EXPECT_EQ(read_source_file({(dir / "missing").string(), 100}).error().message,
              "cannot read file " + (dir / "missing").string() + ": No such file or directory");
    EXPECT_EQ(read_source_file({dir / "", 100}).error().message,
              "cannot read file " + (dir / "").string() + ": not a regular file");
    const auto fifo = (dir / "fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto start = Clock::now();
    EXPECT_EQ(read_source_file({fifo, 100}).error().message,
              "cannot read file " + fifo + ": not a regular file");
    EXPECT_LT(Clock::now() - start, 1s);
    EXPECT_EQ(read_source_file({dir.write("big", std::string(101, 'x')), 100}).error().message,
              "file " + (dir / "big").string() + " holds more than 100 bytes");
    // procfs and sysfs files report a size that is not their content's.
    EXPECT_FALSE(read_source_file({"/proc/loadavg", 4096}).value().empty());
}

TEST(ReadSourceFile, PathThroughAFile) {
    ScratchDir dir;
    const auto path = dir.write("plain", "1\n") + "/value";
    EXPECT_EQ(read_source_file({path, 100}).error().message,
              "cannot read file " + path + ": Not a directory");
}

TEST(ReadSourceFile, UnreadableFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
    ScratchDir dir;
    const auto path = dir.write("secret", "1\n");
    std::filesystem::permissions(path, std::filesystem::perms::none);
    EXPECT_EQ(read_source_file({path, 100}).error().message,
              "cannot read file " + path + ": Permission denied");
}

CustomMetricDefinition definition(const std::string& text) {
    return parse_custom_metric_definition(text).value();
}

std::vector<std::string> messages(const CustomMetricsReading& reading) {
    std::vector<std::string> lines;
    for (const auto& notice : reading.notices)
        lines.push_back((notice.problem ? "warn: " : "info: ") + notice.message);
    return lines;
}

TEST(CustomMetricSet, ReadsAllFourTypesFromFilesAndCommands) {
    ScratchDir dir;
    CustomMetricSet set;
    ASSERT_TRUE(
        set.add(definition("name=temperature,type=number,file=" + dir.write("temp", "48.5\n")))
            .ok());
    ASSERT_TRUE(set.add(definition("name=queue,type=number-list,command=echo 1,2, 3")).ok());
    ASSERT_TRUE(
        set.add(definition("name=users,type=string-list,command=printf 'root\\nuser_1\\n'")).ok());
    ASSERT_TRUE(set.add(definition("name=peers,type=ip-address-list,file=" +
                                   dir.write("peers", "10.0.0.1\n::1\n")))
                    .ok());
    const auto reading = set.read();
    EXPECT_TRUE(reading.notices.empty()) << messages(reading).front();
    EXPECT_EQ(reading.metrics,
              (std::vector<CustomMetric>{
                  {"temperature", NumberValue{48.5}},
                  {"queue", NumberListValue{{std::int64_t{1}, std::int64_t{2}, std::int64_t{3}}}},
                  {"users", StringListValue{{"root", "user_1"}}},
                  {"peers", IpListValue{{"10.0.0.1", "::1"}}}}));
}

// Issue #19.16: the warning once quoted the file's first bytes (a secret, for a metric that
// names /proc/self/environ by mistake).
TEST(CustomMetricSet, AFileThatDoesNotParseIsNamedNotQuoted) {
    ScratchDir dir;
    const auto path = (dir / "environ").string();
    dir.write("environ", "AWS_SECRET_ACCESS_KEY=hunter2\n");
    CustomMetricSet set;
    ASSERT_TRUE(set.add(definition("name=leak,type=number,file=" + path)).ok());
    const auto reading = set.read();
    EXPECT_TRUE(reading.metrics.empty());
    EXPECT_EQ(messages(reading),
              (std::vector<std::string>{"warn: custom metric \"leak\" left out: file " + path +
                                        " does not hold a number value (its content is not "
                                        "quoted)"}));
}

TEST(CustomMetricSet, FailuresAreLeftOutAndNoticedOncePerChangeOfState) {
    ScratchDir dir;
    const auto path = (dir / "value").string();
    CustomMetricSet set;
    ASSERT_TRUE(set.add(definition("name=good,type=number,command=echo 7")).ok());
    ASSERT_TRUE(set.add(definition("name=sensor,type=number,file=" + path)).ok());
    const std::vector<CustomMetric> only_good{{"good", NumberValue{std::int64_t{7}}}};

    auto reading = set.read();  // missing file
    EXPECT_EQ(reading.metrics, only_good);
    EXPECT_EQ(
        messages(reading),
        (std::vector<std::string>{"warn: custom metric \"sensor\" left out: cannot read file " +
                                  path + ": No such file or directory"}));
    EXPECT_TRUE(set.read().notices.empty()) << "the same failure is noticed again";

    dir.write("value", "garbage\n");  // still a source failure: no new notice
    reading = set.read();
    EXPECT_EQ(reading.metrics, only_good);
    EXPECT_TRUE(reading.notices.empty());

    dir.write("value", "12345678901234567\n");  // now a broken data rule
    reading = set.read();
    EXPECT_EQ(reading.metrics, only_good);
    EXPECT_EQ(messages(reading),
              (std::vector<std::string>{
                  "warn: custom metric \"sensor\" left out: number precision: 12345678901234567 "
                  "has more than 15 digits (Device Defender keeps 15 digits of precision)"}));
    EXPECT_EQ(set.failures("sensor"), 4u);

    dir.write("value", "21\n");
    reading = set.read();
    EXPECT_EQ(reading.metrics.size(), 2u);
    EXPECT_EQ(messages(reading),
              (std::vector<std::string>{
                  "info: custom metric \"sensor\" reported again after 4 failed reading(s)"}));
    EXPECT_TRUE(set.read().notices.empty());
}

TEST(CustomMetricSet, CommandsRunSideBySideSoTheReadingWaitsOneTimeout) {
    CustomMetricSet set;
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(set.add(definition("name=slow" + std::to_string(i) +
                                       ",type=number,timeout=0.4,command=sleep 30"))
                        .ok());
    }
    ASSERT_TRUE(set.add(definition("name=fast,type=number,command=echo 1")).ok());
    const auto start = Clock::now();
    const auto reading = set.read();
    EXPECT_LT(Clock::now() - start, 1200ms);
    EXPECT_EQ(reading.metrics, (std::vector<CustomMetric>{{"fast", NumberValue{std::int64_t{1}}}}));
    ASSERT_EQ(reading.notices.size(), 4u);
    EXPECT_EQ(reading.notices[0].message,
              "custom metric \"slow0\" left out: command sleep 30 timed out after 400 ms (killed)");
}

TEST(CustomMetricSet, CallbacksAreCheckedLikeEveryOtherSource) {
    CustomMetricSet set(CustomMetricOptions{"/proc", 3, {}});
    ASSERT_TRUE(set.add_callback("ok", CustomMetricType::number_list,
                                 [] {
                                     return CustomValue{NumberListValue{{std::int64_t{1}, 2.5}}};
                                 })
                    .ok());
    ASSERT_TRUE(set.add_callback("mac", CustomMetricType::ip_address_list,
                                 [] { return CustomValue{IpListValue{{"08:00:27:d1:ea:38"}}}; })
                    .ok());
    ASSERT_TRUE(set.add_callback("wrong_type", CustomMetricType::number,
                                 [] { return CustomValue{StringListValue{{"a"}}}; })
                    .ok());
    ASSERT_TRUE(set.add_callback("long", CustomMetricType::string_list,
                                 [] {
                                     return CustomValue{StringListValue{{"a", "b", "c", "d"}}};
                                 })
                    .ok());
    ASSERT_TRUE(set.add_callback("failing", CustomMetricType::number,
                                 []() -> Result<CustomValue> { return Error{"sensor bus busy"}; })
                    .ok());
    ASSERT_TRUE(set.add_callback("throwing", CustomMetricType::number,
                                 []() -> Result<CustomValue> { throw std::runtime_error("boom"); })
                    .ok());
    const auto reading = set.read();
    EXPECT_EQ(reading.metrics,
              (std::vector<CustomMetric>{{"ok", NumberListValue{{std::int64_t{1}, 2.5}}}}));
    EXPECT_EQ(messages(reading),
              (std::vector<std::string>{
                  "warn: custom metric \"mac\" left out: ip-list addresses: \"08:00:27:d1:ea:38\" "
                  "is not an IPv4 or IPv6 address",
                  "warn: custom metric \"wrong_type\" left out: type: a string-list value for a "
                  "number metric",
                  "warn: custom metric \"long\" left out: list size: 4 items, above the limit of 3",
                  "warn: custom metric \"failing\" left out: sensor bus busy",
                  "warn: custom metric \"throwing\" left out: the callback threw: boom"}));
}

}  // namespace
}  // namespace defender
