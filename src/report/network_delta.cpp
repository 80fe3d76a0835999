// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "defender/report_builder.hpp"

namespace defender {
namespace {

// A counter that went down was reset (interface re-created, driver reload, 32-bit wrap):
// count from zero rather than going negative.
std::uint64_t counter_delta(std::uint64_t before, std::uint64_t now) {
    return now >= before ? now - before : now;
}

}  // namespace

NetworkStats network_delta(const std::vector<InterfaceCounters>& since,
                           const std::vector<InterfaceCounters>& now, bool include_loopback) {
    NetworkStats total;
    for (const auto& current : now) {
        if (current.loopback && !include_loopback) continue;
        const auto previous = std::find_if(since.begin(), since.end(), [&](const auto& candidate) {
            return candidate.name == current.name;
        });
        const InterfaceCounters zero{};
        const InterfaceCounters& before = previous == since.end() ? zero : *previous;
        total.bytes_in += counter_delta(before.bytes_in, current.bytes_in);
        total.bytes_out += counter_delta(before.bytes_out, current.bytes_out);
        total.packets_in += counter_delta(before.packets_in, current.packets_in);
        total.packets_out += counter_delta(before.packets_out, current.packets_out);
    }
    return total;
}

}  // namespace defender
