// SPDX-License-Identifier: Apache-2.0
// make_collector: netlink for this process's own procfs, the /proc reader otherwise, and the
// /proc reader for good once the kernel refuses netlink.

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "collect/netlink_collector.hpp"
#include "defender/collector.hpp"
#include "deny_connect.hpp"

namespace defender {
namespace {

using test::deny_connect;

/// In a child: collects twice with netlink refused; prints each collection's warnings in
/// brackets, or `error: <message>`.
[[noreturn]] void collect_twice_with_netlink_refused(const std::string& procfs) {
    CollectorOptions options;
    options.procfs = procfs;
    const auto collector = make_collector(options);
    deny_connect();
    for (int round = 1; round <= 2; ++round) {
        const auto snapshot = collector->collect();
        if (!snapshot) {
            std::fprintf(stderr, "error: %s\n", snapshot.error().message.c_str());
            std::exit(1);
        }
        if (snapshot->tcp_listeners.empty() && snapshot->interfaces.empty()) {
            std::exit(3);
        }
        std::fprintf(stderr, "round %d:", round);
        for (const auto& warning : snapshot->warnings) {
            std::fprintf(stderr, " [%s]", warning.c_str());
        }
        std::fprintf(stderr, "\n");
    }
    std::exit(0);
}

class MakeCollector : public ::testing::Test {
protected:
    void SetUp() override {
        if (!NetlinkCollector::available()) {
            GTEST_SKIP() << "NETLINK_SOCK_DIAG is not available here";
        }
    }
};

TEST_F(MakeCollector, OwnProcfsUsesNetlinkAndFallsBackToProcWhenRefused) {
    EXPECT_EXIT(collect_twice_with_netlink_refused("/proc"), ::testing::ExitedWithCode(0),
                "^round 1: \\[netlink sock_diag dump of tcp/ipv4 failed: Permission denied; "
                "reading /proc from now on\\]\nround 2:\n$");
}

TEST_F(MakeCollector, OtherSpellingsOfTheOwnProcfsUseNetlinkToo) {
    EXPECT_EXIT(collect_twice_with_netlink_refused("/proc/./"), ::testing::ExitedWithCode(0),
                "^round 1: \\[netlink sock_diag dump of tcp/ipv4 failed: Permission denied; "
                "reading /proc/./ from now on\\]\nround 2:\n$");
}

TEST_F(MakeCollector, AnotherProcfsRootIsReadAsFiles) {
    // Netlink would succeed here (it reads no files without cpu): only the /proc reader fails.
    CollectorOptions options;
    options.procfs = "/nonexistent-procfs";
    const auto snapshot = make_collector(options)->collect();
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.error().message,
              "cannot read /nonexistent-procfs/net/tcp: No such file or directory");
}

TEST_F(MakeCollector, ProcfsRootFromTheEnvironmentIsHonoured) {
    EXPECT_EXIT(
        {
            ::setenv("PROCFS_PATH", "/nonexistent-procfs", 1);
            const auto snapshot = make_collector(CollectorOptions{.procfs = ""})->collect();
            std::fprintf(stderr, "%s\n", snapshot ? "no error" : snapshot.error().message.c_str());
            std::exit(0);
        },
        ::testing::ExitedWithCode(0),
        "^cannot read /nonexistent-procfs/net/tcp: No such file or directory\n$");
}

TEST_F(MakeCollector, WithoutRefusalNetlinkCollectsWithoutWarnings) {
    const auto snapshot = make_collector(CollectorOptions{})->collect();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_TRUE(snapshot->warnings.empty());
    EXPECT_FALSE(snapshot->interfaces.empty());
}

}  // namespace
}  // namespace defender
