// SPDX-License-Identifier: Apache-2.0
#pragma once
// A thread-safe FIFO the transport threads and the signal thread push into, and the agent's
// single loop waits on with a deadline.
//
// Two kinds of events. Those pushed with push() are always kept: a lost connection, a stop or
// reload request; they are few and the loop must see each. Those pushed with push_droppable()
// (messages from the broker, which a broker can send without end while the loop waits for a
// PUBACK or a metric command) are bounded: once more than `bound.events` of them, or more than
// `bound.bytes`, would be queued, the oldest are dropped. A burst thus keeps its newest
// messages (a reply comes after the report it answers), the order of what is kept does not
// change, and the memory held stays bounded whatever the sender does.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>

#include "agent/loop_clock.hpp"

namespace defender {

template <class Event>
class EventQueue final : public EventSource {
public:
    /// The most droppable events kept at once, by count and by the bytes their pushes named.
    struct Bound {
        std::size_t events = std::numeric_limits<std::size_t>::max();
        std::size_t bytes = std::numeric_limits<std::size_t>::max();
    };

    EventQueue() = default;
    explicit EventQueue(Bound bound) : bound_(bound) {}

    /// Queues an event that is never dropped.
    void push(Event event) {
        {
            std::lock_guard lock(mutex_);
            entries_.push_back(Entry{std::move(event), 0, false});
        }
        ready_.notify_one();
    }

    /// Queues an event that may be dropped to keep the bound; `bytes` is what it holds in
    /// memory. One larger than the whole byte bound is dropped at once.
    void push_droppable(Event event, std::size_t bytes) {
        {
            std::lock_guard lock(mutex_);
            if (bytes > bound_.bytes || bound_.events == 0) {
                ++dropped_;
                return;
            }
            while (droppable_events_ + 1 > bound_.events ||
                   droppable_bytes_ > bound_.bytes - bytes) {
                drop_oldest_droppable();
            }
            entries_.push_back(Entry{std::move(event), bytes, true});
            ++droppable_events_;
            droppable_bytes_ += bytes;
        }
        ready_.notify_one();
    }

    /// The next event, or nullopt when `deadline` passes first.
    std::optional<Event> pop_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_until(lock, deadline, [&] { return !entries_.empty(); }))
            return std::nullopt;
        return take_front();
    }

    /// The next event if one is queued, without waiting.
    std::optional<Event> try_pop() {
        std::lock_guard lock(mutex_);
        if (entries_.empty()) return std::nullopt;
        return take_front();
    }

    bool ready() const override {
        std::lock_guard lock(mutex_);
        return !entries_.empty();
    }

    bool wait_until(std::chrono::steady_clock::time_point deadline) override {
        std::unique_lock lock(mutex_);
        return ready_.wait_until(lock, deadline, [&] { return !entries_.empty(); });
    }

    /// How many droppable events were dropped since the last call.
    std::size_t take_dropped() {
        std::lock_guard lock(mutex_);
        const std::size_t dropped = dropped_;
        dropped_ = 0;
        return dropped;
    }

    /// Droppable events queued now, and the bytes their pushes named.
    std::size_t droppable_events() const {
        std::lock_guard lock(mutex_);
        return droppable_events_;
    }
    std::size_t droppable_bytes() const {
        std::lock_guard lock(mutex_);
        return droppable_bytes_;
    }

private:
    struct Entry {
        Event event;
        std::size_t bytes;
        bool droppable;
    };

    // Called with the lock held and at least one event queued.
    Event take_front() {
        Entry entry = std::move(entries_.front());
        entries_.pop_front();
        if (entry.droppable) {
            --droppable_events_;
            droppable_bytes_ -= entry.bytes;
        }
        return std::move(entry.event);
    }

    // Called with the lock held and at least one droppable event queued.
    void drop_oldest_droppable() {
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (!it->droppable) continue;
            --droppable_events_;
            droppable_bytes_ -= it->bytes;
            ++dropped_;
            entries_.erase(it);
            return;
        }
    }

    Bound bound_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Entry> entries_;
    std::size_t droppable_events_ = 0;
    std::size_t droppable_bytes_ = 0;
    std::size_t dropped_ = 0;
};

}  // namespace defender
