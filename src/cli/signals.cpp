// SPDX-License-Identifier: Apache-2.0
#include "cli/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace defender::cli {
namespace {

sigset_t handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

void block_stop_signals() {
    const sigset_t set = handled_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

StopOnSignal::StopOnSignal(std::function<void()> on_stop, std::function<void()> on_reload,
                           std::function<void()> on_ignored_reload) {
    // The threads inherit the mask: SIGTERM sent to the waiter by the destructor must stay
    // pending for sigwait, never reach the default action.
    block_stop_signals();
    const bool reloads = static_cast<bool>(on_reload);
    if (reloads) reloader_ = std::thread([this, on_reload] { run_reloads(on_reload); });
    waiter_ = std::thread([this, reloads, on_stop = std::move(on_stop),
                           on_ignored_reload = std::move(on_ignored_reload)] {
        const sigset_t set = handled_signals();
        // Sleeps until a signal arrives: no periodic wake-ups. The destructor wakes it with
        // a SIGTERM aimed at this thread after setting done_.
        int signal = 0;
        while (sigwait(&set, &signal) == 0 && !done_) {
            if (signal == SIGHUP) {
                if (reloads) {
                    std::lock_guard lock(mutex_);
                    reload_pending_ = true;
                    reload_wanted_.notify_one();
                } else if (on_ignored_reload) {
                    on_ignored_reload();
                }
                continue;
            }
            on_stop();
            return;
        }
    });
}

void StopOnSignal::run_reloads(const std::function<void()>& on_reload) {
    std::unique_lock lock(mutex_);
    for (;;) {
        reload_wanted_.wait(lock, [this] { return reload_pending_ || done_; });
        if (done_) return;
        reload_pending_ = false;  // several SIGHUPs during one reload: one more reload
        lock.unlock();
        on_reload();
        lock.lock();
    }
}

StopOnSignal::~StopOnSignal() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
        reload_wanted_.notify_one();
    }
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
    if (reloader_.joinable()) reloader_.join();
}

}  // namespace defender::cli
