// SPDX-License-Identifier: Apache-2.0
#pragma once
// A Collector whose implementation can be replaced while the agent runs (SIGHUP may change
// --procfs or --custom-metrics).

#include <memory>
#include <mutex>

#include "defender/collector.hpp"

namespace defender::cli {

class ReloadableCollector final : public Collector {
public:
    explicit ReloadableCollector(std::unique_ptr<Collector> collector)
        : collector_(std::move(collector)) {}

    Result<Snapshot> collect() override {
        std::lock_guard lock(mutex_);
        return collector_->collect();
    }

    void replace(std::unique_ptr<Collector> collector) {
        std::lock_guard lock(mutex_);
        collector_ = std::move(collector);
    }

private:
    std::mutex mutex_;
    std::unique_ptr<Collector> collector_;
};

}  // namespace defender::cli
