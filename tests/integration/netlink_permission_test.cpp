// SPDX-License-Identifier: Apache-2.0
// When the kernel refuses netlink (here: a seccomp filter failing connect(2) with EACCES, as an
// LSM policy would), NetlinkCollector fails with one line and says it was a permission error.
// Runs in a death-test child so the filter never touches the test process.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "collect/netlink_collector.hpp"
#include "deny_connect.hpp"

namespace defender {
namespace {

using test::deny_connect;

TEST(NetlinkPermission, RefusedNetlinkIsAOneLinePermissionFailure) {
    if (!NetlinkCollector::available()) {
        GTEST_SKIP() << "NETLINK_SOCK_DIAG is not available here";
    }
    EXPECT_EXIT(
        {
            NetlinkCollector collector{CollectorOptions{}};
            deny_connect();
            const auto snapshot = collector.collect();
            if (snapshot.ok()) {
                std::exit(3);
            }
            std::fprintf(stderr, "[%s]\n", snapshot.error().message.c_str());
            std::exit(collector.last_failure_was_permission() ? 0 : 4);
        },
        ::testing::ExitedWithCode(0),
        "^\\[netlink sock_diag dump of tcp/ipv4 failed: Permission denied\\]\n$");
}

}  // namespace
}  // namespace defender
