// PLACEHOLDER: replaced soon.
#include "defender/report_builder.hpp"
#include <stdexcept>
namespace defender {
Baseline baseline_of(const Snapshot&) { throw std::logic_error("not implemented"); }
Report build_report(const Snapshot&, const Baseline*, std::uint64_t, const BuildOptions&) { throw std::logic_error("not implemented"); }
NetworkStats network_delta(const std::vector<InterfaceCounters>&, const std::vector<InterfaceCounters>&, bool) { throw std::logic_error("not implemented"); }
std::optional<double> cpu_usage_percent(const std::optional<CpuTimes>&, const CpuTimes&) { throw std::logic_error("not implemented"); }
}  // namespace defender
