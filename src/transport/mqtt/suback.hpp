// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a SUBACK: one return code per topic filter, the granted QoS (0..2) or 0x80 for a
// refusal. A lower granted QoS than asked for is accepted (the broker's right in MQTT).

#include <string>
#include <vector>

#include "defender/result.hpp"

namespace defender::mqtt {

inline constexpr int kSubscriptionRefused = 0x80;

Status check_suback(const std::vector<std::string>& topic_filters,
                    const std::vector<int>& return_codes);

}  // namespace defender::mqtt
