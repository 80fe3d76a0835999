// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace defender {
namespace {

class ProcFile : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("defender_proc_file_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write(const std::string& name, const std::string& content) {
        const auto path = directory_ / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }

    std::filesystem::path directory_;
};

std::vector<std::string> lines_of(const std::string& path, std::size_t chunk_size, int* status) {
    std::vector<std::string> lines;
    *status = for_each_line(
        path, [&lines](std::string_view line) { lines.emplace_back(line); }, chunk_size);
    return lines;
}

TEST_F(ProcFile, SplitsLinesWhateverTheChunkSize) {
    const auto path = write("lines", "first\n\nthird line\na much longer fourth line\nlast");
    const std::vector<std::string> expected = {"first", "", "third line",
                                               "a much longer fourth line", "last"};
    for (const std::size_t chunk : {1, 2, 3, 5, 7, 16, 64, 64 * 1024}) {
        int status = -1;
        EXPECT_EQ(lines_of(path, chunk, &status), expected) << chunk;
        EXPECT_EQ(status, 0);
    }
}

TEST_F(ProcFile, TrailingNewlineGivesNoEmptyLastLine) {
    int status = -1;
    EXPECT_EQ(lines_of(write("a", "x\ny\n"), 4, &status), (std::vector<std::string>{"x", "y"}));
    EXPECT_TRUE(lines_of(write("empty", ""), 4, &status).empty());
    EXPECT_EQ(status, 0);
}

TEST_F(ProcFile, OverlongLinesAreCut) {
    const std::string overlong(kMaxLineLength + 1000, 'x');
    const auto path = write("long", "a\n" + overlong + "\nb\n" + overlong);
    const std::vector<std::string> expected = {"a", overlong.substr(0, kMaxLineLength), "b",
                                               overlong.substr(0, kMaxLineLength)};
    for (const std::size_t chunk : {7, 4096, 64 * 1024, 256 * 1024}) {
        int status = -1;
        EXPECT_EQ(lines_of(path, chunk, &status), expected) << chunk;
        EXPECT_EQ(status, 0);
    }
}

TEST_F(ProcFile, ErrorsAreErrnoValues) {
    int status = 0;
    lines_of((directory_ / "missing").string(), 64, &status);
    EXPECT_EQ(status, ENOENT);
    lines_of(directory_.string(), 64, &status);
    EXPECT_EQ(status, EISDIR);
}

TEST_F(ProcFile, ReadSmallFile) {
    const auto content = std::string(40000, 'x') + "\nend\n";
    const auto read = read_small_file(write("big", content));
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(*read, content);

    const auto missing = read_small_file((directory_ / "missing").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "cannot read " + (directory_ / "missing").string() + ": No such file or directory");

    const auto huge = read_small_file(write("huge", std::string(kMaxSmallFileSize + 1, 'x')));
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error().message,
              "cannot read " + (directory_ / "huge").string() + ": File too large");

    const auto directory = read_small_file(directory_.string());
    ASSERT_FALSE(directory.ok());
    EXPECT_EQ(directory.error().message, "cannot read " + directory_.string() + ": Is a directory");
}

}  // namespace
}  // namespace defender
