// SPDX-License-Identifier: Apache-2.0
#pragma once
// A Transport for tests on a ManualClock, driven from the loop's own thread: connects at once
// (or refuses), acknowledges publishes (or lets one time out, still in flight), and hands each
// publish to a `service` the test writes; the test drops the link and delivers messages.

#include <functional>
#include <string>
#include <vector>

#include "defender/transport.hpp"
#include "manual_clock.hpp"

namespace defender::testing {

class ScriptedTransport final : public Transport {
public:
    struct Publish {
        std::string topic;
        std::string payload;
        LoopClock::Time at;
    };

    explicit ScriptedTransport(ManualClock& clock) : clock_(clock) {}

    void set_event_sink(EventSink sink) override { sink_ = std::move(sink); }
    Status connect() override {
        ++connects;
        if (!refusal.empty()) return Error{refusal};
        connected_ = true;
        return Done{};
    }
    bool is_connected() const override { return connected_; }
    Status subscribe(const std::vector<std::string>& filters) override {
        subscriptions.push_back(filters);
        if (!subscribe_refusal.empty()) return Error{subscribe_refusal};
        return Done{};
    }
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout) override {
        if (!connected_) return Error{"not connected"};
        if (unacknowledged_publishes > 0) {
            --unacknowledged_publishes;
            clock_.advance(timeout);
            sent_without_puback.push_back({topic, payload, clock_.now()});
            return Error{"no PUBACK within the timeout"};
        }
        publishes.push_back({topic, payload, clock_.now()});
        if (service) service(publishes.back());
        return Done{};
    }
    void disconnect(std::chrono::milliseconds) override { connected_ = false; }

    /// The link drops; connect() keeps failing with `refusal` until it is cleared.
    void drop(const std::string& reason = "the broker closed the connection") {
        connected_ = false;
        sink_(ConnectionLost{reason});
    }
    /// A message arrives from the broker.
    void deliver(const std::string& topic, const std::string& payload) {
        sink_(IncomingMessage{topic, payload});
    }

    std::string refusal;               ///< non-empty: connect() fails with it
    std::string subscribe_refusal;     ///< non-empty: subscribe() fails with it
    int unacknowledged_publishes = 0;  ///< the next ones time out, sent but with no PUBACK
    /// Sees every acknowledged publish (a Device Defender stand-in); may deliver replies.
    std::function<void(const Publish&)> service;

    int connects = 0;
    std::vector<std::vector<std::string>> subscriptions;
    std::vector<Publish> publishes;
    std::vector<Publish> sent_without_puback;

private:
    ManualClock& clock_;
    EventSink sink_;
    bool connected_ = false;
};

}  // namespace defender::testing
