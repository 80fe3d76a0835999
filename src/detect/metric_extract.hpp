// SPDX-License-Identifier: Apache-2.0
#pragma once
// The value of a behavior's metric in one decoded report (docs/detect.md, "Metrics"): counts
// from `network_stats` and the lists' `total`, port numbers, the addresses of established
// connections, custom metrics of the kind the behavior expects. monostate when the report does
// not carry it (no datapoint).

#include "defender/detect.hpp"
#include "defender/report.hpp"
#include "detect/compiled_behavior.hpp"

namespace defender::detect {

StoredValue extract_metric(const CompiledBehavior& behavior, const Report& report);

}  // namespace defender::detect
