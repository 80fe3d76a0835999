// SPDX-License-Identifier: Apache-2.0
#pragma once
// The report options shared by `defender collect` and `defender agent`.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "defender/collector.hpp"
#include "defender/custom_metrics.hpp"
#include "defender/encode.hpp"
#include "defender/report_builder.hpp"

namespace defender::cli {

struct ReportArgs {
    std::string format = "json";
    bool short_names = false;
    bool custom_metrics = false;  ///< the built-in cpu_usage, as AWS's Python agent
    std::vector<std::string> custom_metric_definitions;
    std::size_t max_list_size = kDefaultMaxListSize;
    std::string procfs;
    bool include_loopback = false;

    /// The encoding of the report; JSON for `--format table` (`collect` only), whose table is
    /// drawn from the report the JSON encoder would get.
    Format wire_format() const { return format == "table" ? Format::json : *parse_format(format); }
    /// `collect --format table`: a table for people instead of encoded reports.
    bool table() const { return format == "table"; }
    KeyStyle key_style() const {
        return short_names ? KeyStyle::short_names : KeyStyle::long_names;
    }
    CollectorOptions collector_options() const;
    BuildOptions build_options() const { return {include_loopback, custom_metrics, max_list_size}; }
    /// The `--custom-metric` definitions; the error names the bad one. Null when none.
    /// `warnings` receives one line per command= program other users may write.
    Result<std::shared_ptr<CustomMetricSet>> custom_metric_set(
        bool reap_orphans = false, std::vector<std::string>* warnings = nullptr) const;
};

/// `short_names_flags`: the CLI11 names of the short-names flag (the agent also takes `-s`,
/// which `collect` uses for the sample rate, as AWS's Python tools do). `table_format`: `--format`
/// also takes `table` (`collect`).
void add_report_options(CLI::App& command, ReportArgs& args, const std::string& short_names_flags,
                        bool table_format = false);

}  // namespace defender::cli
