// When the kernel refuses netlink (here: a seccomp filter failing connect(2) with EACCES, as an
// LSM policy would), NetlinkCollector fails with one line and says it was a permission error.
// Runs in a death-test child so the filter never touches the test process.

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "defender/netlink_collector.hpp"

namespace defender {
namespace {

/// From now on connect(2) fails with EACCES in this process.
void deny_connect() {
    sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    const sock_fprog filter{.len = sizeof(program) / sizeof(program[0]), .filter = program};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) {
        std::fprintf(stderr, "cannot install seccomp filter\n");
        std::exit(2);
    }
}

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
