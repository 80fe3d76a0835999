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
#include "defender/collector.hpp"
#include "defender/encode.hpp"
#include "defender/report_builder.hpp"

namespace defender::cli {
namespace {

struct CollectSettings {
    unsigned samples = 1;
    double sample_rate = 5.0;
    std::size_t max_list_size = kDefaultMaxListSize;
    bool short_names = false;
    bool custom_metrics = false;
    std::string format = "json";
    bool compact = false;
    std::string output;
    std::string procfs;
    bool include_loopback = false;
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
        if (!file_)
            return "cannot write " + path;
        stream_ = &file_;
        return {};
    }
    bool write(const std::string& bytes, bool newline) {
        stream_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (newline)
            *stream_ << '\n';
        stream_->flush();
        return static_cast<bool>(*stream_);
    }

  private:
    std::ofstream file_;
    std::ostream* stream_ = nullptr;
};

int run_collect(const CollectSettings& settings) {
    const auto format = parse_format(settings.format);
    const EncodeOptions encoding{
        *format, settings.short_names ? KeyStyle::short_names : KeyStyle::long_names,
        !settings.compact};
    Output output;
    if (auto problem = output.open(settings.output, *format); !problem.empty()) {
        spdlog::error("{}", problem);
        return kExitUsage;
    }

    CollectorOptions collector_options;
    collector_options.procfs = resolve_procfs_root(settings.procfs);
    collector_options.cpu = settings.custom_metrics;
    const auto collector = make_collector(collector_options);

    BuildOptions build{settings.include_loopback, settings.custom_metrics, settings.max_list_size};
    std::mt19937_64 random{std::random_device{}()};
    ReportIdSequence report_ids;
    std::optional<Baseline> baseline;
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(settings.sample_rate));

    for (unsigned sample = 0; sample < settings.samples; ++sample) {
        if (sample > 0)
            std::this_thread::sleep_until(start + period * sample);
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
        auto bytes = encode_within_limits(report, encoding, kMaxPayloadBytes, random);
        if (!bytes) {
            spdlog::error("{}", bytes.error().message);
            return kExitCannotRun;
        }
        if (!output.write(*bytes, *format == Format::json)) {
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
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str();
    command
        ->add_option("-l,--max-list-size", settings->max_list_size,
                     "Longest ports/connections list (sampled beyond; 0 = no limit)")
        ->capture_default_str();
    command->add_flag("--short-names,--short_tags", settings->short_names,
                      "Short field names (hed, met, ...)");
    command->add_flag("--custom-metrics,--include-custom-metrics", settings->custom_metrics,
                      "Add the cpu_usage custom metric");
    command->add_option("-f,--format", settings->format, "Encoding")
        ->check(CLI::IsMember({"json", "cbor"}))
        ->capture_default_str();
    command->add_flag("--compact", settings->compact, "One-line JSON instead of indented");
    command->add_option("-o,--output", settings->output,
                        "Write to FILE instead of standard output");
    command->add_option("--procfs", settings->procfs,
                        "Root of procfs to read (default: $PROCFS_PATH or /proc)");
    command->add_flag("--include-loopback", settings->include_loopback,
                      "Count loopback traffic in network_stats");
    command->footer("Example: defender collect -n 2 -s 1 --custom-metrics");
    command->callback([settings, &exit_code] { exit_code = run_collect(*settings); });
}

}  // namespace defender::cli
