// SPDX-License-Identifier: Apache-2.0
// Runs the built `defender check` on files and standard input.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

namespace fs = std::filesystem;

const fs::path kReports = fs::path(DEFENDER_FIXTURES) / "reports";

struct CommandRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_file(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

class CheckCommand : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("defender-check-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs `defender check <args>` with `input` on standard input.
    CommandRun check(const std::string& args, const std::string& input = "") {
        write_file(dir_ / "stdin", input);
        const std::string command =
            shell_quote(DEFENDER_BINARY) + " check " + args + " <" + shell_quote(dir_ / "stdin") +
            " >" + shell_quote(dir_ / "stdout") + " 2>" + shell_quote(dir_ / "stderr");
        const int status = std::system(command.c_str());
        CommandRun run;
        run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        run.out = read_file(dir_ / "stdout");
        run.err = read_file(dir_ / "stderr");
        return run;
    }

    // Runs a shell script in which $DEFENDER is the binary and $DIR this test's directory;
    // the exit code is the script's.
    CommandRun script(const std::string& text) {
        const std::string command = "DEFENDER=" + shell_quote(DEFENDER_BINARY) +
                                    " DIR=" + shell_quote(dir_) + " sh -c " + shell_quote(text) +
                                    " >" + shell_quote(dir_ / "stdout") + " 2>" +
                                    shell_quote(dir_ / "stderr") + " </dev/null";
        const int status = std::system(command.c_str());
        CommandRun run;
        run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        run.out = read_file(dir_ / "stdout");
        run.err = read_file(dir_ / "stderr");
        return run;
    }

    fs::path dir_;
};

constexpr const char* kTooLarge =
    " holds more than 16 MiB: not checked (a report is at most 128 KiB; check fewer at a time)\n";

std::string fixture(const std::string& relative) {
    return shell_quote(kReports / relative);
}

std::size_t size_of(const std::string& relative) {
    return fs::file_size(kReports / relative);
}

TEST_F(CheckCommand, ValidJsonFilePrintsSummary) {
    const auto run = check(fixture("valid/spec_long.json"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "valid: 1 report (json, long names, " +
                           std::to_string(size_of("valid/spec_long.json")) + " bytes)\n");
    EXPECT_EQ(run.err, "");
}

TEST_F(CheckCommand, QuietPrintsNothingWhenValid) {
    for (const auto* flag : {"-q", "--quiet"}) {
        const auto run = check(std::string(flag) + " " + fixture("valid/spec_short.json"));
        EXPECT_EQ(run.exit_code, 0) << flag;
        EXPECT_EQ(run.out, "") << flag;
        EXPECT_EQ(run.err, "") << flag;
    }
}

TEST_F(CheckCommand, ReadsStandardInputByDefaultAndWithDash) {
    const auto report = read_file(kReports / "valid/spec_short.json");
    const std::string summary =
        "valid: 1 report (json, short names, " + std::to_string(report.size()) + " bytes)\n";
    for (const auto* args : {"", "-"}) {
        const auto run = check(args, report);
        EXPECT_EQ(run.exit_code, 0) << args;
        EXPECT_EQ(run.out, summary) << args;
    }
}

TEST_F(CheckCommand, ValidatesCbor) {
    const auto run = check(fixture("valid/spec_short.cbor"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "valid: 1 report (cbor, short names, " +
                           std::to_string(size_of("valid/spec_short.cbor")) + " bytes)\n");
    const auto from_stdin = check("-", read_file(kReports / "valid/spec_long.cbor"));
    EXPECT_EQ(from_stdin.exit_code, 0);
    EXPECT_EQ(from_stdin.out, "valid: 1 report (cbor, long names, " +
                                  std::to_string(size_of("valid/spec_long.cbor")) + " bytes)\n");
}

TEST_F(CheckCommand, ValidatesSeveralDocuments) {
    const auto json = check(fixture("valid/two_reports.json"));
    EXPECT_EQ(json.exit_code, 0);
    EXPECT_EQ(json.out, "valid: 2 reports (json, long names, " +
                            std::to_string(size_of("valid/two_reports.json")) + " bytes)\n");
    const auto cbor = check(fixture("valid/two_reports.cbor"));
    EXPECT_EQ(cbor.exit_code, 0);
    EXPECT_EQ(cbor.out, "valid: 2 reports (cbor, short names, " +
                            std::to_string(size_of("valid/two_reports.cbor")) + " bytes)\n");
}

TEST_F(CheckCommand, PrintsOneLinePerViolation) {
    const auto run = check(fixture("invalid/python_short_mixed.json"));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out,
              "/met/tp/pts/0/port: mixed key styles: \"port\" in a short-name report (use "
              "\"pt\")\n");
    EXPECT_EQ(run.err, "");

    const auto several =
        check("-", R"({"header":{"report_id":0,"version":"1.0"},"metrics":{"listening_tcp_ports":)"
                   R"({"ports":[{"port":88888,"interface":"eth0"},{"port":99999}]}}})");
    EXPECT_EQ(several.exit_code, 1);
    EXPECT_EQ(several.out,
              "/header/report_id: report id must be positive\n"
              "/metrics/listening_tcp_ports/ports/0/port: 88888 is outside 1..65535\n"
              "/metrics/listening_tcp_ports/ports/1/port: 99999 is outside 1..65535\n");
}

TEST_F(CheckCommand, NumbersViolationsOfSeveralDocuments) {
    const auto good = read_file(kReports / "valid/spec_long.json");
    const auto bad = read_file(kReports / "invalid/report_id_zero.json");
    const auto run = check("-", good + bad + bad);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out,
              "report 2: /header/report_id: report id must be positive\n"
              "report 3: /header/report_id: report id must be positive\n");
}

TEST_F(CheckCommand, DocumentLevelViolationsAreShownAsDocument) {
    const auto empty = check("-", "");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_EQ(empty.out, "(document): empty input\n");

    const auto garbage = check("-", std::string("\x00\x01\xff garbage", 11));
    EXPECT_EQ(garbage.exit_code, 1);
    EXPECT_EQ(garbage.out, "(document): neither a JSON object nor a CBOR map\n");

    const auto cbor = check(fixture("invalid/truncated.cbor"));
    EXPECT_EQ(cbor.exit_code, 1);
    EXPECT_TRUE(cbor.out.starts_with("(document): not valid CBOR")) << cbor.out;
}

TEST_F(CheckCommand, UnreadableInputExitsTwoWithTheOsError) {
    const auto missing = (dir_ / "missing.json").string();
    const auto run = check(shell_quote(missing));
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "defender check: cannot open " + missing + ": No such file or directory\n");

    const auto directory = check(shell_quote(dir_.string()));
    EXPECT_EQ(directory.exit_code, 2);
    EXPECT_EQ(directory.err, "defender check: cannot read " + dir_.string() + ": Is a directory\n");
}

TEST_F(CheckCommand, DeepJsonAmongSeveralReportsIsAViolationNotACrash) {
    // Before: SIGSEGV in the recursive serializer that measured each document.
    const auto good = read_file(kReports / "valid/spec_long.json");
    const std::string deep =
        "{\"a\":" + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
    const auto run = check("-", good + deep + "\n" + good);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out, "report 2: (document): JSON nested more than 64 levels deep\n");
    EXPECT_EQ(run.err, "");
}

TEST_F(CheckCommand, DuplicateKeysAreAViolation) {
    // Before: accepted, the last copy winning.
    const auto run = check("-", R"({"hed":{"rid":7,"v":"1.0"},"met":{"ns":{"bi":1,"bi":2}}})");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out, "/met/ns/bi: duplicate key \"bi\": each member may appear only once\n");
}

TEST_F(CheckCommand, InputAbove16MiBExitsTwoWithoutReadingIt) {
    // Before: a file, standard input or /dev/zero was read whole (until bad_alloc for
    // /dev/zero) and then checked.
    const auto big = dir_ / "big.json";
    write_file(big, "{");
    fs::resize_file(big, 16 * 1024 * 1024 + 1);  // sparse
    const auto file = check(shell_quote(big));
    EXPECT_EQ(file.exit_code, 2);
    EXPECT_EQ(file.out, "");
    EXPECT_EQ(file.err, "defender check: " + big.string() + kTooLarge);

    const auto pipe = script("head -c 16777217 /dev/zero | \"$DEFENDER\" check -");
    EXPECT_EQ(pipe.exit_code, 2);
    EXPECT_EQ(pipe.err, std::string("defender check: standard input") + kTooLarge);

    const auto zero = check("/dev/zero");
    EXPECT_EQ(zero.exit_code, 2);
    EXPECT_EQ(zero.err, std::string("defender check: /dev/zero") + kTooLarge);

    write_file(big, read_file(kReports / "valid/spec_long.json"));
    fs::resize_file(big, 16 * 1024 * 1024);  // exactly the limit: read, and blanks are fine
    const auto at_limit = check("-q " + shell_quote(big));
    EXPECT_EQ(at_limit.exit_code, 1);  // NUL padding is not JSON
    EXPECT_EQ(at_limit.err, "");
}

TEST_F(CheckCommand, ReadsAFifoAndBoundsAnEndlessOne) {
    ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
    const auto report = kReports / "valid/spec_short.json";
    const auto run = script("cat " + shell_quote(report) +
                            " >\"$DIR/fifo\" & \"$DEFENDER\" check \"$DIR/fifo\"; code=$?; wait; "
                            "exit $code");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "valid: 1 report (json, short names, " +
                           std::to_string(size_of("valid/spec_short.json")) + " bytes)\n");
    // A writer that never stops: refused after 16 MiB (the writer then gets SIGPIPE).
    const auto endless =
        script("yes >\"$DIR/fifo\" & \"$DEFENDER\" check \"$DIR/fifo\"; code=$?; wait; exit $code");
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_EQ(endless.err, "defender check: " + (dir_ / "fifo").string() + kTooLarge);
}

TEST_F(CheckCommand, EveryInvalidFixtureExitsOne) {
    for (const auto& entry : fs::directory_iterator(kReports / "invalid")) {
        if (entry.path().filename() == "EXPECTED") continue;
        const auto run = check(shell_quote(entry.path()));
        EXPECT_EQ(run.exit_code, 1) << entry.path();
        EXPECT_FALSE(run.out.empty()) << entry.path();
        EXPECT_EQ(run.err, "") << entry.path();
    }
}

}  // namespace
