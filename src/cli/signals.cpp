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
}

StopOnSignal::StopOnSignal(std::function<void()> on_stop, std::function<void()> on_reload) {
    // The waiter inherits the mask: SIGTERM sent to it by the destructor must stay pending for
    // sigwait, never reach the default action.
    block_stop_signals();
    waiter_ = std::thread([this, on_stop = std::move(on_stop), on_reload = std::move(on_reload)] {
        const sigset_t set = handled_signals();
        // Sleeps until a signal arrives: no periodic wake-ups. The destructor wakes it with
        // a SIGTERM aimed at this thread after setting done_.
        int signal = 0;
        while (sigwait(&set, &signal) == 0 && !done_) {
            if (signal == SIGHUP && on_reload) {
                on_reload();
                continue;
            }
            on_stop();
            return;
        }
    });
}

StopOnSignal::~StopOnSignal() {
    done_ = true;
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
}

}  // namespace defender::cli
