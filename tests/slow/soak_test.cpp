// SPDX-License-Identifier: Apache-2.0
// Soak: the agent runs 1 000 report cycles at a 50 ms interval against the local broker and
// the service emulator; after a warm-up its resident memory and open file count stay flat.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <thread>

#include "fault_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

struct Footprint {
    std::size_t cycles = 0;
    std::uint64_t rss_kib = 0;
    std::size_t open_files = 0;
};

Footprint footprint_of(pid_t pid, std::size_t cycles) {
    Footprint sample{cycles, 0, 0};
    const auto proc = std::filesystem::path("/proc") / std::to_string(pid);
    std::ifstream status(proc / "status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) sample.rss_kib = std::stoull(line.substr(6));
    }
    std::error_code error;
    for (auto it = std::filesystem::directory_iterator(proc / "fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        ++sample.open_files;
    }
    return sample;
}

TEST(Soak, AThousandCyclesKeepMemoryAndOpenFilesFlat) {
    constexpr std::size_t kCycles = 1000;
    constexpr std::size_t kWarmUp = 200;
    AgentRig rig;
    rig.start_emulator(0);
    ChildProcess agent(
        rig.agent({"-t", "thing-soak", "-i", "0.05", "--exit-after", std::to_string(kCycles)}));
    std::vector<Footprint> samples;
    std::size_t next_sample = kWarmUp;
    // Bounded: 1 000 cycles take about a minute; give up after three.
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (agent.running() && std::chrono::steady_clock::now() < deadline) {
        const auto accepted = accepted_ids(rig).size();
        if (accepted >= next_sample && accepted < kCycles) {
            samples.push_back(footprint_of(agent.pid(), accepted));
            next_sample += 100;
        }
        std::this_thread::sleep_for(100ms);
    }
    const auto status = agent.wait_for(10s);
    ASSERT_TRUE(status && status->success()) << agent.stderr_text().substr(0, 4000);
    const auto accepted = accepted_ids(rig).size();
    EXPECT_GE(accepted, kCycles - 5) << "nearly every report answered";
    ASSERT_GE(samples.size(), 5u);

    std::string figures;
    for (const auto& s : samples) {
        figures += std::to_string(s.cycles) + ":" + std::to_string(s.rss_kib) + "KiB/" +
                   std::to_string(s.open_files) + "fd ";
    }
    std::cout << "soak footprint (cycle:RSS/open files): " << figures << "\n";
    RecordProperty("footprint", figures);
    const auto [low_rss, high_rss] = std::minmax_element(
        samples.begin(), samples.end(), [](auto& a, auto& b) { return a.rss_kib < b.rss_kib; });
    const auto [low_fd, high_fd] =
        std::minmax_element(samples.begin(), samples.end(),
                            [](auto& a, auto& b) { return a.open_files < b.open_files; });
    // Flat: no more than 512 KiB of drift over 800 cycles (a leak of one report a cycle would
    // be several MiB); descriptors: one may be open for a moment (state file, netlink), a
    // leak of one a cycle would be hundreds.
    EXPECT_LE(high_rss->rss_kib - low_rss->rss_kib, 512u) << figures;
    EXPECT_LE(samples.back().rss_kib, samples.front().rss_kib + 512) << figures;
    EXPECT_LE(high_fd->open_files - low_fd->open_files, 2u) << figures;
    EXPECT_LE(samples.back().open_files, samples.front().open_files + 1) << figures;
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, ""), 0u) << "no warnings in a healthy run";
}

}  // namespace
}  // namespace defender::test
