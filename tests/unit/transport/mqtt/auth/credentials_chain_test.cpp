// SPDX-License-Identifier: Apache-2.0
// The AWS credential chain's local sources (environment, shared credentials file), their
// precedence, the error when nothing is found, and expiry handling of the provider. The HTTP
// sources (container endpoint, IMDSv2) are in tests/integration/websocket_credentials_test.cpp.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "defender/aws_credentials.hpp"

namespace defender {
namespace {

namespace fs = std::filesystem;

class CredentialsChain : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("defender-creds-" + std::to_string(::getpid()) + "-" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_ / ".aws");
        env_ = {{"HOME", dir_.string()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
    }
    void TearDown() override { fs::remove_all(dir_); }

    CredentialChainOptions options() {
        CredentialChainOptions options;
        options.environment = [this](const std::string& name) -> std::optional<std::string> {
            const auto found = env_.find(name);
            if (found == env_.end()) return std::nullopt;
            return found->second;
        };
        options.http_timeout = std::chrono::milliseconds(500);
        return options;
    }

    void write_credentials(const fs::path& path, const std::string& text) {
        std::ofstream(path) << text;
    }

    fs::path dir_;
    std::map<std::string, std::string> env_;
};

TEST_F(CredentialsChain, EnvironmentComesFirst) {
    env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    env_["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    env_["AWS_SESSION_TOKEN"] = "env-token";
    write_credentials(dir_ / ".aws/credentials",
                      "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
    auto credentials = resolve_aws_credentials(options());
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDENV");
    EXPECT_EQ(credentials->secret_access_key, "env-secret");
    EXPECT_EQ(credentials->session_token, "env-token");
    EXPECT_EQ(credentials->source, "environment");
}

TEST_F(CredentialsChain, SharedFileDefaultProfileUnderHome) {
    write_credentials(
        dir_ / ".aws/credentials",
        "# comment\n[other]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=o\n"
        "[default]\n  aws_access_key_id = AKIDFILE \nAWS_SECRET_ACCESS_KEY=file/se+cret\n"
        "aws_session_token = tok\n");
    auto credentials = resolve_aws_credentials(options());
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDFILE");
    EXPECT_EQ(credentials->secret_access_key, "file/se+cret");
    EXPECT_EQ(credentials->session_token, "tok");
    EXPECT_NE(credentials->source.find("profile default"), std::string::npos);
}

TEST_F(CredentialsChain, SharedFileFromVariableAndProfile) {
    write_credentials(dir_ / "creds",
                      "[default]\naws_access_key_id=A\naws_secret_access_key=B\n"
                      "[device]\naws_access_key_id=AKIDDEV\naws_secret_access_key=D\n");
    env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "creds").string();
    env_["AWS_PROFILE"] = "device";
    auto credentials = resolve_aws_credentials(options());
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDDEV");
    EXPECT_TRUE(credentials->session_token.empty());
    EXPECT_FALSE(credentials->expiration);
}

TEST_F(CredentialsChain, NothingFoundListsEveryPlaceLookedAt) {
    env_["AWS_PROFILE"] = "device";
    write_credentials(dir_ / ".aws/credentials", "[default]\naws_access_key_id=A\n");
    auto credentials = resolve_aws_credentials(options());
    ASSERT_FALSE(credentials);
    const std::string& message = credentials.error().message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_NE(message.find("no AWS credentials found"), std::string::npos) << message;
    EXPECT_NE(message.find("environment: AWS_ACCESS_KEY_ID not set"), std::string::npos) << message;
    EXPECT_NE(message.find((dir_ / ".aws/credentials").string() + ": no profile [device]"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI "
                           "not set"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED"),
              std::string::npos)
        << message;
}

TEST_F(CredentialsChain, KeyIdWithoutSecretIsSkippedAndSaidSo) {
    env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    auto credentials = resolve_aws_credentials(options());
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY not set"), std::string::npos);
}

TEST_F(CredentialsChain, MissingFileIsNamed) {
    env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "nope").string();
    auto credentials = resolve_aws_credentials(options());
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find((dir_ / "nope").string() + ": cannot be read"),
              std::string::npos);
}

// Issue #19.7: a FIFO (or /dev/zero) as the credentials file once blocked the agent forever.
TEST_F(CredentialsChain, AFifoOrDeviceAsTheCredentialsFileIsRefusedWithoutBlocking) {
    const auto fifo = dir_ / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    for (const std::string& path : {fifo.string(), std::string("/dev/zero")}) {
        env_["AWS_SHARED_CREDENTIALS_FILE"] = path;
        auto credentials = resolve_aws_credentials(options());
        ASSERT_FALSE(credentials);
        EXPECT_NE(credentials.error().message.find(path + ": cannot be read (cannot read file " +
                                                   path + ": not a regular file)"),
                  std::string::npos)
            << credentials.error().message;
    }
}

// Issue #19.14: the token becomes an HTTP header line; CR/LF in it forged more headers.
TEST_F(CredentialsChain, AContainerTokenWithControlCharactersIsRefused) {
    env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/creds";
    const auto token_file = dir_ / "token";
    write_credentials(token_file, "abc\r\nX-Injected: 1\n");
    env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file.string();
    auto from_file = resolve_aws_credentials(options());
    ASSERT_FALSE(from_file);
    EXPECT_NE(from_file.error().message.find(
                  "container endpoint http://127.0.0.1:9/creds: the authorization token has a "
                  "control character"),
              std::string::npos)
        << from_file.error().message;

    write_credentials(token_file, std::string(20000, 'a'));
    auto too_large = resolve_aws_credentials(options());
    ASSERT_FALSE(too_large);
    EXPECT_NE(too_large.error().message.find("holds more than 16384 bytes"), std::string::npos)
        << too_large.error().message;

    env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "abc\nX-Injected: 1";
    auto from_variable = resolve_aws_credentials(options());
    ASSERT_FALSE(from_variable);
    EXPECT_NE(from_variable.error().message.find("the authorization token has a control character"),
              std::string::npos)
        << from_variable.error().message;
}

TEST(Iso8601, ParsesTheFormatsOfTheCredentialServices) {
    using std::chrono::system_clock;
    EXPECT_EQ(parse_iso8601_utc("2015-08-30T12:36:00Z"), system_clock::from_time_t(1440938160));
    EXPECT_EQ(parse_iso8601_utc("2015-08-30T12:36:00.123Z"), system_clock::from_time_t(1440938160));
    EXPECT_FALSE(parse_iso8601_utc("2015-08-30 12:36"));
    EXPECT_FALSE(parse_iso8601_utc("2015-08-30T12:36:00+02:00"));
}

}  // namespace
}  // namespace defender
