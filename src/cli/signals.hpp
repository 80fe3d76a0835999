#pragma once
// Signal handling for the long-running commands: SIGINT, SIGTERM and SIGHUP are blocked in every
// thread and a dedicated thread waits for them, so the handlers can do real work safely.

#include <atomic>
#include <functional>
#include <thread>

namespace defender::cli {

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and the threads it creates
/// afterwards. Call before starting any thread (Paho's included).
void block_stop_signals();

/// Runs `on_stop` on the first SIGINT or SIGTERM, and `on_reload` on every SIGHUP before that.
/// Without `on_reload`, SIGHUP stops too (its default meaning: the terminal hung up).
class StopOnSignal {
public:
    explicit StopOnSignal(std::function<void()> on_stop, std::function<void()> on_reload = {});
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

private:
    std::atomic<bool> done_{false};
    std::thread waiter_;
};

}  // namespace defender::cli
