// SPDX-License-Identifier: Apache-2.0
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
#include "transport/mqtt/byte_stream.hpp"
#include "transport/mqtt/mqtt_packets.hpp"
#include "util/unique_fd.hpp"

namespace defender::mqtt {

using SteadyTime = std::chrono::steady_clock::time_point;

/// Where a session takes the time for its keep-alive from: steady_clock, or a test's clock.
/// Deadlines given to its methods are always steady_clock's.
using SessionClock = std::function<SteadyTime()>;

struct SessionTiming {
    /// A PINGREQ goes out when nothing was sent or nothing received for this long; 0: never.
    std::chrono::milliseconds keep_alive{60000};
    /// How long a PINGREQ may go unanswered before the connection counts as lost.
    std::chrono::milliseconds ping_timeout{10000};
};

/// The keep-alive rule, without I/O: when a PINGREQ is due, and when an unanswered one means
/// the connection is lost.
struct KeepAlive {
    SteadyTime last_sent;
    SteadyTime last_received;
    std::optional<SteadyTime> ping_sent;  ///< the PINGREQ waiting for its PINGRESP

    /// When something is due next (the PINGRESP deadline, or the next PINGREQ); nullopt:
    /// never (keep-alive 0 and no PINGREQ out).
    std::optional<SteadyTime> next_timer(const SessionTiming& timing) const;
    /// No PINGREQ out, keep-alive on, and nothing sent or nothing received for keep_alive.
    bool ping_due(SteadyTime now, const SessionTiming& timing) const;
    /// A PINGREQ has waited ping_timeout for its PINGRESP.
    bool ping_overdue(SteadyTime now, const SessionTiming& timing) const;
};

class MqttSession {
public:
    /// Takes over a connection that has received its CONNACK; `reader` holds whatever
    /// arrived after it. `sink` gets incoming messages and, once, ConnectionLost. `clock`
    /// (default steady_clock::now) times the keep-alive.
    MqttSession(std::unique_ptr<ByteStream> connection, PacketReader reader, SessionTiming timing,
                EventSink sink, std::function<void(std::uint16_t)> on_puback = {},
                SessionClock clock = {});
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
    /// DISCONNECT and the stream's orderly close (best effort, within `deadline`), then stops
    /// the thread.
    void close(std::chrono::steady_clock::time_point deadline);
    /// Makes the I/O thread look at its keep-alive timers again now (after a test's clock
    /// moved on).
    void recheck_timers();

private:
    void run();
    bool read_packets(std::vector<IncomingPacket>& packets, std::string& problem);
    void handle(IncomingPacket& packet);
    void lose(const std::string& reason);
    Status write_locked(const std::string& packet, std::chrono::steady_clock::time_point deadline);
    std::optional<std::chrono::steady_clock::time_point> next_timer() const;
    void wake();

    SessionTiming timing_;
    SessionClock clock_;
    EventSink sink_;
    std::function<void(std::uint16_t)> on_puback_;  // every PUBACK, awaited or late

    mutable std::mutex io_mutex_;  // the stream and the reader
    std::unique_ptr<ByteStream> connection_;
    PacketReader reader_;

    mutable std::mutex state_mutex_;
    std::condition_variable state_changed_;
    bool lost_ = false;
    bool stopping_ = false;
    std::string lost_reason_;
    std::map<std::uint16_t, bool> pubacks_;  // packet id: acknowledged
    // Packet id: return codes, once the SUBACK came.
    std::map<std::uint16_t, std::optional<std::vector<std::uint8_t>>> subacks_;
    KeepAlive keep_alive_;

    util::UniqueFd wake_;  // eventfd: close() and recheck_timers() wake the thread with it
    std::thread thread_;
};

}  // namespace defender::mqtt
