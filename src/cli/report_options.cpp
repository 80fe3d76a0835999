#include "cli/report_options.hpp"

namespace defender::cli {

CollectorOptions ReportArgs::collector_options() const {
    CollectorOptions options;
    options.procfs = resolve_procfs_root(procfs);
    options.cpu = custom_metrics;
    return options;
}

Result<std::shared_ptr<CustomMetricSet>> ReportArgs::custom_metric_set() const {
    if (custom_metric_definitions.empty()) return std::shared_ptr<CustomMetricSet>();
    CustomMetricOptions options;
    options.procfs = resolve_procfs_root(procfs);
    options.max_list_size = max_list_size;
    auto set = std::make_shared<CustomMetricSet>(std::move(options));
    for (const auto& text : custom_metric_definitions) {
        const auto bad = [&](const std::string& reason) {
            return Error{"--custom-metric \"" + text + "\": " + reason};
        };
        auto definition = parse_custom_metric_definition(text);
        if (!definition) return bad(definition.error().message);
        if (custom_metrics && definition->name == "cpu_usage")
            return bad("cpu_usage is already added by --custom-metrics");
        if (auto added = set->add(std::move(*definition)); !added)
            return bad(added.error().message);
    }
    return set;
}

void add_report_options(CLI::App& command, ReportArgs& args, const std::string& short_names_flags) {
    command.add_option("-f,--format", args.format, "Report encoding")
        ->check(CLI::IsMember({"json", "cbor"}))
        ->capture_default_str();
    command.add_flag(short_names_flags, args.short_names, "Short field names (hed, met, ...)");
    command.add_flag("--custom-metrics,--include-custom-metrics", args.custom_metrics,
                     "Add the cpu_usage custom metric");
    command
        .add_option("--custom-metric", args.custom_metric_definitions,
                    "A custom metric: name=N,type=T,builtin=B|file=PATH|command=ARGV... "
                    "(repeatable; see docs/configuration.md)")
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
