// SPDX-License-Identifier: Apache-2.0
// Log lines fit where standard error goes: `defender: level: message` by default, syslog
// priority prefixes without program name when JOURNAL_STREAM names standard error (journald),
// one JSON object per line with --log-format json.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

// Dry run, one report: a warning (interval raised to 300), a debug line (would publish) and an
// info line (stopped).
const std::vector<std::string> kDryRun = {
    DEFENDER_BINARY, "agent", "--dry-run",    "--interval",  "10", "--exit-after", "1",
    "--verbosity",   "debug", "--thing-name", "logging-test"};

struct Run {
    std::string stderr_text;
    ExitStatus status;
};

Run run(std::vector<std::string> argv, const std::string& journal_stream = "",
        bool stream_matches_stderr = false) {
    TempDir dir;
    const auto err = dir / "stderr";
    std::ofstream(err).close();
    std::vector<std::string> environment;
    if (stream_matches_stderr) {
        struct stat status {};
        ::stat(err.c_str(), &status);
        environment.push_back("JOURNAL_STREAM=" + std::to_string(status.st_dev) + ":" +
                              std::to_string(status.st_ino));
    } else if (!journal_stream.empty()) {
        environment.push_back("JOURNAL_STREAM=" + journal_stream);
    }
    ChildProcess child(ProcessOptions{std::move(argv), dir / "stdout", err, environment, {}});
    const auto status = child.wait_for(30s);
    EXPECT_TRUE(status.has_value());
    if (!status) child.kill();
    return {child.stderr_text(), status.value_or(ExitStatus{})};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool has_line_starting(const std::string& text, const std::string& prefix) {
    for (const auto& line : lines_of(text))
        if (line.rfind(prefix, 0) == 0) return true;
    return false;
}

TEST(LoggingFormat, TextByDefault) {
    const auto result = run(kDryRun);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    EXPECT_TRUE(has_line_starting(result.stderr_text, "defender: warning: interval 10 s"))
        << result.stderr_text;
    EXPECT_TRUE(has_line_starting(result.stderr_text, "defender: info: stopped"))
        << result.stderr_text;
    for (const auto& line : lines_of(result.stderr_text))
        EXPECT_EQ(line.rfind("defender: ", 0), 0u) << line;
}

TEST(LoggingFormat, SyslogPrioritiesWhenStderrIsTheJournal) {
    const auto result = run(kDryRun, "", true);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    EXPECT_TRUE(has_line_starting(result.stderr_text, "<4>interval 10 s")) << result.stderr_text;
    EXPECT_TRUE(has_line_starting(result.stderr_text, "<6>stopped")) << result.stderr_text;
    EXPECT_TRUE(has_line_starting(result.stderr_text, "<7>would publish report"))
        << result.stderr_text;
    // journald adds the time and the program name itself.
    for (const auto& line : lines_of(result.stderr_text)) {
        ASSERT_GE(line.size(), 3u);
        EXPECT_EQ(line[0], '<') << line;
        EXPECT_EQ(line.find("defender:"), std::string::npos) << line;
    }
}

TEST(LoggingFormat, ErrorsUnderTheJournalHavePriorityThree) {
    auto argv = kDryRun;
    argv.push_back("--custom-metric");
    argv.push_back("name=x,type=number");
    const auto result = run(argv, "", true);
    EXPECT_EQ(result.status.code, 2);
    EXPECT_TRUE(has_line_starting(result.stderr_text, "<3>--custom-metric")) << result.stderr_text;

    const auto usage = run({DEFENDER_BINARY, "agent", "--no-such-option"}, "", true);
    EXPECT_EQ(usage.status.code, 2);
    EXPECT_TRUE(has_line_starting(usage.stderr_text, "<3>")) << usage.stderr_text;
}

TEST(LoggingFormat, JournalStreamOfAnotherFileIsIgnored) {
    // A service's child whose stderr was redirected elsewhere inherits JOURNAL_STREAM.
    const auto result = run(kDryRun, "1:1");
    ASSERT_TRUE(result.status.success());
    EXPECT_TRUE(has_line_starting(result.stderr_text, "defender: warning: interval"))
        << result.stderr_text;
    const auto garbage = run(kDryRun, "not-a-stream");
    EXPECT_TRUE(has_line_starting(garbage.stderr_text, "defender: warning: interval"))
        << garbage.stderr_text;
}

TEST(LoggingFormat, ForcedStyles) {
    auto journal = kDryRun;
    journal.insert(journal.end(), {"--log-format", "journal"});
    EXPECT_TRUE(has_line_starting(run(journal).stderr_text, "<4>interval 10 s"));
    auto text = kDryRun;
    text.insert(text.end(), {"--log-format", "text"});
    EXPECT_TRUE(has_line_starting(run(text, "", true).stderr_text, "defender: warning: interval"));
}

TEST(LoggingFormat, JsonOneObjectPerLine) {
    auto argv = kDryRun;
    argv.insert(argv.end(), {"--log-format", "json"});
    const auto result = run(argv, "", true);  // explicit json wins over the journal
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
    const auto lines = lines_of(result.stderr_text);
    ASSERT_GE(lines.size(), 3u) << result.stderr_text;
    bool saw_warning = false;
    for (const auto& line : lines) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        ASSERT_TRUE(object.is_object()) << line;
        ASSERT_TRUE(object.contains("time") && object.contains("level") &&
                    object.contains("message"))
            << line;
        EXPECT_TRUE(object["time"].get<std::string>().ends_with("Z")) << line;
        if (object["level"] == "warning") {
            saw_warning = true;
            EXPECT_EQ(object["message"].get<std::string>().rfind("interval 10 s", 0), 0u);
        }
    }
    EXPECT_TRUE(saw_warning) << result.stderr_text;
}

TEST(LoggingFormat, JsonEscapesQuotesAndControlCharacters) {
    const auto result = run({DEFENDER_BINARY, "--log-format", "json", "agent", "--dry-run",
                             "--custom-metric", "name=\"q\"\tx,type=number,file=/x"});
    EXPECT_EQ(result.status.code, 2);
    const auto lines = lines_of(result.stderr_text);
    ASSERT_EQ(lines.size(), 1u) << result.stderr_text;
    const auto object = nlohmann::json::parse(lines[0], nullptr, false);
    ASSERT_TRUE(object.is_object()) << lines[0];
    EXPECT_NE(object["message"].get<std::string>().find("\"q\"\tx"), std::string::npos);
}

}  // namespace
}  // namespace defender::test
