// SPDX-License-Identifier: Apache-2.0
#include "cli/report_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "util/file_mode.hpp"

namespace defender::cli {
namespace {

// The file posix_spawnp will run for `program`: a path as given, else the first match on PATH.
std::optional<std::string> program_path(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const auto colon = dirs.find(':');
        const std::string dir(dirs.substr(0, colon));
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string_view::npos) return std::nullopt;
        dirs.remove_prefix(colon + 1);
    }
}

// A program other users may change runs their code as the agent's user at every report.
std::optional<std::string> writable_program_warning(const CustomMetricDefinition& definition) {
    const auto* command = std::get_if<CommandSource>(&definition.source);
    if (!command || command->argv.empty()) return std::nullopt;
    const auto path = program_path(command->argv.front());
    struct stat status {};
    if (!path || ::stat(path->c_str(), &status) != 0) return std::nullopt;
    const auto access = util::access_by_others(status.st_mode, false, true);
    if (!access) return std::nullopt;
    return "custom metric \"" + definition.name + "\": program " + *path + " is " + *access +
           " (mode " + util::octal_mode(status.st_mode) +
           "); whoever can change it runs code as this user at every report";
}

}  // namespace

CollectorOptions ReportArgs::collector_options() const {
    CollectorOptions options;
    options.procfs = resolve_procfs_root(procfs);
    options.cpu = custom_metrics;
    return options;
}

Result<std::shared_ptr<CustomMetricSet>> ReportArgs::custom_metric_set(
    bool reap_orphans, std::vector<std::string>* warnings) const {
    if (custom_metric_definitions.empty()) return std::shared_ptr<CustomMetricSet>();
    CustomMetricOptions options;
    options.procfs = resolve_procfs_root(procfs);
    options.max_list_size = max_list_size;
    options.reap_orphans = reap_orphans;
    auto set = std::make_shared<CustomMetricSet>(std::move(options));
    for (const auto& text : custom_metric_definitions) {
        const auto bad = [&](const std::string& reason) {
            return Error{"--custom-metric \"" + text + "\": " + reason};
        };
        auto definition = parse_custom_metric_definition(text);
        if (!definition) return bad(definition.error().message);
        if (custom_metrics && definition->name == "cpu_usage")
            return bad("cpu_usage is already added by --custom-metrics");
        if (auto warning = writable_program_warning(*definition); warning && warnings)
            warnings->push_back(*warning);
        if (auto added = set->add(std::move(*definition)); !added)
            return bad(added.error().message);
    }
    return set;
}

void add_report_options(CLI::App& command, ReportArgs& args, const std::string& short_names_flags,
                        bool table_format) {
    if (table_format) {
        command
            .add_option("-f,--format", args.format,
                        "Report encoding, or table: aligned columns for a person")
            ->check(CLI::IsMember({"json", "cbor", "table"}))
            ->capture_default_str();
    } else {
        command.add_option("-f,--format", args.format, "Report encoding")
            ->check(CLI::IsMember({"json", "cbor"}))
            ->capture_default_str();
    }
    command.add_flag(short_names_flags, args.short_names, "Short field names (hed, met, ...)");
    command.add_flag("--custom-metrics,--include-custom-metrics", args.custom_metrics,
                     "Add the cpu_usage custom metric");
    command
        .add_option("--custom-metric", args.custom_metric_definitions,
                    "A custom metric: name=N,type=T,builtin=B|file=PATH|command=ARGV... "
                    "(repeatable; see configuration.md in /usr/share/doc/defender)")
        ->allow_extra_args(false)
        ->type_name("DEFINITION");
    command
        .add_option("-l,--max-list-size", args.max_list_size,
                    "Longest ports/connections list (sampled beyond; 0 = no limit)")
        ->capture_default_str();
    command.add_option("--procfs", args.procfs,
                       "Root of procfs to read (default: $PROCFS_PATH or /proc)");
    command.add_flag("--include-loopback", args.include_loopback,
                     "Count loopback traffic in network_stats");
}

}  // namespace defender::cli
