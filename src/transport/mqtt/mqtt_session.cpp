// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/mqtt_session.hpp"

#include <poll.h>
#include <sys/eventfd.h>

#include <array>
#include <cerrno>
#include <variant>

#include "net/tcp_connect.hpp"

namespace defender::mqtt {
namespace {

using Clock = std::chrono::steady_clock;

int poll_timeout(std::optional<Clock::time_point> until, Clock::time_point now) {
    if (!until) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - now).count();
    // Round up: waking a millisecond early would only mean polling again.
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left + 1, 1 << 30));
}

}  // namespace

std::optional<SteadyTime> KeepAlive::next_timer(const SessionTiming& timing) const {
    if (ping_sent) return *ping_sent + timing.ping_timeout;
    if (timing.keep_alive.count() <= 0) return std::nullopt;
    return std::min(last_sent, last_received) + timing.keep_alive;
}

bool KeepAlive::ping_due(SteadyTime now, const SessionTiming& timing) const {
    return !ping_sent && timing.keep_alive.count() > 0 &&
           now >= std::min(last_sent, last_received) + timing.keep_alive;
}

bool KeepAlive::ping_overdue(SteadyTime now, const SessionTiming& timing) const {
    return ping_sent && now >= *ping_sent + timing.ping_timeout;
}

MqttSession::MqttSession(std::unique_ptr<ByteStream> connection, PacketReader reader,
                         SessionTiming timing, EventSink sink,
                         std::function<void(std::uint16_t)> on_puback, SessionClock clock)
    : timing_(timing),
      clock_(clock ? std::move(clock) : SessionClock([] { return Clock::now(); })),
      sink_(std::move(sink)),
      on_puback_(std::move(on_puback)),
      connection_(std::move(connection)),
      reader_(std::move(reader)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    keep_alive_.last_sent = clock_();
    keep_alive_.last_received = keep_alive_.last_sent;
    thread_ = std::thread([this] { run(); });
}

MqttSession::~MqttSession() {
    {
        std::lock_guard lock(state_mutex_);
        stopping_ = true;
    }
    wake();
    if (thread_.joinable()) thread_.join();
}

void MqttSession::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
}

void MqttSession::recheck_timers() {
    wake();
}

bool MqttSession::alive() const {
    std::lock_guard lock(state_mutex_);
    return !lost_ && !stopping_;
}

void MqttSession::lose(const std::string& reason) {
    bool first = false;
    {
        std::lock_guard lock(state_mutex_);
        if (!lost_ && !stopping_) {
            lost_ = true;
            lost_reason_ = reason;
            first = true;
        }
    }
    state_changed_.notify_all();
    if (first && sink_) sink_(ConnectionLost{reason});
}

Status MqttSession::write_locked(const std::string& packet, Clock::time_point deadline) {
    std::size_t written = 0;
    while (written < packet.size()) {
        const IoOutcome outcome =
            connection_->write_some(packet.data() + written, packet.size() - written);
        switch (outcome.kind) {
            case IoOutcome::Kind::Transferred:
                written += outcome.bytes;
                break;
            case IoOutcome::Kind::WouldBlock:
                if (!net::wait_ready(connection_->fd(), outcome.wants_write ? POLLOUT : POLLIN,
                                     deadline)) {
                    return Error{"the broker took no data for too long"};
                }
                break;
            case IoOutcome::Kind::Closed:
            case IoOutcome::Kind::Failed:
                return Error{outcome.reason};
        }
    }
    const auto now = clock_();
    std::lock_guard lock(state_mutex_);
    keep_alive_.last_sent = now;
    return Done{};
}

Status MqttSession::send(const std::string& packet, Clock::time_point deadline) {
    if (!alive()) return Error{"not connected"};
    Status written = [&] {
        std::lock_guard lock(io_mutex_);
        return write_locked(packet, deadline);
    }();
    if (!written) {
        lose(written.error().message);
        return written;
    }
    return Done{};
}

void MqttSession::expect_puback(std::uint16_t packet_id) {
    std::lock_guard lock(state_mutex_);
    pubacks_[packet_id] = false;
}

Status MqttSession::wait_for_puback(std::uint16_t packet_id, Clock::time_point deadline) {
    std::unique_lock lock(state_mutex_);
    pubacks_.try_emplace(packet_id, false);
    const bool settled = state_changed_.wait_until(
        lock, deadline, [&] { return pubacks_[packet_id] || lost_ || stopping_; });
    const bool acknowledged = pubacks_[packet_id];
    pubacks_.erase(packet_id);
    if (acknowledged) return Done{};
    if (!settled) return Error{"timeout"};
    return Error{lost_reason_.empty() ? "connection closed" : lost_reason_};
}

void MqttSession::expect_suback(std::uint16_t packet_id) {
    std::lock_guard lock(state_mutex_);
    subacks_[packet_id].reset();
}

Result<std::vector<std::uint8_t>> MqttSession::wait_for_suback(std::uint16_t packet_id,
                                                               Clock::time_point deadline) {
    std::unique_lock lock(state_mutex_);
    subacks_.try_emplace(packet_id);
    const bool settled = state_changed_.wait_until(
        lock, deadline, [&] { return subacks_[packet_id].has_value() || lost_ || stopping_; });
    auto codes = std::move(subacks_[packet_id]);
    subacks_.erase(packet_id);
    if (codes) return std::move(*codes);
    if (!settled) return Error{"timeout"};
    return Error{lost_reason_.empty() ? "connection closed" : lost_reason_};
}

void MqttSession::close(Clock::time_point deadline) {
    bool was_alive = false;
    {
        // First, so that the broker closing its end after DISCONNECT is not a lost connection.
        std::lock_guard lock(state_mutex_);
        was_alive = !lost_ && !stopping_;
        stopping_ = true;
    }
    if (was_alive) {
        std::lock_guard lock(io_mutex_);
        if (write_locked(encode_disconnect(), deadline)) connection_->close();
    }
    state_changed_.notify_all();
    wake();
    if (thread_.joinable()) thread_.join();
}

std::optional<Clock::time_point> MqttSession::next_timer() const {
    std::lock_guard lock(state_mutex_);
    return keep_alive_.next_timer(timing_);
}

// Reads until at least one packet is complete or the connection has nothing more now, parsing
// as the bytes arrive: the reader then holds at most one packet (under its limit, or only the
// topic of an oversize PUBLISH, whose payload is skipped as it streams in) and one read, however
// fast the broker sends. False when the connection broke (`problem` says why); the packets
// complete before that are in `packets`.
bool MqttSession::read_packets(std::vector<IncomingPacket>& packets, std::string& problem) {
    std::lock_guard lock(io_mutex_);
    std::array<char, 16384> buffer{};  // one TLS record
    for (;;) {
        for (;;) {
            auto packet = reader_.next();
            if (!packet) {
                problem = packet.error().message;
                return false;
            }
            if (!*packet) break;
            packets.push_back(std::move(**packet));
        }
        if (!packets.empty()) return true;
        const IoOutcome outcome = connection_->read_some(buffer.data(), buffer.size());
        if (outcome.kind != IoOutcome::Kind::Transferred) {
            if (outcome.kind == IoOutcome::Kind::WouldBlock) return true;
            problem = outcome.reason;
            return false;
        }
        reader_.feed(std::string_view(buffer.data(), outcome.bytes));
        const auto now = clock_();
        std::lock_guard state_lock(state_mutex_);
        keep_alive_.last_received = now;
    }
}

void MqttSession::handle(IncomingPacket& packet) {
    if (auto* publish = std::get_if<IncomingPublish>(&packet)) {
        if (publish->qos == 1) {
            Status acked =
                send(encode_puback(publish->packet_id), Clock::now() + timing_.ping_timeout);
            if (!acked) return;
        }
        if (sink_) {
            sink_(IncomingMessage{std::move(publish->topic), std::move(publish->payload),
                                  publish->skipped_payload_bytes});
        }
        return;
    }
    if (const auto* puback = std::get_if<Puback>(&packet); puback && on_puback_) {
        on_puback_(puback->packet_id);
    }
    std::lock_guard lock(state_mutex_);
    if (const auto* puback = std::get_if<Puback>(&packet)) {
        if (auto waiting = pubacks_.find(puback->packet_id); waiting != pubacks_.end()) {
            waiting->second = true;
        }
    } else if (auto* suback = std::get_if<Suback>(&packet)) {
        if (auto waiting = subacks_.find(suback->packet_id); waiting != subacks_.end()) {
            waiting->second = std::move(suback->return_codes);
        }
    } else if (std::holds_alternative<Pingresp>(packet)) {
        keep_alive_.ping_sent.reset();
    }
    // A second CONNACK is ignored: nothing waits for one.
    state_changed_.notify_all();
}

void MqttSession::run() {
    // The reader may hold whole packets that came with the CONNACK: look at once.
    bool look_now = true;
    for (;;) {
        const auto timer = next_timer();
        std::array<pollfd, 2> watched{pollfd{connection_->fd(), POLLIN, 0},
                                      pollfd{wake_.get(), POLLIN, 0}};
        const bool buffered = look_now || [&] {
            std::lock_guard lock(io_mutex_);
            return connection_->pending() > 0;
        }();
        look_now = false;
        const int ready =
            ::poll(watched.data(), watched.size(), buffered ? 0 : poll_timeout(timer, clock_()));
        if (ready < 0 && errno != EINTR) {
            lose("poll failed");
            return;
        }
        if (watched[1].revents != 0) {
            std::uint64_t count = 0;  // close() or recheck_timers(): which one, alive() tells
            [[maybe_unused]] const auto drained = ::read(wake_.get(), &count, sizeof count);
        }
        if (!alive()) return;
        if (buffered || (watched[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            std::vector<IncomingPacket> packets;
            std::string problem;
            const bool healthy = read_packets(packets, problem);
            for (auto& packet : packets)
                handle(packet);
            if (!healthy) {
                lose(problem);
                return;
            }
        }
        const auto now = clock_();
        bool ping_overdue = false;
        bool ping_due = false;
        {
            std::lock_guard lock(state_mutex_);
            ping_overdue = keep_alive_.ping_overdue(now, timing_);
            ping_due = keep_alive_.ping_due(now, timing_);
        }
        if (ping_overdue) {
            lose("no PINGRESP within " + std::to_string(timing_.ping_timeout.count()) + " ms");
            return;
        }
        if (ping_due) {
            if (!send(encode_pingreq(), Clock::now() + timing_.ping_timeout)) return;
            std::lock_guard lock(state_mutex_);
            keep_alive_.ping_sent = now;
        }
    }
}

}  // namespace defender::mqtt
