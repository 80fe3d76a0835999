// SPDX-License-Identifier: Apache-2.0
#include "agent/client_loop.hpp"

#include <algorithm>

namespace defender {
namespace {

/// What a queued message holds in memory besides its topic and payload.
constexpr std::size_t kQueuedEventOverhead = 256;

}  // namespace

ClientLoop::ClientLoop(Transport& transport, LoopClock& clock, ClientLoopOptions options)
    : transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      backoff_(options_.backoff_initial, options_.backoff_max, options_.backoff_seed),
      events_({options_.queued_messages, options_.queued_message_bytes}) {}

void ClientLoop::stop() {
    stopping_ = true;
    events_.push(Wake{});
}

void ClientLoop::wake() {
    events_.push(Wake{});
}

Status ClientLoop::set_subscriptions(std::vector<std::string> filters) {
    subscriptions_ = std::move(filters);
    if (!transport_.is_connected()) return Done{};
    return transport_.subscribe(subscriptions_);
}

// Runs on the transport's thread. Connection events always get through; messages are bounded
// (event_queue.hpp), and a payload the handler would drop unread anyway is not kept while it
// waits.
void ClientLoop::queue(TransportEvent event) {
    auto* message = std::get_if<IncomingMessage>(&event);
    if (message == nullptr) return events_.push(std::move(event));
    if (message->payload.size() > options_.kept_payload_bytes) {
        message->dropped_payload_bytes += message->payload.size();
        std::string().swap(message->payload);
    }
    const std::size_t bytes =
        message->topic.capacity() + message->payload.capacity() + kQueuedEventOverhead;
    events_.push_droppable(std::move(event), bytes);
}

void ClientLoop::run(ClientHandler& handler) {
    transport_.set_event_sink([this](TransportEvent event) { queue(std::move(event)); });
    next_connect_ = clock_.now();
    while (!stopping_) {
        if (!transport_.is_connected() && clock_.now() >= next_connect_) try_connect(handler);
        auto deadline = handler.work(clock_.now());
        if (stopping_) break;
        if (!transport_.is_connected()) deadline = std::min(deadline, next_connect_);
        if (auto event = next_event(deadline)) dispatch(std::move(*event), handler);
        if (const std::size_t dropped = events_.take_dropped(); dropped != 0)
            handler.messages_dropped(dropped);
    }
    transport_.disconnect(std::chrono::seconds(2));
}

void ClientLoop::try_connect(ClientHandler& handler) {
    auto connected = transport_.connect();
    if (!connected) {
        const auto wait = backoff_.next();
        next_connect_ = clock_.now() + wait;
        handler.connect_failed(connected.error().message, wait, clock_.now());
        return;
    }
    if (auto subscribed = transport_.subscribe(subscriptions_); !subscribed) {
        transport_.disconnect(std::chrono::seconds(1));
        const auto wait = backoff_.next();
        next_connect_ = clock_.now() + wait;
        handler.subscribe_failed(subscribed.error().message, wait, clock_.now());
        return;
    }
    connected_at_ = clock_.now();
    handler.connected(*connected_at_);
}

std::optional<ClientLoop::Event> ClientLoop::next_event(LoopClock::Time deadline) {
    if (auto event = events_.try_pop()) return event;
    clock_.wait_until(deadline, events_);
    return events_.try_pop();
}

void ClientLoop::dispatch(Event event, ClientHandler& handler) {
    if (std::holds_alternative<Wake>(event)) {
        if (!stopping_) handler.woken();
        return;
    }
    auto& transport_event = std::get<TransportEvent>(event);
    const auto now = clock_.now();
    if (auto* lost = std::get_if<ConnectionLost>(&transport_event)) {
        if (connected_at_ && now - *connected_at_ >= options_.stable_link) backoff_.reset();
        connected_at_.reset();
        const auto wait = backoff_.next();
        next_connect_ = now + wait;
        handler.connection_lost(lost->reason, wait, now);
        return;
    }
    handler.message(std::get<IncomingMessage>(transport_event), now);
}

}  // namespace defender
