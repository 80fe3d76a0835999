// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a behavior's values mean, checked against the metric it names: the service's
// ValidateSecurityProfileBehaviors, worded as the service words it ("Behavior <name> is
// malformed. <detail>"; the API's own constraints as "1 validation error detected: ...").

#include <cstddef>
#include <string>
#include <vector>

#include "defender/detect.hpp"

namespace defender::detect {

/// At most this many behaviors in one profile (the API's limit).
inline constexpr std::size_t kMaxBehaviors = 100;

/// Every problem of one behavior (`index` is its 0-based position in `behaviors`).
std::vector<std::string> check_behavior(const Behavior& behavior, std::size_t index);

/// Problems of the list as a whole: too many behaviors, a name used twice.
std::vector<std::string> check_behavior_list(const std::vector<Behavior>& behaviors);

/// Problems of the profile's own members: its name, its `targets`.
std::vector<std::string> check_profile_members(const SecurityProfile& profile, bool require_name);

/// True when `text` is 1..128 characters of `[a-zA-Z0-9:_-]` (names of profiles, behaviors
/// and custom metrics).
bool is_valid_name(std::string_view text);

}  // namespace defender::detect
