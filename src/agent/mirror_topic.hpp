// SPDX-License-Identifier: Apache-2.0
#pragma once
// `--mirror-topic TEMPLATE`: a second topic each report's bytes are published on, so that a
// detector or an IoT rule can read them where the reserved Device Defender topic cannot be
// subscribed (AWS IoT Core). The template holds {thingName} and {format} (json or cbor).

#include <string>
#include <string_view>

#include "defender/format.hpp"
#include "defender/result.hpp"

namespace defender {

/// AWS IoT Core's limits on a topic name (device-defender-report.md §1.3).
inline constexpr std::size_t kMaxTopicBytes = 256;
inline constexpr std::size_t kMaxTopicSlashes = 7;

/// The topic `mirror_template` makes for `thing_name` and `format`. Errors (one line, naming the
/// template): empty, an unknown or unclosed placeholder, an MQTT wildcard (+ or #), a reserved
/// `$` topic other than Basic Ingest's `$aws/rules/`, longer than 256 bytes or more than 7
/// slashes once expanded (Basic Ingest's `$aws/rules/<rule>/` prefix not counted, as AWS IoT
/// Core counts it).
Result<std::string> mirror_topic(std::string_view mirror_template, std::string_view thing_name,
                                 Format format);

}  // namespace defender
