// SPDX-License-Identifier: Apache-2.0
#pragma once
// Uniform sampling of a report's ports and connections lists: how encode_within_limits brings
// a report under kMaxPayloadBytes.

#include <cstddef>
#include <random>

#include "defender/report.hpp"

namespace defender {

/// Keeps a uniform random sample of at most `max_entries` of each ports/connections list
/// (sorted, for readable output); `total` fields are left untouched. 0 = no limit.
void sample_lists(Report& report, std::size_t max_entries, std::mt19937_64& random);

/// The length of the longest ports/connections list of the report.
std::size_t longest_list(const Report& report);

}  // namespace defender
