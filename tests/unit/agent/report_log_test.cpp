// SPDX-License-Identifier: Apache-2.0
#include "agent/report_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace defender {
namespace {

namespace fs = std::filesystem;

class ReportLogTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("defender-report-log-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::set<std::string> names() const {
        std::set<std::string> found;
        for (const auto& entry : fs::directory_iterator(dir_))
            found.insert(entry.path().filename().string());
        return found;
    }
    fs::path dir_;
};

TEST_F(ReportLogTest, KeepsTheNewestReportsWithTheirOutcomes) {
    ReportLog log(dir_, 2);
    for (std::uint64_t id : {100u, 101u, 102u}) {
        ASSERT_TRUE(log.published(id, Format::json, "{\"id\":" + std::to_string(id) + "}").ok());
        ASSERT_TRUE(log.settled(id, id == 101 ? "rejected" : "accepted",
                                id == 101 ? "Throttled" : "", id == 101 ? "too fast" : "")
                        .ok());
    }
    ASSERT_TRUE(log.published(103, Format::cbor, std::string("\xa1\x00", 2)).ok());
    EXPECT_EQ(names(), (std::set<std::string>{"102.json", "102.reply.json", "103.cbor"}));
    std::ifstream in(dir_ / "102.reply.json");
    const auto reply = nlohmann::json::parse(in);
    EXPECT_EQ(reply["outcome"], "accepted");
    EXPECT_EQ(reply["report_id"], 102);
    EXPECT_TRUE(reply.contains("at"));
}

TEST_F(ReportLogTest, ARejectionKeepsTheServiceWordsAndOtherFilesAreLeftAlone) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "notes.txt") << "mine";
    ReportLog log(dir_, 1);
    ASSERT_TRUE(log.published(7, Format::json, "{}").ok());
    ASSERT_TRUE(log.settled(7, "rejected", "InvalidPayload", "bad\xff").ok());
    ASSERT_TRUE(log.published(8, Format::json, "{}").ok());
    EXPECT_EQ(names(), (std::set<std::string>{"8.json", "notes.txt"}));
    ASSERT_TRUE(log.settled(8, "rejected", "InvalidPayload", "bad\xff").ok());
    std::ifstream in(dir_ / "8.reply.json");
    const auto reply = nlohmann::json::parse(in);
    EXPECT_EQ(reply["error_code"], "InvalidPayload");
    EXPECT_EQ(reply["error_message"], "bad\xef\xbf\xbd");  // not UTF-8: replaced, not refused
}

TEST_F(ReportLogTest, AnUnwritableDirectoryIsAnErrorNotACrash) {
    ReportLog log("/proc/defender-no-such-dir", 3);
    const auto published = log.published(1, Format::json, "{}");
    ASSERT_FALSE(published.ok());
    EXPECT_NE(published.error().message.find("cannot write report log file"), std::string::npos)
        << published.error().message;
}

}  // namespace
}  // namespace defender
