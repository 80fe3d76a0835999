// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file transport.hpp
/// Moves encoded reports to the service and replies back: the interface every transport
/// (MQTT, Greengrass IPC, stdout) implements. The agent owns reconnect policy and timing;
/// a transport makes single attempts and reports what happened.
/// Target: Defender::defender (stage transport).

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "defender/result.hpp"

namespace defender {

/// Largest message (topic and payload) a transport hands over. The payload of a larger one is
/// not kept: the message arrives with an empty payload and `dropped_payload_bytes` set. The MQTT
/// and Greengrass transports never buffer more than this (and one read) per message
/// (docs/reliability.md).
inline constexpr std::size_t kMaxIncomingMessageBytes = 256 * 1024;

/// A message that arrived on a subscribed topic.
struct IncomingMessage {
    std::string topic;    ///< topic the message arrived on
    std::string payload;  ///< its payload, as received
    /// Non-zero when the transport dropped an oversize payload of this many bytes instead of
    /// keeping it (`payload` is then empty).
    std::size_t dropped_payload_bytes = 0;
};

/// The connection dropped (broker gone, network down, keep-alive timeout).
struct ConnectionLost {
    std::string reason;  ///< why, as the transport reports it
};

/// What a transport tells the agent: a message or a lost connection.
using TransportEvent = std::variant<IncomingMessage, ConnectionLost>;

/// Receives events; called from the transport's own thread, so it must be quick and
/// thread-safe (typically: push into a queue).
using EventSink = std::function<void(TransportEvent)>;

/// How the agent reaches a broker: connect, subscribe, publish, and events back.
class Transport {
public:
    virtual ~Transport() = default;

    /// Where events go; set before connect().
    virtual void set_event_sink(EventSink sink) = 0;

    /// One connection attempt, blocking up to the transport's connect timeout.
    virtual Status connect() = 0;
    /// True while connected.
    virtual bool is_connected() const = 0;

    /// Subscribes with QoS 1 and waits for the broker's SUBACK.
    virtual Status subscribe(const std::vector<std::string>& topic_filters) = 0;

    /// Publishes with QoS 1 and waits for the PUBACK (or the timeout).
    virtual Status publish(const std::string& topic, const std::string& payload,
                           std::chrono::milliseconds timeout) = 0;

    /// Clean disconnect, waiting at most `timeout`; safe to call when not connected.
    virtual void disconnect(std::chrono::milliseconds timeout) = 0;
};

}  // namespace defender
