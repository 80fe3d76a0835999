#include "cli/signals.hpp"

#include <signal.h>

#include <ctime>

namespace defender::cli {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

void block_stop_signals() {
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopOnSignal::StopOnSignal(std::function<void()> on_stop)
    : waiter_([this, on_stop = std::move(on_stop)] {
          const sigset_t set = stop_signals();
          // Wake up now and then to notice that the owner is done.
          const timespec tick{0, 200'000'000};
          while (!done_) {
              if (sigtimedwait(&set, nullptr, &tick) > 0) {
                  on_stop();
                  return;
              }
          }
      }) {}

StopOnSignal::~StopOnSignal() {
    done_ = true;
    waiter_.join();
}

}  // namespace defender::cli
