// SPDX-License-Identifier: Apache-2.0
// The encodings of src/util/ that Greengrass IPC, proxy authentication and the state file share.
#include <gtest/gtest.h>

#include <string>

#include "util/base64.hpp"
#include "util/crc32.hpp"

namespace defender::util {
namespace {

TEST(Base64, RoundTripsAndRefusesNonCanonicalText) {
    for (const std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
        EXPECT_EQ(base64_decode(base64_encode(bytes)).value(), bytes);
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode(std::string("\xff\x00", 2)), "/wA=");
    for (const char* bad : {"Zm8", "Zm=8", "Z===", "Zm9v!mFy", "=m8="})
        EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(Crc32, IsTheZlibCrc32) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
    EXPECT_EQ(crc32(""), 0u);
    // Continuing a running CRC equals one pass over the concatenation.
    EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u);
}

}  // namespace
}  // namespace defender::util
