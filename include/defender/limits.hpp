// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file limits.hpp
/// Size limits of reports (encode_within_limits in encode.hpp keeps to them).
/// Target: Defender::defender (stage report).

#include <cstddef>

namespace defender {

/// AWS IoT Core's largest MQTT payload; no encoded report may exceed it.
inline constexpr std::size_t kMaxPayloadBytes = 128 * 1024;

/// Default longest ports/connections list, as AWS's Python sample agent.
inline constexpr std::size_t kDefaultMaxListSize = 50;

}  // namespace defender
