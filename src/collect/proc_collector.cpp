// PLACEHOLDER: replaced by the collector work.
#include "defender/collector.hpp"
#include <stdexcept>
namespace defender {
AddressSource system_address_source() { return {}; }
ProcCollector::ProcCollector(CollectorOptions options) : options_(std::move(options)) {}
Result<Snapshot> ProcCollector::collect() { return Error{"not implemented"}; }
std::string resolve_procfs_root(const std::string& explicit_root) { return explicit_root; }
}  // namespace defender
namespace defender {
std::unique_ptr<Collector> make_collector(CollectorOptions options) { return std::make_unique<ProcCollector>(std::move(options)); }
}  // namespace defender
