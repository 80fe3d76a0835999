// SPDX-License-Identifier: Apache-2.0
#pragma once
// One client of a broker on one thread: connects with backoff, subscribes at every connection,
// and hands what arrives to its handler, waiting in between on an injected clock. The agent
// and `defender emulate` each run one with their own handler (a self-hosted Detect service,
// subscribing to many devices' report topics, is meant to be a third); the transport only
// makes single attempts.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "agent/backoff.hpp"
#include "agent/event_queue.hpp"
#include "agent/loop_clock.hpp"
#include "defender/transport.hpp"

namespace defender {

struct ClientLoopOptions {
    std::chrono::milliseconds backoff_initial = std::chrono::seconds(1);  ///< first wait
    std::chrono::milliseconds backoff_max = std::chrono::minutes(2);      ///< longest wait
    /// A link that held this long was healthy: after it drops, the waits start short again. A
    /// broker that drops the client sooner (AWS IoT, when the policy denies a publish) makes
    /// them grow. Zero: after any connection.
    std::chrono::milliseconds stable_link = std::chrono::seconds(60);
    /// Messages waiting for the handler: at most this many, holding at most this many bytes;
    /// the oldest are dropped beyond that (event_queue.hpp). Lifecycle events always wait.
    std::size_t queued_messages = std::numeric_limits<std::size_t>::max();
    std::size_t queued_message_bytes = std::numeric_limits<std::size_t>::max();
    /// A payload larger than this is not kept while it waits: the message arrives with an
    /// empty payload and dropped_payload_bytes set.
    std::size_t kept_payload_bytes = std::numeric_limits<std::size_t>::max();
    std::uint64_t backoff_seed = std::random_device{}();  ///< the waits' jitter
};

/// What a client does with what its loop sees; called on the loop's thread.
class ClientHandler {
public:
    using Time = LoopClock::Time;

    /// Does the work due by `now` (a report, a time-out); returns when it next has some if
    /// no event comes first.
    virtual Time work(Time now) = 0;
    /// Connected and subscribed.
    virtual void connected(Time now) = 0;
    /// A connection attempt failed with `error`; the next one comes after `retry`.
    virtual void connect_failed(const std::string& error, std::chrono::milliseconds retry,
                                Time now) = 0;
    /// The broker refused the subscription: disconnected again; the next attempt after `retry`.
    virtual void subscribe_failed(const std::string& error, std::chrono::milliseconds retry,
                                  Time now) = 0;
    /// The link dropped; the next attempt comes after `retry`.
    virtual void connection_lost(const std::string& reason, std::chrono::milliseconds retry,
                                 Time now) = 0;
    /// A message arrived on a subscribed topic.
    virtual void message(const IncomingMessage& message, Time now) = 0;
    /// `count` messages were dropped from the full queue since the last call.
    virtual void messages_dropped(std::size_t count) { (void)count; }
    /// ClientLoop::wake() was called.
    virtual void woken() {}

protected:
    ~ClientHandler() = default;
};

class ClientLoop {
public:
    /// `transport` and `clock` must outlive the loop.
    ClientLoop(Transport& transport, LoopClock& clock, ClientLoopOptions options);
    ClientLoop(const ClientLoop&) = delete;
    ClientLoop& operator=(const ClientLoop&) = delete;

    /// Runs until stop(): connects (again after backoff), subscribes, and hands events to
    /// `handler` one at a time. Never gives up because the broker is unreachable. Disconnects
    /// before it returns.
    void run(ClientHandler& handler);
    /// Asks run() to return after the event at hand. Thread-safe.
    void stop();
    bool stopping() const { return stopping_; }
    /// Has run() call handler.woken() on its thread. Thread-safe.
    void wake();

    /// The topic filters subscribed at every connection; when connected, subscribed at once
    /// too (the result). Loop thread only.
    Status set_subscriptions(std::vector<std::string> filters);
    /// The whole path works: the next failure starts with the shortest wait again.
    void reset_backoff() { backoff_.reset(); }
    bool connected() const { return transport_.is_connected(); }
    /// For publishing, on the loop's thread.
    Transport& transport() { return transport_; }
    const ClientLoopOptions& options() const { return options_; }

private:
    struct Wake {};
    using Event = std::variant<TransportEvent, Wake>;

    void queue(TransportEvent event);
    void try_connect(ClientHandler& handler);
    std::optional<Event> next_event(LoopClock::Time deadline);
    void dispatch(Event event, ClientHandler& handler);

    Transport& transport_;
    LoopClock& clock_;
    ClientLoopOptions options_;
    Backoff backoff_;
    EventQueue<Event> events_;
    std::atomic<bool> stopping_{false};
    std::vector<std::string> subscriptions_;
    LoopClock::Time next_connect_{};
    std::optional<LoopClock::Time> connected_at_;
};

}  // namespace defender
