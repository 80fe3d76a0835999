// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file fake_procfs.hpp
/// A procfs root for `--procfs` that a test changes while the agent reads it: socket tables
/// copied from a fixture, one interface whose counters the test sets, a boot id the test sets.
/// Every change is written to a temporary file and renamed, so readers never see half of one.

#include <cstdint>
#include <filesystem>
#include <string>

namespace defender::test {

class FakeProcfs {
public:
    /// Copies `fixture` (a directory with net/{tcp,tcp6,udp,udp6} and stat) to `root`.
    FakeProcfs(std::filesystem::path root, const std::filesystem::path& fixture);

    const std::filesystem::path& root() const { return root_; }
    /// Writes net/dev with `lo` and `eth0`, eth0 carrying these counters.
    void set_counters(std::uint64_t bytes_in, std::uint64_t packets_in, std::uint64_t bytes_out,
                      std::uint64_t packets_out);
    void set_boot_id(const std::string& boot_id);
    /// Moves `relative` (e.g. "net/tcp") aside / back, as if the kernel stopped providing it.
    void hide(const std::string& relative);
    void restore(const std::string& relative);

private:
    void replace(const std::string& relative, const std::string& content);
    std::filesystem::path root_;
};

}  // namespace defender::test
