// SPDX-License-Identifier: Apache-2.0
#pragma once
// JSON -> profile model. Shape problems (missing, unknown or mistyped members) are worded as
// the AWS CLI words them for the same input ("Missing required parameter in ...", "Unknown
// parameter in ...", "Invalid type for parameter ..."); what the values mean is checked later
// (behavior_rules.hpp). Top-level members a profile may carry besides are ignored, so a file
// saved from `aws iot describe-security-profile` loads unchanged.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "defender/detect.hpp"
#include "defender/result.hpp"

namespace defender::detect {

/// Largest profile document read (a profile of 100 behaviors with long lists is far smaller).
inline constexpr std::size_t kMaxProfileBytes = 1024 * 1024;
/// Deepest nesting read (a profile has 5 levels).
inline constexpr std::size_t kMaxProfileDepth = 32;

/// Parses JSON text under the limits above; the error names what was read (`what`).
Result<nlohmann::json> read_profile_json(std::string_view text, std::string_view what);

/// Behaviors read from a document, each with its shape problems.
struct ParsedBehaviors {
    std::vector<Behavior> behaviors;
    /// Per behavior: false when it had a shape problem (its meaning is then not checked).
    std::vector<bool> well_formed;
    std::vector<std::string> errors;  ///< document order
};

/// Reads a `behaviors` list (`path` is how the CLI names it: `behaviors`).
ParsedBehaviors parse_behavior_list(const nlohmann::json& list, const std::string& path);

/// A profile read from a document, with its shape problems.
struct ParsedProfile {
    SecurityProfile profile;
    ParsedBehaviors behaviors;        ///< profile.behaviors is moved from here
    std::vector<std::string> errors;  ///< profile-level shape problems
};

/// Reads a profile object; `require_name` for CreateSecurityProfile bodies and files.
ParsedProfile parse_profile_object(const nlohmann::json& object, bool require_name);

}  // namespace defender::detect
