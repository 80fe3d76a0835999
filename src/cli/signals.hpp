#pragma once
// SIGINT/SIGTERM handling for the long-running commands: the signals are blocked in every
// thread and a dedicated thread waits for them, so the handler can do real work safely.

#include <atomic>
#include <functional>
#include <thread>

namespace defender::cli {

/// Blocks SIGINT and SIGTERM in the calling thread and the threads it creates afterwards.
/// Call before starting any thread (Paho's included).
void block_stop_signals();

class StopOnSignal {
public:
    explicit StopOnSignal(std::function<void()> on_stop);
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

private:
    std::atomic<bool> done_{false};
    std::thread waiter_;
};

}  // namespace defender::cli
