#pragma once
/// @file limits.hpp
/// Size limits of reports and the uniform sampling that enforces them.
/// Target: Defender::defender (stage report).

#include <cstddef>
#include <random>

#include "defender/report.hpp"

namespace defender {

/// AWS IoT Core's largest MQTT payload; no encoded report may exceed it.
inline constexpr std::size_t kMaxPayloadBytes = 128 * 1024;

/// Default longest ports/connections list, as AWS's Python sample agent.
inline constexpr std::size_t kDefaultMaxListSize = 50;

/// Keeps a uniform random sample of at most `max_entries` of each ports/connections list
/// (sorted, for readable output); `total` fields are left untouched. 0 = no limit.
void sample_lists(Report& report, std::size_t max_entries, std::mt19937_64& random);

/// The length of the longest ports/connections list of the report.
std::size_t longest_list(const Report& report);

}  // namespace defender
