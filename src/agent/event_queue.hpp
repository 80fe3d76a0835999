#pragma once
// A thread-safe FIFO the transport threads and the signal thread push into, and the agent's
// single loop waits on with a deadline.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace defender {

template <class Event>
class EventQueue {
public:
    void push(Event event) {
        {
            std::lock_guard lock(mutex_);
            events_.push_back(std::move(event));
        }
        ready_.notify_one();
    }

    /// The next event, or nullopt when `deadline` passes first.
    std::optional<Event> pop_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_until(lock, deadline, [&] { return !events_.empty(); }))
            return std::nullopt;
        Event event = std::move(events_.front());
        events_.pop_front();
        return event;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Event> events_;
};

}  // namespace defender
