// SPDX-License-Identifier: Apache-2.0
#include "detect/compiled_behavior.hpp"

#include <algorithm>

#include "detect/statistics.hpp"
#include "detect/window.hpp"

namespace defender::detect {

std::uint64_t fingerprint_of(std::string_view text, std::uint64_t seed) {
    std::uint64_t hash = seed;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::variant<CompiledBehavior, std::string> compile_behavior(const Behavior& behavior,
                                                             std::size_t profile,
                                                             double time_scale) {
    const auto& criteria = *behavior.criteria;
    if (criteria.ml_confidence_level) {
        return std::string(
            "ML Detect behavior: models need 14 days and 25 000 datapoints to train; not "
            "evaluated");
    }
    CompiledBehavior compiled;
    compiled.profile = profile;
    compiled.behavior = &behavior;
    const std::string& metric = *behavior.metric;
    if (const MetricInfo* info = find_aws_metric(metric)) {
        if (info->source == MetricSource::cloud) {
            return "cloud-side metric " + metric +
                   ": measured by AWS IoT's broker, never in a device report; not evaluable";
        }
        compiled.source = info->source;
        compiled.kind = info->kind;
        compiled.summed = info->summed;
    } else {
        compiled.source = MetricSource::custom;
        compiled.kind = custom_metric_kind(criteria).value_or(MetricKind::number);
        compiled.custom_name = metric;
    }
    compiled.op = *criteria.comparison_operator;
    if (criteria.value) {
        const auto& value = *criteria.value;
        compiled.count = value.count.value_or(0);
        compiled.number = value.number.value_or(0.0);
        if (value.ports) compiled.ports = *value.ports;
        if (value.numbers) compiled.numbers = *value.numbers;
        if (value.strings) compiled.strings = *value.strings;
        if (value.cidrs) {
            for (const auto& text : *value.cidrs) {
                if (auto block = parse_cidr(text)) compiled.cidrs.push_back(*block);
            }
        }
        std::sort(compiled.ports.begin(), compiled.ports.end());
        std::sort(compiled.numbers.begin(), compiled.numbers.end());
        std::sort(compiled.strings.begin(), compiled.strings.end());
    }
    if (criteria.statistic) compiled.percentile = parse_statistic(*criteria.statistic);
    if (criteria.duration_seconds) {
        compiled.window_ms = scaled_millis(*criteria.duration_seconds, time_scale);
    }
    compiled.to_alarm = static_cast<int>(criteria.consecutive_datapoints_to_alarm.value_or(1));
    compiled.to_clear = static_cast<int>(criteria.consecutive_datapoints_to_clear.value_or(1));
    compiled.notify = !behavior.suppress_alerts.value_or(false);
    compiled.fingerprint = static_cast<std::uint32_t>(fingerprint_of(to_json(behavior)));
    return compiled;
}

}  // namespace defender::detect
