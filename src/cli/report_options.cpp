#include "cli/report_options.hpp"

namespace defender::cli {

CollectorOptions ReportArgs::collector_options() const {
    CollectorOptions options;
    options.procfs = resolve_procfs_root(procfs);
    options.cpu = custom_metrics;
    return options;
}

void add_report_options(CLI::App& command, ReportArgs& args, const std::string& short_names_flags) {
    command.add_option("-f,--format", args.format, "Report encoding")
        ->check(CLI::IsMember({"json", "cbor"}))
        ->capture_default_str();
    command.add_flag(short_names_flags, args.short_names, "Short field names (hed, met, ...)");
    command.add_flag("--custom-metrics,--include-custom-metrics", args.custom_metrics,
                     "Add the cpu_usage custom metric");
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
