// SPDX-License-Identifier: Apache-2.0
#pragma once
// violationId: 32 hex digits, derived from what makes an alarm unique (thing, profile,
// behavior, the behavior's alarm count for that thing, start time), so evaluation stays pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace defender::detect {

std::pair<std::uint64_t, std::uint64_t> make_violation_id(std::string_view thing,
                                                          std::string_view profile,
                                                          std::string_view behavior,
                                                          std::uint32_t alarm_count,
                                                          std::int64_t start_ms);

/// The 32 lower-case hex digits of an id.
std::string format_violation_id(std::uint64_t high, std::uint64_t low);

}  // namespace defender::detect
