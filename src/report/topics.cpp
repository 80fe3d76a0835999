// SPDX-License-Identifier: Apache-2.0
#include "defender/topics.hpp"

#include <array>

namespace defender {
namespace {

constexpr std::string_view kPrefix = "$aws/things/";
constexpr std::string_view kMiddle = "/defender/metrics/";
constexpr std::size_t kMaxThingNameLength = 128;

bool is_thing_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '-';
}

struct Suffix {
    std::string_view text;
    Format format;
    TopicKind kind;
};

constexpr std::array<Suffix, 6> kSuffixes{{
    {"json", Format::json, TopicKind::publish},
    {"json/accepted", Format::json, TopicKind::accepted},
    {"json/rejected", Format::json, TopicKind::rejected},
    {"cbor", Format::cbor, TopicKind::publish},
    {"cbor/accepted", Format::cbor, TopicKind::accepted},
    {"cbor/rejected", Format::cbor, TopicKind::rejected},
}};

}  // namespace

Status validate_thing_name(std::string_view thing_name) {
    if (thing_name.empty()) return Error{"thing name is empty"};
    if (thing_name.size() > kMaxThingNameLength) {
        return Error{"thing name is " + std::to_string(thing_name.size()) +
                     " characters long; at most 128 are allowed"};
    }
    for (std::size_t i = 0; i < thing_name.size(); ++i) {
        if (!is_thing_name_char(thing_name[i])) {
            return Error{"thing name has a character not allowed at position " +
                         std::to_string(i + 1) + " (allowed: a-z A-Z 0-9 : _ -)"};
        }
    }
    return Done{};
}

Result<std::string> make_topic(std::string_view thing_name, Format format, TopicKind kind) {
    if (auto valid = validate_thing_name(thing_name); !valid) return valid.error();
    for (const auto& suffix : kSuffixes) {
        if (suffix.format == format && suffix.kind == kind) {
            std::string topic;
            topic.reserve(kPrefix.size() + thing_name.size() + kMiddle.size() + suffix.text.size());
            topic.append(kPrefix).append(thing_name).append(kMiddle).append(suffix.text);
            return topic;
        }
    }
    return Error{"unknown topic kind"};
}

std::optional<Topic> parse_topic(std::string_view topic) {
    if (!topic.starts_with(kPrefix)) return std::nullopt;
    topic.remove_prefix(kPrefix.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto thing_name = topic.substr(0, slash);
    if (!validate_thing_name(thing_name)) return std::nullopt;
    topic.remove_prefix(slash);
    if (!topic.starts_with(kMiddle)) return std::nullopt;
    topic.remove_prefix(kMiddle.size());
    for (const auto& suffix : kSuffixes) {
        if (topic == suffix.text) return Topic{std::string(thing_name), suffix.format, suffix.kind};
    }
    return std::nullopt;
}

}  // namespace defender
