// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file event_recorder.hpp
/// Collects TransportEvents from a transport's thread so a test can wait for them.
///
///     EventRecorder events;
///     transport.set_event_sink(events.sink());
///     auto message = events.wait_for_message(std::chrono::seconds(5));

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "defender/transport.hpp"

namespace defender::test {

class EventRecorder {
public:
    /// A sink that records into this recorder; the recorder must outlive the transport's use.
    EventSink sink() {
        return [this](TransportEvent event) {
            {
                std::lock_guard lock(mutex_);
                events_.push_back(std::move(event));
            }
            changed_.notify_all();
        };
    }

    /// The first recorded event of type T not yet taken, waiting up to `timeout`.
    template <class T>
    std::optional<T> wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        std::optional<T> found;
        changed_.wait_for(lock, timeout, [&] {
            for (auto it = events_.begin(); it != events_.end(); ++it) {
                if (auto* event = std::get_if<T>(&*it)) {
                    found = std::move(*event);
                    events_.erase(it);
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    std::optional<IncomingMessage> wait_for_message(std::chrono::milliseconds timeout) {
        return wait_for<IncomingMessage>(timeout);
    }
    std::optional<ConnectionLost> wait_for_connection_lost(std::chrono::milliseconds timeout) {
        return wait_for<ConnectionLost>(timeout);
    }

    /// Everything recorded and not yet taken.
    std::vector<TransportEvent> snapshot() const {
        std::lock_guard lock(mutex_);
        return events_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<TransportEvent> events_;
};

}  // namespace defender::test
