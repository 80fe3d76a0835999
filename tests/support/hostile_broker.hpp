// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file hostile_broker.hpp
/// A hostile MQTT 3.1.1 broker over TLS (mbed TLS) on 127.0.0.1, for the memory-bound tests and
/// bench/broker_flood.sh: it accepts one client at a time (any client id, no client
/// certificate asked), answers CONNECT with CONNACK and SUBSCRIBE with SUBACK, then floods
/// PUBLISH packets (QoS 0) on `$aws/things/<thing>/defender/metrics/json/accepted` (or
/// unsolicited SUBACKs) as fast as the socket takes them. It answers PINGREQ between two flood
/// packets and never acknowledges the client's PUBLISH (so an agent waits its whole publish timeout
/// for each report). Own thread; SIGPIPE is ignored in the process that creates one.
///
/// With `websocket` set it is an MQTT-over-WebSocket endpoint instead (what AWS IoT serves on
/// 443 for SigV4 clients): after the TLS handshake it answers the HTTP/1.1 Upgrade (RFC 6455:
/// 101, Sec-WebSocket-Accept, subprotocol mqtt; the signed query string is not checked), reads
/// the client's masked frames and sends everything, answers and flood alike, in server
/// (unmasked) binary frames: one frame per MQTT packet, or messages fragmented into frames of
/// `frame_bytes` (a binary frame, continuation frames, the last with FIN).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace defender::test {

struct HostileBrokerOptions {
    enum class Flood {
        /// Whole PUBLISH packets of `payload_bytes` each, one after the other.
        large_publishes,
        /// PUBLISH packets declaring the largest remaining length MQTT allows (268 435 455
        /// bytes), whose body then streams in 64 KiB pieces, one after the other.
        endless_publish,
        /// SUBACK packets nobody asked for, each with `payload_bytes` return codes and the next
        /// packet id.
        unsolicited_subacks,
    };
    std::filesystem::path cert;  ///< PEM server certificate (for `localhost`)
    std::filesystem::path key;   ///< its PEM key
    std::string thing_name;
    Flood flood = Flood::large_publishes;
    std::size_t payload_bytes = 262'000;
    /// Ends each connection after this many flood bytes (the client must reconnect); 0: never.
    std::uint64_t close_after_bytes = 0;
    /// 0: a free port.
    std::uint16_t port = 0;
    /// MQTT over WebSocket (over TLS) instead of MQTT over TLS.
    bool websocket = false;
    /// WebSocket only: 0 sends each MQTT packet as one binary frame (the endless PUBLISH as one
    /// frame declaring its whole length); otherwise each flood packet is fragmented into frames
    /// of at most this many payload bytes (the endless PUBLISH: one frame per 64 KiB piece).
    std::size_t frame_bytes = 0;
};

class HostileBroker {
public:
    /// Listens and starts its thread. Throws std::runtime_error when the certificate or key
    /// cannot be loaded or the port cannot be bound.
    explicit HostileBroker(HostileBrokerOptions options);
    /// Stops the thread and closes every socket.
    ~HostileBroker();
    HostileBroker(const HostileBroker&) = delete;
    HostileBroker& operator=(const HostileBroker&) = delete;

    std::uint16_t port() const { return port_; }
    /// Flood bytes written to clients so far (all connections; before encryption).
    std::uint64_t flood_bytes() const { return flood_bytes_; }
    /// Connections that subscribed (and so were flooded).
    std::uint64_t subscribed_connections() const { return subscribed_; }

private:
    void run();
    void serve(int client);

    HostileBrokerOptions options_;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    int wake_ = -1;  // eventfd: the destructor wakes the thread with it
    struct ServerTls;
    std::unique_ptr<ServerTls> tls_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> flood_bytes_{0};
    std::atomic<std::uint64_t> subscribed_{0};
    std::thread thread_;
};

}  // namespace defender::test
