// SPDX-License-Identifier: Apache-2.0
#pragma once
// The console's /metrics page (issue #16): the Prometheus text exposition format 0.0.4 of the
// detector's fleet and counters. Each family is written once (`# HELP`, `# TYPE`, its samples
// in the things' order); label values are escaped as the format says (backslash, double quote,
// newline; bytes that are not UTF-8 become U+FFFD): thing and custom metric names come from the
// network. Pure: values in, text out.
// docs/console.md ("Prometheus metrics") lists the families.

#include <string>
#include <vector>

#include "defender/detect_store.hpp"
#include "detect_service/detect_service.hpp"

namespace defender::view {

/// The /metrics page: per-thing gauges from each thing's summary and latest datapoint, and the
/// detector's counters.
std::string prometheus_text(const std::vector<detect::ThingSummary>& things,
                            const std::vector<detect::Datapoint>& latest,
                            const detect::DetectCounters& counters);

/// A label value as the text format writes it between double quotes: backslash, double quote
/// and newline escaped, bytes that are not UTF-8 replaced by U+FFFD.
std::string prometheus_label_value(std::string_view value);

}  // namespace defender::view
