// SPDX-License-Identifier: Apache-2.0
#pragma once
// Makes one report: collects a snapshot (each collector warning and a failing collection are
// logged once per change, not once per report), builds the report against a baseline, adds
// the custom metrics, and encodes it within the size bound. Logs through the agent's sink.

#include <cstdint>
#include <random>
#include <set>
#include <string>

#include "defender/agent.hpp"
#include "defender/collector.hpp"
#include "defender/report.hpp"
#include "defender/report_builder.hpp"

namespace defender {

class ReportMaker {
public:
    /// `collector` must outlive the maker; `seed` drives the list sampling.
    ReportMaker(Collector& collector, LogSink log, std::uint64_t seed)
        : collector_(collector), log_(std::move(log)), random_(seed) {}

    /// A snapshot, or the collector's error (an error line at the first failure in a row, a
    /// debug line at the others; an info line when it works again).
    Result<Snapshot> collect();
    /// The report of `snapshot` with id `report_id`, its deltas since `since` (null: none),
    /// with the custom metrics of `options`.
    Report build(const Snapshot& snapshot, const Baseline* since, std::uint64_t report_id,
                 const AgentOptions& options);
    /// `report` encoded as `options` say, its lists sampled down to fit max_report_bytes.
    Result<std::string> encode(Report& report, const AgentOptions& options);

private:
    Collector& collector_;
    LogSink log_;
    std::mt19937_64 random_;
    bool collect_failing_ = false;
    std::set<std::string> collector_warnings_;  ///< those of the last collection
};

}  // namespace defender
