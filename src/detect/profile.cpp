// SPDX-License-Identifier: Apache-2.0
// parse_security_profile and validate_security_profile_behaviors: the parser's shape checks,
// then the meaning of each well-formed behavior, then the profile as a whole.
#include <utility>

#include "defender/detect.hpp"
#include "detect/behavior_rules.hpp"
#include "detect/profile_parser.hpp"

namespace defender::detect {
namespace {

std::vector<std::string> behavior_problems(const ParsedBehaviors& parsed) {
    std::vector<std::string> errors = parsed.errors;
    for (std::size_t i = 0; i < parsed.behaviors.size(); ++i) {
        if (!parsed.well_formed[i]) continue;
        for (auto& error : check_behavior(parsed.behaviors[i], i))
            errors.push_back(error);
    }
    for (auto& error : check_behavior_list(parsed.behaviors))
        errors.push_back(error);
    return errors;
}

}  // namespace

Result<SecurityProfile> parse_security_profile(std::string_view json) {
    auto document = read_profile_json(json, "security profile");
    if (!document) return document.error();
    if (!document->is_object()) {
        return Error{
            "a security profile is a JSON object (as aws iot describe-security-profile "
            "prints it)"};
    }
    ParsedProfile parsed = parse_profile_object(*document, true);
    std::vector<std::string> errors = parsed.errors;
    for (auto& error : check_profile_members(parsed.profile, true))
        errors.push_back(error);
    for (auto& error : behavior_problems(parsed.behaviors))
        errors.push_back(error);
    if (!errors.empty()) return Error{errors.front()};
    parsed.profile.behaviors = std::move(parsed.behaviors.behaviors);
    return std::move(parsed.profile);
}

BehaviorsValidation validate_security_profile_behaviors(std::string_view json) {
    BehaviorsValidation result;
    std::vector<std::string> errors;
    auto document = read_profile_json(json, "behaviors");
    if (!document) {
        errors.push_back(document.error().message);
    } else if (document->is_array()) {
        errors = behavior_problems(parse_behavior_list(*document, "behaviors"));
    } else if (document->is_object()) {
        // `{"behaviors": [...]}` (the request body) or a whole profile.
        ParsedProfile parsed = parse_profile_object(*document, false);
        errors = parsed.errors;
        for (auto& error : check_profile_members(parsed.profile, false))
            errors.push_back(error);
        if (!document->contains("behaviors")) {
            errors.push_back("Missing required parameter in input: \"behaviors\"");
        }
        for (auto& error : behavior_problems(parsed.behaviors))
            errors.push_back(error);
    } else {
        errors.push_back(
            "behaviors should be a JSON list of behaviors or an object with a \"behaviors\" "
            "list");
    }
    for (auto& error : errors)
        result.validation_errors.push_back({std::move(error)});
    result.valid = result.validation_errors.empty();
    return result;
}

}  // namespace defender::detect
