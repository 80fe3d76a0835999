// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file topics.hpp
/// The six Device Defender MQTT topics of a thing:
/// `$aws/things/<thing>/defender/metrics/<json|cbor>[/accepted|/rejected]`.
/// Target: Defender::defender (stage report).

#include <optional>
#include <string>
#include <string_view>

#include "defender/format.hpp"
#include "defender/result.hpp"

namespace defender {

/// Which of a thing's Device Defender topics.
enum class TopicKind { publish, accepted, rejected };

/// A parsed Device Defender topic.
struct Topic {
    std::string thing_name;               ///< thing name in the topic
    Format format = Format::json;         ///< format in the topic (`json` or `cbor`)
    TopicKind kind = TopicKind::publish;  ///< publish, accepted or rejected
    friend bool operator==(const Topic&, const Topic&) = default;
};

/// 1-128 characters of `[a-zA-Z0-9:_-]`; the error says what is wrong.
Status validate_thing_name(std::string_view thing_name);

/// The topic string; the thing name must be valid.
Result<std::string> make_topic(std::string_view thing_name, Format format, TopicKind kind);

/// Matches exactly one of the six topics (case-sensitive, no trailing segments).
std::optional<Topic> parse_topic(std::string_view topic);

}  // namespace defender
