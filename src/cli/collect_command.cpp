// SPDX-License-Identifier: Apache-2.0
// `defender collect`: collect and print reports locally (AWS's Python `collector.py`), or
// (`--format table`) a table for people, redrawn in place with `--watch`.

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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
#include "view/table.hpp"

namespace defender::cli {
namespace {

struct CollectSettings {
    ReportArgs report;
    unsigned samples = 1;
    double sample_rate = 5.0;
    bool compact = false;
    std::string output;
    bool no_color = false;
    double watch = 0;            ///< seconds between redraws; 0: no --watch
    bool samples_given = false;  ///< -n was given (with --watch: that many redraws)
};

// The terminal controls of --watch, as `watch` draws: the alternate screen without a cursor
// while it runs, each redraw from the top of a cleared screen.
constexpr std::string_view kEnterWatch = "\x1b[?1049h\x1b[?25l";
constexpr std::string_view kLeaveWatch = "\x1b[?25h\x1b[?1049l";
constexpr std::string_view kRedraw = "\x1b[H\x1b[2J";

// "Every 2.0s: defender collect --format table   gateway: Mon Dec  7 03:10:00 2026".
std::string watch_header(double seconds, bool color) {
    char interval[32];
    std::snprintf(interval, sizeof interval, "%.1f", seconds);
    char host[256] = "";
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char when[64] = "";
    std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &local);
    std::string line = std::string("Every ") + interval + "s: defender collect --format table   " +
                       view::cell_text(host, 64) + ": " + when + "   (Ctrl-C quits)";
    return color ? "\x1b[1m" + line + "\x1b[0m\n" : line + "\n";
}

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
    bool terminal() const { return stream_ == &std::cout && isatty(STDOUT_FILENO); }
    bool write(std::string_view bytes, bool newline) {
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

// With --watch: SIGINT and SIGTERM end the loop (sigtimedwait), restoring the terminal.
class StopSignals {
public:
    StopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);  // before any thread starts
    }
    ~StopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    /// Waits until `until`; true when a stop signal came first.
    bool wait_until(std::chrono::steady_clock::time_point until) const {
        for (;;) {
            const auto left = until - std::chrono::steady_clock::now();
            if (left <= std::chrono::steady_clock::duration::zero()) return false;
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
            const timespec timeout{
                static_cast<time_t>(seconds.count()),
                static_cast<long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds).count())};
            if (sigtimedwait(&set_, nullptr, &timeout) > 0) return true;
        }
    }

private:
    sigset_t set_;
    sigset_t previous_;
};

int run_collect(const CollectSettings& settings) {
    const bool watching = settings.watch > 0;
    std::optional<StopSignals> stop_signals;
    if (watching) stop_signals.emplace();
    const bool table = settings.report.table();
    const auto format = settings.report.wire_format();
    const EncodeOptions encoding{format, settings.report.key_style(), !settings.compact};
    Output output;
    if (auto problem = output.open(settings.output, table ? Format::json : format);
        !problem.empty()) {
        spdlog::error("{}", problem);
        return kExitUsage;
    }
    const bool terminal = output.terminal();
    const bool color = view::use_color(terminal, settings.no_color, std::getenv("NO_COLOR"));
    // The alternate screen of --watch, left on every way out (before an error is logged, so
    // that the message stays on the main screen).
    struct Screen {
        Output& output;
        bool on = false;
        void leave() {
            if (on) output.write(kLeaveWatch, false);
            on = false;
        }
        ~Screen() { leave(); }
    } screen{output};

    auto custom_metrics = settings.report.custom_metric_set();
    if (!custom_metrics) {
        spdlog::error("{}", custom_metrics.error().message);
        return kExitUsage;
    }
    if (watching && terminal) screen.on = output.write(kEnterWatch, false);
    const auto collector = make_collector(settings.report.collector_options());
    const BuildOptions build = settings.report.build_options();
    std::mt19937_64 random{std::random_device{}()};
    ReportIdSequence report_ids;
    std::optional<Baseline> baseline;
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(watching ? settings.watch : settings.sample_rate));
    const unsigned samples = watching && !settings.samples_given ? 0 : settings.samples;
    std::optional<std::chrono::steady_clock::time_point> previous_time;

    for (unsigned sample = 0; samples == 0 || sample < samples; ++sample) {
        if (sample > 0) {
            if (stop_signals) {
                if (stop_signals->wait_until(start + period * sample)) break;
            } else {
                std::this_thread::sleep_until(start + period * sample);
            }
        }
        const auto now = std::chrono::steady_clock::now();
        auto snapshot = collector->collect();
        if (!snapshot) {
            screen.leave();
            spdlog::error("{}", snapshot.error().message);
            return kExitCannotRun;
        }
        for (const auto& warning : snapshot->warnings)
            spdlog::warn("{}", warning);
        Report report = build_report(*snapshot, baseline ? &*baseline : nullptr, report_ids.next(),
                                     build, random);
        baseline = baseline_of(*snapshot);
        if (*custom_metrics) add_custom_metrics(**custom_metrics, report);
        if (table) {
            // The report the JSON encoder would get, drawn for a person.
            view::TableStyle style{color, std::nullopt};
            if (previous_time)
                style.seconds_since_previous =
                    std::chrono::duration<double>(now - *previous_time).count();
            previous_time = now;
            std::string text;
            if (watching) {
                if (terminal) text = kRedraw;
                text += watch_header(settings.watch, color) + "\n";
            } else if (sample > 0) {
                text = "\n";
            }
            text += view::render_table(report, style);
            if (!output.write(text, false)) {
                screen.leave();
                spdlog::error("cannot write the table to {}",
                              settings.output.empty() ? "standard output" : settings.output);
                return kExitCannotRun;
            }
            continue;
        }
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
    add_report_options(*command, settings->report, "--short-names,--short_tags", true);
    command->add_flag("--compact", settings->compact, "One-line JSON instead of indented");
    command->add_option("-o,--output", settings->output,
                        "Write to FILE instead of standard output");
    command->add_flag("--no-color", settings->no_color,
                      "Table without color (also: environment variable NO_COLOR set)");
    command
        ->add_option("--watch", settings->watch,
                     "Redraw the table every SECONDS, in place, until Ctrl-C (with -n: N times)")
        ->check(finite_range(0.1, 86400.0))
        ->excludes("--sample-rate");
    command->footer(
        "Examples: defender collect --format table\n"
        "          defender collect --format table --watch 2\n"
        "          defender collect -n 2 -s 1 --custom-metrics");
    command->callback([settings, command, &exit_code] {
        settings->samples_given = command->count("--samples") > 0;
        if (settings->watch > 0 && !settings->report.table()) {
            spdlog::error("--watch needs --format table");
            exit_code = kExitUsage;
            return;
        }
        exit_code = run_collect(*settings);
    });
}

}  // namespace defender::cli
