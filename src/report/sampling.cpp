// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "report/sampling.hpp"

namespace defender {
namespace {

// Partial Fisher-Yates: every subset of size `keep` is equally likely.
template <class T>
void sample_in_place(std::vector<T>& entries, std::size_t keep, std::mt19937_64& random) {
    if (keep == 0 || entries.size() <= keep) return;
    for (std::size_t i = 0; i < keep; ++i) {
        std::uniform_int_distribution<std::size_t> pick(i, entries.size() - 1);
        std::swap(entries[i], entries[pick(random)]);
    }
    entries.resize(keep);
    std::sort(entries.begin(), entries.end());
}

}  // namespace

void sample_lists(Report& report, std::size_t max_entries, std::mt19937_64& random) {
    if (!report.metrics) return;
    auto& metrics = *report.metrics;
    if (metrics.listening_tcp_ports)
        sample_in_place(metrics.listening_tcp_ports->ports, max_entries, random);
    if (metrics.listening_udp_ports)
        sample_in_place(metrics.listening_udp_ports->ports, max_entries, random);
    if (metrics.established_connections) {
        sample_in_place(metrics.established_connections->connections, max_entries, random);
    }
}

std::size_t longest_list(const Report& report) {
    if (!report.metrics) return 0;
    const auto& metrics = *report.metrics;
    std::size_t longest = 0;
    if (metrics.listening_tcp_ports)
        longest = std::max(longest, metrics.listening_tcp_ports->ports.size());
    if (metrics.listening_udp_ports)
        longest = std::max(longest, metrics.listening_udp_ports->ports.size());
    if (metrics.established_connections) {
        longest = std::max(longest, metrics.established_connections->connections.size());
    }
    return longest;
}

}  // namespace defender
