// SPDX-License-Identifier: Apache-2.0
#include "agent/mirror_topic.hpp"

#include <algorithm>

namespace defender {
namespace {

constexpr std::string_view kBasicIngest = "$aws/rules/";

// The part of a Basic Ingest topic that counts against the limits: after `$aws/rules/<rule>/`.
std::string_view counted_part(std::string_view topic) {
    if (!topic.starts_with(kBasicIngest)) return topic;
    const auto rule_end = topic.find('/', kBasicIngest.size());
    return rule_end == std::string_view::npos ? std::string_view() : topic.substr(rule_end + 1);
}

}  // namespace

Result<std::string> mirror_topic(std::string_view mirror_template, std::string_view thing_name,
                                 Format format) {
    const std::string quoted = "mirror topic \"" + std::string(mirror_template) + "\"";
    if (mirror_template.empty()) return Error{"the mirror topic is empty"};
    if (mirror_template.find_first_of("+#") != std::string_view::npos)
        return Error{quoted + " holds an MQTT wildcard (+ or #): a publish needs one topic"};
    if (mirror_template.find('\0') != std::string_view::npos)
        return Error{quoted + " holds a NUL character"};
    std::string topic;
    for (std::size_t at = 0; at < mirror_template.size();) {
        const auto open = mirror_template.find('{', at);
        topic += mirror_template.substr(at, open - at);
        if (open == std::string_view::npos) break;
        const auto close = mirror_template.find('}', open);
        if (close == std::string_view::npos)
            return Error{quoted + " has a { without }: placeholders are {thingName} and {format}"};
        const auto name = mirror_template.substr(open + 1, close - open - 1);
        if (name == "thingName") {
            topic += thing_name;
        } else if (name == "format") {
            topic += to_string(format);
        } else {
            return Error{quoted + " has an unknown placeholder {" + std::string(name) +
                         "}: placeholders are {thingName} and {format}"};
        }
        at = close + 1;
    }
    if (topic.find('}') != std::string::npos)
        return Error{quoted + " has a } without {: placeholders are {thingName} and {format}"};
    if (topic.starts_with('$') && !topic.starts_with(kBasicIngest))
        return Error{quoted +
                     " is a reserved topic ($...): only Basic Ingest's $aws/rules/<rule>/... "
                     "may be used"};
    const auto counted = counted_part(topic);
    if (counted.empty()) return Error{quoted + " has no topic after $aws/rules/<rule>/"};
    if (counted.size() > kMaxTopicBytes)
        return Error{quoted + " makes a topic of " + std::to_string(counted.size()) +
                     " bytes for this thing; AWS IoT Core allows at most 256"};
    if (const auto slashes =
            static_cast<std::size_t>(std::count(counted.begin(), counted.end(), '/'));
        slashes > kMaxTopicSlashes) {
        return Error{quoted + " makes a topic with " + std::to_string(slashes) +
                     " slashes; AWS IoT Core allows at most 7"};
    }
    return topic;
}

}  // namespace defender
