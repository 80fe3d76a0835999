// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cmath>

#include "defender/encode.hpp"
#include "report/sampling.hpp"

namespace defender {
Result<std::string> encode_within_limits(Report& report, const EncodeOptions& options,
                                         std::size_t max_bytes, std::mt19937_64& random) {
    std::string bytes = encode(report, options);
    if (bytes.size() <= max_bytes) return bytes;

    // Entries of one list are of similar size, so scaling the list lengths by the share of the
    // budget they may use gets close at once; a few more rounds absorb the rounding.
    Report bare = report;
    if (bare.metrics) {
        auto& metrics = *bare.metrics;
        if (metrics.listening_tcp_ports) metrics.listening_tcp_ports->ports.clear();
        if (metrics.listening_udp_ports) metrics.listening_udp_ports->ports.clear();
        if (metrics.established_connections) metrics.established_connections->connections.clear();
    }
    const std::size_t fixed = encode(bare, options).size();
    if (fixed > max_bytes) {
        return Error{"report is " + std::to_string(fixed) +
                     " bytes even without port and connection lists; the limit is " +
                     std::to_string(max_bytes)};
    }
    for (int round = 0; round < 16 && bytes.size() > max_bytes; ++round) {
        const double share =
            static_cast<double>(max_bytes - fixed) / static_cast<double>(bytes.size() - fixed);
        const auto longest = longest_list(report);
        auto keep =
            static_cast<std::size_t>(std::floor(static_cast<double>(longest) * share * 0.98));
        keep = std::min(keep, longest > 0 ? longest - 1 : 0);
        if (keep == 0) {
            report = bare;
            return encode(report, options);
        }
        sample_lists(report, keep, random);
        bytes = encode(report, options);
    }
    if (bytes.size() > max_bytes) {
        report = bare;
        return encode(report, options);
    }
    return bytes;
}

}  // namespace defender
