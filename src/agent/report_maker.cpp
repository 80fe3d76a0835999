// SPDX-License-Identifier: Apache-2.0
#include "agent/report_maker.hpp"

#include "defender/encode.hpp"

namespace defender {

Result<Snapshot> ReportMaker::collect() {
    auto snapshot = collector_.collect();
    if (!snapshot) {
        // One error per outage of a source, not one per report; the baseline stays, so the
        // traffic of the reports not sent is carried into the next one.
        log_(collect_failing_ ? LogLevel::debug : LogLevel::error,
             "cannot collect metrics: " + snapshot.error().message +
                 (collect_failing_ ? "" : "; reports resume when it can be read again"));
        collect_failing_ = true;
        return snapshot;
    }
    if (collect_failing_) log_(LogLevel::info, "metrics can be collected again");
    collect_failing_ = false;
    std::set<std::string> warnings(snapshot->warnings.begin(), snapshot->warnings.end());
    for (const auto& warning : warnings)
        log_(collector_warnings_.count(warning) ? LogLevel::debug : LogLevel::warn, warning);
    collector_warnings_ = std::move(warnings);
    return snapshot;
}

Report ReportMaker::build(const Snapshot& snapshot, const Baseline* since, std::uint64_t report_id,
                          const AgentOptions& options) {
    Report report = build_report(snapshot, since, report_id, options.build, random_);
    if (!options.custom_metrics) return report;
    auto reading = options.custom_metrics->read();
    for (const auto& notice : reading.notices)
        log_(notice.problem ? LogLevel::warn : LogLevel::info, notice.message);
    for (auto& metric : reading.metrics)
        report.custom_metrics.push_back(std::move(metric));
    return report;
}

Result<std::string> ReportMaker::encode(Report& report, const AgentOptions& options) {
    return encode_within_limits(report, options.encoding, options.max_report_bytes, random_);
}

}  // namespace defender
