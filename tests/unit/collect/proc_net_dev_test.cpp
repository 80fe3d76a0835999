// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_net_dev.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace defender {
namespace {

constexpr const char* kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

std::string describe(const InterfaceCounters& c) {
    return c.name + " " + std::to_string(c.bytes_in) + " " + std::to_string(c.packets_in) + " " +
           std::to_string(c.bytes_out) + " " + std::to_string(c.packets_out) +
           (c.loopback ? " loopback" : "");
}

std::vector<std::string> describe(const std::vector<InterfaceCounters>& interfaces) {
    std::vector<std::string> out;
    for (const auto& c : interfaces) {
        out.push_back(describe(c));
    }
    return out;
}

TEST(ProcNetDev, ParsesNamesAndSixteenColumns) {
    const std::string text =
        std::string(kHeader) +
        "    lo: 2627787   48039    0    0    0     0          0         0  2627787   48039    0  "
        "  0    0     0       0          0\n"
        "  eth0:5000000000 4294967296    1    2    0     0          0         3 4294967297 "
        "3000000    0    4    0     0       0          0\n"
        "br-lan:  123456     789    0    0    0     0          0         0   654321     987    0 "
        "   0    0     0       0          0\n"
        "eth0.100:    1000      10    0    0    0     0          0         0     2000      20    "
        "0    0    0     0       0          0\n"
        "br-1a2b3c4d5e6f:18446744073709551615 1 0 0 0 0 0 0 2 3 0 0 0 0 0 0\n";
    const auto table = parse_proc_net_dev(text);
    EXPECT_EQ(table.malformed_lines, 0u);
    EXPECT_EQ(describe(table.interfaces), (std::vector<std::string>{
                                              "lo 2627787 48039 2627787 48039",
                                              "eth0 5000000000 4294967296 4294967297 3000000",
                                              "br-lan 123456 789 654321 987",
                                              "eth0.100 1000 10 2000 20",
                                              "br-1a2b3c4d5e6f 18446744073709551615 1 2 3",
                                          }));
}

TEST(ProcNetDev, MalformedLinesAreCountedAndSkipped) {
    const std::string good = "  eth0: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n";
    const std::vector<std::string> bad = {
        "  eth1: 1 2 3\n",                                               // too few columns
        "  eth1: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0 7\n",                   // too many
        "  eth1: 1 2 0 0 0 0 0 0 3 x 0 0 0 0 0 0\n",                     // not a number
        "  eth1: 1 2 0 0 0 0 0 0 3 4x 0 0 0 0 0 0\n",                    // garbage in a number
        "  eth1: 18446744073709551616 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n",  // above 2^64 - 1
        "  eth1: -1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n",
        "     : 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n",  // no name
        "no colon here\n",
    };
    for (const auto& line : bad) {
        const auto table = parse_proc_net_dev(kHeader + good + line + good);
        EXPECT_EQ(table.malformed_lines, 1u) << line;
        EXPECT_EQ(describe(table.interfaces),
                  (std::vector<std::string>{"eth0 1 2 3 4", "eth0 1 2 3 4"}))
            << line;
    }
}

TEST(ProcNetDev, LastLineWithoutNewlineAndBlankLines) {
    const auto table =
        parse_proc_net_dev(std::string(kHeader) + "\n  eth0: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0");
    EXPECT_EQ(table.malformed_lines, 0u);
    EXPECT_EQ(describe(table.interfaces), (std::vector<std::string>{"eth0 1 2 3 4"}));
}

TEST(ProcNetDev, ReadSetsLoopbackFromSource) {
    AddressSource source;
    source.is_loopback = [](const std::string& name) { return name == "br-lan"; };
    std::vector<std::string> warnings;
    const auto interfaces =
        read_interface_counters(DEFENDER_FIXTURES "/proc/gateway", source, warnings);
    ASSERT_TRUE(interfaces.ok()) << interfaces.error().message;
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(interfaces->size(), 5u);
    EXPECT_EQ(describe((*interfaces)[0]), "lo 2627787 48039 2627787 48039");
    EXPECT_EQ(describe((*interfaces)[2]), "br-lan 123456 789 654321 987 loopback");
}

TEST(ProcNetDev, ReadWithoutSourceUsesTheNameLo) {
    std::vector<std::string> warnings;
    const auto interfaces =
        read_interface_counters(DEFENDER_FIXTURES "/proc/gateway", AddressSource{}, warnings);
    ASSERT_TRUE(interfaces.ok());
    EXPECT_TRUE((*interfaces)[0].loopback);
    EXPECT_FALSE((*interfaces)[1].loopback);
}

TEST(ProcNetDev, ReadFailureNamesTheFile) {
    std::vector<std::string> warnings;
    const auto interfaces = read_interface_counters("/nonexistent", AddressSource{}, warnings);
    ASSERT_FALSE(interfaces.ok());
    EXPECT_EQ(interfaces.error().message,
              "cannot read /nonexistent/net/dev: No such file or directory");
}

}  // namespace
}  // namespace defender
