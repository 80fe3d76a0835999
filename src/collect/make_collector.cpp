// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>

#include <memory>
#include <string>
#include <utility>

#include "collect/netlink_collector.hpp"
#include "defender/collector.hpp"

namespace defender {
namespace {

/// Whether `procfs_root` is this process's own procfs (the same mount, by device and inode):
/// then `<root>/net` shows this process's network namespace, which is exactly what netlink sees.
/// The host's procfs mounted into a container is another mount and fails this test.
bool is_own_procfs(const std::string& procfs_root) {
    struct stat own {};
    struct stat given {};
    return ::stat("/proc", &own) == 0 && ::stat(procfs_root.c_str(), &given) == 0 &&
           own.st_dev == given.st_dev && own.st_ino == given.st_ino;
}

/// Netlink until the kernel refuses it (seccomp, LSM policy), then /proc from then on.
class NetlinkOrProcCollector final : public Collector {
public:
    explicit NetlinkOrProcCollector(CollectorOptions options)
        : options_(std::move(options)), netlink_(options_) {}

    Result<Snapshot> collect() override {
        if (proc_) {
            return proc_->collect();
        }
        auto snapshot = netlink_.collect();
        if (snapshot || !netlink_.last_failure_was_permission()) {
            return snapshot;
        }
        const std::string refusal = snapshot.error().message;
        proc_ = std::make_unique<ProcCollector>(options_);
        auto from_proc = proc_->collect();
        if (from_proc) {
            from_proc->warnings.push_back(refusal + "; reading " + options_.procfs +
                                          " from now on");
        }
        return from_proc;
    }

private:
    CollectorOptions options_;
    NetlinkCollector netlink_;
    std::unique_ptr<ProcCollector> proc_;
};

}  // namespace

std::unique_ptr<Collector> make_collector(CollectorOptions options) {
    options.procfs = resolve_procfs_root(options.procfs);
    if (is_own_procfs(options.procfs) && NetlinkCollector::available()) {
        return std::make_unique<NetlinkOrProcCollector>(std::move(options));
    }
    return std::make_unique<ProcCollector>(std::move(options));
}

}  // namespace defender
