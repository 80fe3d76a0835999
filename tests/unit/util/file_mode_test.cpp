// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "util/file_mode.hpp"

namespace defender::util {
namespace {

TEST(FileMode, SaysWhoElseCanReadOrWrite) {
    EXPECT_EQ(access_by_others(0600, true, true), std::nullopt);
    EXPECT_EQ(access_by_others(0644, true, true), "readable by group and others");
    EXPECT_EQ(access_by_others(0644, false, true), std::nullopt);
    EXPECT_EQ(access_by_others(0664, false, true), "writable by group");
    EXPECT_EQ(access_by_others(0666, true, true),
              "readable by group and others, writable by group and others");
    EXPECT_EQ(access_by_others(0602, true, true), "writable by others");
    EXPECT_EQ(octal_mode(S_IFREG | 0640), "0640");
    EXPECT_EQ(octal_mode(01777), "1777");
}

}  // namespace
}  // namespace defender::util
