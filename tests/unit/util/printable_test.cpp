// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "util/printable.hpp"

namespace defender::util {
namespace {

TEST(Printable, ControlCharactersCannotStartALineOrReachATerminal) {
    EXPECT_EQ(printable("Throttled"), "Throttled");
    EXPECT_EQ(printable("a\nACCEPTED thing=x"), "a\\nACCEPTED thing=x");
    EXPECT_EQ(printable("\x1b[31mred\r"), "\\x1b[31mred\\r");
    EXPECT_EQ(printable(std::string("nul\0!", 5)), "nul\\x00!");
    EXPECT_EQ(printable("tab\tdel\x7f back\\slash"), "tab\\tdel\\x7f back\\slash");
    EXPECT_EQ(printable(printable("a\nb")), "a\\nb");  // escaping twice changes nothing more
    EXPECT_EQ(printable("grüße"), "grüße");
}

TEST(Printable, LongTextIsCutWithTheCountOfWhatWasLeftOut) {
    EXPECT_EQ(printable(std::string(300, 'a'), 256), std::string(256, 'a') + "…(44 more bytes)");
    EXPECT_EQ(printable("short", 256), "short");
}

}  // namespace
}  // namespace defender::util
