#pragma once
// One MQTT connection after CONNACK: its I/O thread, keep-alive, and the packets waited for.
// The thread sleeps in poll() until the broker sends something, the keep-alive is due or
// the session is closed; it never wakes on a timer otherwise.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "defender/result.hpp"
#include "defender/transport.hpp"
#include "transport/lean/mqtt_packets.hpp"
#include "transport/lean/tls_connection.hpp"
#include "util/unique_fd.hpp"

namespace defender::lean {

struct SessionTiming {
    /// A PINGREQ goes out when nothing was sent or nothing received for this long; 0: never.
    std::chrono::seconds keep_alive{60};
    /// How long a PINGREQ may go unanswered before the connection counts as lost.
    std::chrono::milliseconds ping_timeout{10000};
};

class MqttSession {
public:
    /// Takes over a connection that has received its CONNACK; `reader` holds whatever
    /// arrived after it. `sink` gets incoming messages and, once, ConnectionLost.
    MqttSession(std::unique_ptr<TlsConnection> connection, PacketReader reader,
                SessionTiming timing, EventSink sink,
                std::function<void(std::uint16_t)> on_puback = {});
    /// Closes without DISCONNECT (use close() first for a clean one).
    ~MqttSession();
    MqttSession(const MqttSession&) = delete;
    MqttSession& operator=(const MqttSession&) = delete;

    bool alive() const;
    /// Writes a whole packet, waiting until `deadline` for the socket. A write that cannot
    /// finish breaks the connection (a partial TLS record cannot be taken back).
    Status send(const std::string& packet, std::chrono::steady_clock::time_point deadline);
    /// Announces a PUBACK to wait for; call before sending the PUBLISH, since the answer may
    /// be read before wait_for_puback() runs.
    void expect_puback(std::uint16_t packet_id);
    /// Waits for the PUBACK of `packet_id` (announced with expect_puback): Done, or an error
    /// for timeout ("timeout") or a lost connection. Forgets the packet id either way.
    Status wait_for_puback(std::uint16_t packet_id, std::chrono::steady_clock::time_point deadline);
    /// Announces a SUBACK to wait for; call before sending the SUBSCRIBE. SUBACKs nobody
    /// announced are ignored: a broker sending them unasked cannot fill the memory.
    void expect_suback(std::uint16_t packet_id);
    /// Waits for the SUBACK of `packet_id` (announced with expect_suback). Forgets the packet
    /// id either way.
    Result<std::vector<std::uint8_t>> wait_for_suback(
        std::uint16_t packet_id, std::chrono::steady_clock::time_point deadline);
    /// DISCONNECT and close_notify (best effort, within `deadline`), then stops the thread.
    void close(std::chrono::steady_clock::time_point deadline);

private:
    void run();
    bool read_packets(std::vector<IncomingPacket>& packets, std::string& problem);
    void handle(IncomingPacket& packet);
    void lose(const std::string& reason);
    Status write_locked(const std::string& packet, std::chrono::steady_clock::time_point deadline);
    std::optional<std::chrono::steady_clock::time_point> next_timer() const;

    SessionTiming timing_;
    EventSink sink_;
    std::function<void(std::uint16_t)> on_puback_;  // every PUBACK, awaited or late

    mutable std::mutex io_mutex_;  // the TLS connection and the reader
    std::unique_ptr<TlsConnection> connection_;
    PacketReader reader_;

    mutable std::mutex state_mutex_;
    std::condition_variable state_changed_;
    bool lost_ = false;
    bool stopping_ = false;
    std::string lost_reason_;
    std::map<std::uint16_t, bool> pubacks_;  // packet id: acknowledged
    // Packet id: return codes, once the SUBACK came.
    std::map<std::uint16_t, std::optional<std::vector<std::uint8_t>>> subacks_;
    std::chrono::steady_clock::time_point last_sent_;
    std::chrono::steady_clock::time_point last_received_;
    std::optional<std::chrono::steady_clock::time_point> ping_sent_;

    util::UniqueFd wake_;  // eventfd: close() wakes the thread with it
    std::thread thread_;
};

}  // namespace defender::lean
