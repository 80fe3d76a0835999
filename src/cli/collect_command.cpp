// SPDX-License-Identifier: Apache-2.0
// `defender collect`: collect and print reports locally (AWS's Python `collector.py`).

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "agent/report_ids.hpp"
#include "cli/commands.hpp"
#include "cli/option_checks.hpp"
#include "cli/report_options.hpp"
#include "defender/collector.hpp"
#include "defender/encode.hpp"
#include "defender/report_builder.hpp"

namespace defender::cli {
namespace {

struct CollectSettings {
    ReportArgs report;
    unsigned samples = 1;
    double sample_rate = 5.0;
    bool compact = false;
    std::string output;
};

class Output {
public:
    // Returns an error message, or an empty string.
    std::string open(const std::string& path, Format format) {
        if (path.empty() || path == "-") {
            if (format == Format::cbor && isatty(STDOUT_FILENO)) {
                return "refusing to write binary CBOR to a terminal; use -o FILE or a pipe";
            }
            stream_ = &std::cout;
            return {};
        }
        file_.open(path, std::ios::binary | std::ios::trunc);
        if (!file_) return "cannot write " + path;
        stream_ = &file_;
        return {};
    }
    bool write(const std::string& bytes, bool newline) {
        stream_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (newline) *stream_ << '\n';
        stream_->flush();
        return static_cast<bool>(*stream_);
    }

private:
    std::ofstream file_;
    std::ostream* stream_ = nullptr;
};

void add_custom_metrics(CustomMetricSet& set, Report& report) {
    auto reading = set.read();
    for (const auto& notice : reading.notices) {
        if (notice.problem)
            spdlog::warn("{}", notice.message);
        else
            spdlog::info("{}", notice.message);
    }
    for (auto& metric : reading.metrics)
        report.custom_metrics.push_back(std::move(metric));
}

int run_collect(const CollectSettings& settings) {
    const auto format = settings.report.wire_format();
    const EncodeOptions encoding{format, settings.report.key_style(), !settings.compact};
    Output output;
    if (auto problem = output.open(settings.output, format); !problem.empty()) {
        spdlog::error("{}", problem);
        return kExitUsage;
    }

    auto custom_metrics = settings.report.custom_metric_set();
    if (!custom_metrics) {
        spdlog::error("{}", custom_metrics.error().message);
        return kExitUsage;
    }
    const auto collector = make_collector(settings.report.collector_options());
    const BuildOptions build = settings.report.build_options();
    std::mt19937_64 random{std::random_device{}()};
    ReportIdSequence report_ids;
    std::optional<Baseline> baseline;
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(settings.sample_rate));

    for (unsigned sample = 0; sample < settings.samples; ++sample) {
        if (sample > 0) std::this_thread::sleep_until(start + period * sample);
        auto snapshot = collector->collect();
        if (!snapshot) {
            spdlog::error("{}", snapshot.error().message);
            return kExitCannotRun;
        }
        for (const auto& warning : snapshot->warnings)
            spdlog::warn("{}", warning);
        Report report = build_report(*snapshot, baseline ? &*baseline : nullptr, report_ids.next(),
                                     build, random);
        baseline = baseline_of(*snapshot);
        if (*custom_metrics) add_custom_metrics(**custom_metrics, report);
        auto bytes = encode_within_limits(report, encoding, kMaxPayloadBytes, random);
        if (!bytes) {
            spdlog::error("{}", bytes.error().message);
            return kExitCannotRun;
        }
        if (!output.write(*bytes, format == Format::json)) {
            spdlog::error("cannot write the report to {}",
                          settings.output.empty() ? "standard output" : settings.output);
            return kExitCannotRun;
        }
    }
    return kExitOk;
}

}  // namespace

void add_collect_command(CLI::App& app, int& exit_code) {
    auto settings = std::make_shared<CollectSettings>();
    CLI::App* command = app.add_subcommand(
        "collect", "Collect metrics and print Device Defender reports (no network)");
    command->add_option("-n,--samples", settings->samples, "Number of reports")
        ->check(CLI::Range(1u, 1000000u))
        ->capture_default_str();
    command->add_option("-s,--sample-rate", settings->sample_rate, "Seconds between reports")
        ->check(finite_range(0.0, 86400.0))
        ->capture_default_str();
    add_report_options(*command, settings->report, "--short-names,--short_tags");
    command->add_flag("--compact", settings->compact, "One-line JSON instead of indented");
    command->add_option("-o,--output", settings->output,
                        "Write to FILE instead of standard output");
    command->footer("Example: defender collect -n 2 -s 1 --custom-metrics");
    command->callback([settings, &exit_code] { exit_code = run_collect(*settings); });
}

}  // namespace defender::cli
