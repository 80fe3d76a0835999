// SPDX-License-Identifier: Apache-2.0
#include "fake_procfs.hpp"

#include <fstream>
#include <stdexcept>

namespace defender::test {

FakeProcfs::FakeProcfs(std::filesystem::path root, const std::filesystem::path& fixture)
    : root_(std::move(root)) {
    std::filesystem::create_directories(root_ / "sys/kernel/random");
    std::filesystem::copy(fixture, root_,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
    set_counters(0, 0, 0, 0);
    set_boot_id("00000000-0000-4000-8000-000000000001");
}

void FakeProcfs::set_counters(std::uint64_t bytes_in, std::uint64_t packets_in,
                              std::uint64_t bytes_out, std::uint64_t packets_out) {
    const auto n = [](std::uint64_t value) { return std::to_string(value); };
    replace("net/dev",
            "Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
            "errs drop fifo colls carrier compressed\n"
            "    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n"
            "  eth0: " +
                n(bytes_in) + " " + n(packets_in) + " 0 0 0 0 0 0 " + n(bytes_out) + " " +
                n(packets_out) + " 0 0 0 0 0 0\n");
}

void FakeProcfs::set_boot_id(const std::string& boot_id) {
    replace("sys/kernel/random/boot_id", boot_id + "\n");
}

void FakeProcfs::hide(const std::string& relative) {
    std::filesystem::rename(root_ / relative, root_ / (relative + ".hidden"));
}

void FakeProcfs::restore(const std::string& relative) {
    std::filesystem::rename(root_ / (relative + ".hidden"), root_ / relative);
}

void FakeProcfs::replace(const std::string& relative, const std::string& content) {
    // A hidden file changes where it hides, so that restore() brings back the new content.
    auto target = root_ / relative;
    if (std::filesystem::exists(target.string() + ".hidden")) target += ".hidden";
    const auto temporary = target.string() + ".new";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out) throw std::runtime_error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, target);
}

}  // namespace defender::test
