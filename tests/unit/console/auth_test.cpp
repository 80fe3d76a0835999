// SPDX-License-Identifier: Apache-2.0
// --http-auth-file: parsing, and Basic credentials checked against crypt(3) hashes.
#include <gtest/gtest.h>

#include "console/auth.hpp"
#include "util/base64.hpp"

namespace defender::console {
namespace {

// `openssl passwd -6 -salt saltsalt secret`
constexpr const char* kSecretHash =
    "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq."
    "H91p5hVO1";

std::string basic(const std::string& user_password) {
    return "Basic " + util::base64_encode(user_password);
}

TEST(ConsoleAuth, ChecksUserAndPasswordAgainstTheHash) {
    auto users = Users::parse(std::string("# people\n\nalice:") + kSecretHash + "\r\n", "auth");
    ASSERT_TRUE(users.ok()) << users.error().message;
    EXPECT_EQ(users->size(), 1u);
    EXPECT_TRUE(users->check(basic("alice:secret")));
    EXPECT_TRUE(users->check("basic " + util::base64_encode("alice:secret")));
    EXPECT_FALSE(users->check(basic("alice:Secret")));
    EXPECT_FALSE(users->check(basic("alice:")));
    EXPECT_FALSE(users->check(basic("bob:secret")));
    EXPECT_FALSE(users->check(basic("alicesecret")));
    EXPECT_FALSE(users->check("Basic !!!"));
    EXPECT_FALSE(users->check("Bearer x"));
    EXPECT_FALSE(users->check(""));
}

TEST(ConsoleAuth, RefusesLinesWithoutAHashAndUnsaltedSchemes) {
    for (const char* text :
         {"alice", ":$6$x$y", "alice:secret", "alice:$1$md5$abc", "\n# only\n"}) {
        auto users = Users::parse(text, "auth.txt");
        ASSERT_FALSE(users.ok()) << text;
        EXPECT_NE(users.error().message.find("auth file auth.txt"), std::string::npos);
    }
    EXPECT_NE(Users::parse("a:$6$s$h\nbad\n", "f").error().message.find("f:2"), std::string::npos);
}

TEST(ConsoleAuth, ConstantTimeEqual) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace defender::console
