// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which topics carry reports to the detector, and whose: the Device Defender publish topics,
// and the templates given with --reports-topic (e.g. `dt/defender/{thingName}/metrics/{format}`
// for reports an agent mirrors with --mirror-topic), where {thingName} marks the level that
// names the thing and {format} the level that says json or cbor.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "defender/format.hpp"
#include "defender/result.hpp"

namespace defender::detect {

/// Whose report a message is, by its topic.
struct ReportSource {
    std::string thing_name;        ///< from the topic's {thingName} level
    std::optional<Format> format;  ///< from the {format} level; nullopt: told by the payload
};

/// One report topic template, parsed.
class ReportTopic {
public:
    /// Parses a template; it must have one {thingName} level, at most one {format} level, and
    /// only whole-level placeholders or `+` (no `#`).
    static Result<ReportTopic> parse(std::string_view topic_template);
    /// The Device Defender publish topics of every thing, json and cbor.
    static ReportTopic device_defender();

    /// The MQTT filter to subscribe to (placeholders as `+`).
    const std::string& filter() const { return filter_; }
    /// The source of a message on `topic`; nullopt when it does not match or names no thing.
    std::optional<ReportSource> match(std::string_view topic) const;

private:
    std::vector<std::string> levels_;  // literal, "+", "{thingName}" or "{format}"
    std::string filter_;
};

/// The topic of a violation event from a template with {thingName} and {securityProfileName}.
std::string violation_topic(std::string_view topic_template, std::string_view thing_name,
                            std::string_view profile_name);
/// Checks a violations topic template: not empty, no wildcards, known placeholders only.
Status check_violation_topic(std::string_view topic_template);

}  // namespace defender::detect
