// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "validate/remote_addr.hpp"

namespace defender {
namespace {

TEST(CheckRemoteAddr, AcceptsDottedQuadAndBracketedIpv6) {
    for (const char* address :
         {"192.0.2.10:443", "10.78.164.107:1900", "0.0.0.0:1", "255.255.255.255:65535",
          "[2001:db8::1]:80", "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:80", "[::1]:22",
          "[fe80::843:a8ff:fe18:a879]:59432"}) {
        EXPECT_EQ(check_remote_addr(address), std::nullopt) << address;
    }
}

TEST(CheckRemoteAddr, RejectsIpv4MappedIpv6) {
    EXPECT_EQ(check_remote_addr("[::ffff:192.0.2.1]:443"),
              "\"[::ffff:192.0.2.1]:443\" is an IPv4-mapped IPv6 address; write it as plain "
              "IPv4 (\"192.0.2.1:port\")");
}

TEST(CheckRemoteAddr, RejectsMalformedAddresses) {
    EXPECT_EQ(check_remote_addr("192.0.2.10"),
              "\"192.0.2.10\" has no port (expected \"a.b.c.d:port\" or \"[ipv6]:port\")");
    EXPECT_EQ(check_remote_addr("2001:db8::1:80"),
              "\"2001:db8::1:80\": an IPv6 address must be in brackets (\"[ipv6]:port\")");
    EXPECT_EQ(check_remote_addr("192.0.2.10:0"), "\"192.0.2.10:0\" has port 0, outside 1..65535");
    EXPECT_EQ(check_remote_addr("192.0.2.10:65536"),
              "\"192.0.2.10:65536\" has port 65536, outside 1..65535");
    EXPECT_EQ(check_remote_addr(""),
              "remote address is empty (expected \"a.b.c.d:port\" or \"[ipv6]:port\")");
    for (const char* address :
         {"192.0.2:80", "192.0.2.256:80", "192.000.2.1:80", "host:80", "192.0.2.10:",
          "192.0.2.10:-1", "192.0.2.10:+80", "192.0.2.10:080", "192.0.2.10:8o", "192.0.2.10:123456",
          ":80", "[2001:db8::1]", "[2001:db8::1]80", "[2001:db8::1:80", "[192.0.2.1]:80",
          "[fe80::1%eth0]:80", "[2001:db8::1]:0", " 192.0.2.10:80", "192.0.2.10:80 "}) {
        EXPECT_NE(check_remote_addr(address), std::nullopt) << address;
    }
}

}  // namespace
}  // namespace defender
