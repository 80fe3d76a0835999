// SPDX-License-Identifier: Apache-2.0
#pragma once
// Signal handling for the long-running commands: SIGINT, SIGTERM and SIGHUP are blocked in every
// thread and a dedicated thread waits for them, so the handlers can do real work safely.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace defender::cli {

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and the threads it creates
/// afterwards, and ignores SIGPIPE (a log reader that went away must not kill the process
/// before it saves its state). Call before starting any thread.
void block_stop_signals();

/// Runs `on_stop` on the first SIGINT or SIGTERM. Each SIGHUP runs `on_reload` on a thread of
/// its own, so a reload that is slow never delays a stop; without `on_reload`, SIGHUP is
/// ignored and `on_ignored_reload` (if any) says so.
class StopOnSignal {
public:
    explicit StopOnSignal(std::function<void()> on_stop, std::function<void()> on_reload = {},
                          std::function<void()> on_ignored_reload = {});
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

private:
    void run_reloads(const std::function<void()>& on_reload);

    std::atomic<bool> done_{false};
    std::mutex mutex_;
    std::condition_variable reload_wanted_;
    bool reload_pending_ = false;
    std::thread reloader_;
    std::thread waiter_;
};

}  // namespace defender::cli
