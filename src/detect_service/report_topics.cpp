// SPDX-License-Identifier: Apache-2.0
#include "detect_service/report_topics.hpp"

#include "defender/topics.hpp"

namespace defender::detect {
namespace {

constexpr std::string_view kThing = "{thingName}";
constexpr std::string_view kFormat = "{format}";
constexpr std::string_view kProfile = "{securityProfileName}";
// AWS IoT Core's topic limits: 256 bytes, at most 8 slashes (shared spec, topics).
constexpr std::size_t kMaxTopicBytes = 256;

std::vector<std::string> split_levels(std::string_view topic) {
    std::vector<std::string> levels;
    std::size_t start = 0;
    while (true) {
        const auto slash = topic.find('/', start);
        levels.emplace_back(topic.substr(start, slash - start));
        if (slash == std::string_view::npos) return levels;
        start = slash + 1;
    }
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

Result<ReportTopic> ReportTopic::parse(std::string_view topic_template) {
    const std::string shown = "--reports-topic \"" + std::string(topic_template) + "\"";
    if (topic_template.empty()) return Error{shown + ": the topic is empty"};
    if (topic_template.size() > kMaxTopicBytes) {
        return Error{shown + ": longer than AWS IoT's 256 bytes"};
    }
    ReportTopic topic;
    topic.levels_ = split_levels(topic_template);
    int things = 0;
    int formats = 0;
    for (const auto& level : topic.levels_) {
        if (level == kThing) {
            ++things;
        } else if (level == kFormat) {
            ++formats;
        } else if (level == "#") {
            return Error{shown + ": '#' cannot be used; {thingName} must name a level"};
        } else if (level != "+" && (level.find_first_of("+#{}") != std::string::npos)) {
            return Error{shown + ": the level \"" + level +
                         "\" mixes a placeholder or wildcard with text; use {thingName}, "
                         "{format} or + as a whole level"};
        }
    }
    for (std::size_t i = 0; i < topic.levels_.size(); ++i) {
        const auto& level = topic.levels_[i];
        if (i > 0) topic.filter_ += '/';
        topic.filter_ += (level == kThing || level == kFormat) ? std::string("+") : level;
    }
    if (things != 1) {
        return Error{shown + ": the template needs exactly one {thingName} level"};
    }
    if (formats > 1) return Error{shown + ": the template has more than one {format} level"};
    return topic;
}

ReportTopic ReportTopic::device_defender() {
    return parse("$aws/things/{thingName}/defender/metrics/{format}").value();
}

std::optional<ReportSource> ReportTopic::match(std::string_view topic) const {
    const auto levels = split_levels(topic);
    if (levels.size() != levels_.size()) return std::nullopt;
    ReportSource source;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const auto& pattern = levels_[i];
        if (pattern == kThing) {
            if (!validate_thing_name(levels[i]).ok()) return std::nullopt;
            source.thing_name = levels[i];
        } else if (pattern == kFormat) {
            source.format = parse_format(levels[i]);
            if (!source.format) return std::nullopt;
        } else if (pattern != "+" && pattern != levels[i]) {
            return std::nullopt;
        }
    }
    return source;
}

std::string violation_topic(std::string_view topic_template, std::string_view thing_name,
                            std::string_view profile_name) {
    std::string topic(topic_template);
    replace_all(topic, kThing, thing_name);
    replace_all(topic, kProfile, profile_name);
    return topic;
}

Status check_violation_topic(std::string_view topic_template) {
    const std::string shown = "--violations-topic \"" + std::string(topic_template) + "\"";
    if (topic_template.empty()) return Error{shown + ": the topic is empty"};
    if (topic_template.find_first_of("+#") != std::string_view::npos) {
        return Error{shown + ": a topic to publish to cannot have the wildcards + or #"};
    }
    std::string rest(topic_template);
    replace_all(rest, kThing, "");
    replace_all(rest, kProfile, "");
    if (rest.find_first_of("{}") != std::string::npos) {
        return Error{shown +
                     ": unknown placeholder; the known ones are {thingName} and "
                     "{securityProfileName}"};
    }
    return Done{};
}

}  // namespace defender::detect
