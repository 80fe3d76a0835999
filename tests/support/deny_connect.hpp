// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file deny_connect.hpp
/// Makes connect(2) fail with EACCES in the calling process from now on (a seccomp filter), as
/// an LSM policy refusing netlink would. Netlink sockets connect to the kernel; the /proc
/// collector never connects. Call it in a child process only (e.g. a death test).

namespace defender::test {

/// Exits the process with code 2 when the filter cannot be installed.
void deny_connect();

}  // namespace defender::test
