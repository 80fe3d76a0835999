// SPDX-License-Identifier: Apache-2.0
// MqttSession over a socketpair, with a clock the test moves: keep-alive, PINGRESP deadline,
// PUBACK and SUBACK waits, the broker closing, and a lost connection reported once. No broker
// and no sleeping: each test runs in milliseconds.

#include "transport/mqtt/mqtt_session.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "transport/mqtt/socket_stream.hpp"

namespace defender::mqtt {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Bounds only a broken test's hang; never what a test asserts.
constexpr auto kPatience = 5s;

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values)
        out += static_cast<char>(value);
    return out;
}

class FakeClock {
public:
    SteadyTime now() const {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void advance(std::chrono::milliseconds by) {
        std::lock_guard lock(mutex_);
        now_ += by;
    }
    SessionClock function() {
        return [this] { return now(); };
    }

private:
    mutable std::mutex mutex_;
    SteadyTime now_ = SteadyTime{} + 1000h;
};

class Recorder {
public:
    EventSink sink() {
        return [this](TransportEvent event) {
            {
                std::lock_guard lock(mutex_);
                events_.push_back(std::move(event));
            }
            changed_.notify_all();
        };
    }
    // Waits until `count` events of type T were recorded; false after kPatience.
    template <class T>
    bool wait_for(std::size_t count = 1) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kPatience, [&] { return count_locked<T>() >= count; });
    }
    template <class T>
    std::vector<T> all() const {
        std::lock_guard lock(mutex_);
        std::vector<T> found;
        for (const auto& event : events_) {
            if (const auto* typed = std::get_if<T>(&event)) found.push_back(*typed);
        }
        return found;
    }

private:
    template <class T>
    std::size_t count_locked() const {
        std::size_t count = 0;
        for (const auto& event : events_)
            count += std::holds_alternative<T>(event) ? 1 : 0;
        return count;
    }

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<TransportEvent> events_;
};

// The broker's end of the socketpair (blocking).
class Peer {
public:
    explicit Peer(int fd) : fd_(fd) {}
    ~Peer() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    void send(const std::string& data) {
        ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(data.size()));
    }
    // Exactly `size` bytes; fewer when the stream ended or nothing came for kPatience.
    std::string receive(std::size_t size) {
        std::string data;
        while (data.size() < size) {
            pollfd entry{fd_, POLLIN, 0};
            if (::poll(&entry, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) <=
                0)
                break;
            char buffer[256];
            const ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, size - data.size()), 0);
            if (n <= 0) break;
            data.append(buffer, static_cast<std::size_t>(n));
        }
        return data;
    }

    // The session ended its sending direction (false also after kPatience without it).
    bool at_end() {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) <= 0)
            return false;
        char byte = 0;
        return ::recv(fd_, &byte, 1, 0) == 0;
    }

private:
    int fd_;
};

constexpr SessionTiming kTiming{.keep_alive = 1000ms, .ping_timeout = 300ms};

class MqttSessionTest : public ::testing::Test {
protected:
    void start(SessionTiming timing = kTiming) {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        peer_ = std::make_unique<Peer>(fds[1]);
        session_ = std::make_unique<MqttSession>(
            std::make_unique<SocketStream>(util::UniqueFd(fds[0])), PacketReader(), timing,
            recorder_.sink(),
            [this](std::uint16_t id) {
                std::lock_guard lock(pubacks_mutex_);
                pubacks_.push_back(id);
            },
            clock_.function());
    }
    std::vector<std::uint16_t> pubacks() {
        std::lock_guard lock(pubacks_mutex_);
        return pubacks_;
    }
    // A QoS 0 PUBLISH on `topic`: once the sink has it, everything the peer sent before it
    // has been handled.
    void sync_through(const std::string& topic, std::size_t count = 1) {
        auto packet = encode_publish(topic, "", 0, false);
        ASSERT_TRUE(packet);
        peer_->send(*packet);
        ASSERT_TRUE(recorder_.wait_for<IncomingMessage>(count));
    }

    FakeClock clock_;
    Recorder recorder_;
    std::unique_ptr<Peer> peer_;
    std::mutex pubacks_mutex_;
    std::vector<std::uint16_t> pubacks_;
    std::unique_ptr<MqttSession> session_;
};

const std::string kPingreq = bytes({0xc0, 0x00});
const std::string kPingresp = bytes({0xd0, 0x00});

TEST(KeepAliveRule, PingreqIsDueAfterKeepAliveWithoutTrafficInEitherDirection) {
    const SteadyTime start{};
    KeepAlive keep_alive{start, start, std::nullopt};
    EXPECT_EQ(keep_alive.next_timer(kTiming), start + 1000ms);
    EXPECT_FALSE(keep_alive.ping_due(start + 999ms, kTiming));
    EXPECT_TRUE(keep_alive.ping_due(start + 1000ms, kTiming));
    // Sending alone does not postpone it: the broker must have been heard from too.
    keep_alive.last_sent = start + 500ms;
    EXPECT_TRUE(keep_alive.ping_due(start + 1000ms, kTiming));
    keep_alive.last_received = start + 600ms;
    EXPECT_FALSE(keep_alive.ping_due(start + 1499ms, kTiming));
    EXPECT_EQ(keep_alive.next_timer(kTiming), start + 1500ms);
}

TEST(KeepAliveRule, AnUnansweredPingreqIsOverdueAfterThePingTimeout) {
    const SteadyTime start{};
    KeepAlive keep_alive{start, start, start + 1000ms};
    EXPECT_FALSE(keep_alive.ping_due(start + 5000ms, kTiming));  // one at a time
    EXPECT_EQ(keep_alive.next_timer(kTiming), start + 1300ms);
    EXPECT_FALSE(keep_alive.ping_overdue(start + 1299ms, kTiming));
    EXPECT_TRUE(keep_alive.ping_overdue(start + 1300ms, kTiming));
}

TEST(KeepAliveRule, ZeroMeansNoKeepAlive) {
    const SteadyTime start{};
    const SessionTiming off{.keep_alive = 0ms, .ping_timeout = 300ms};
    KeepAlive keep_alive{start, start, std::nullopt};
    EXPECT_EQ(keep_alive.next_timer(off), std::nullopt);
    EXPECT_FALSE(keep_alive.ping_due(start + 100h, off));
}

TEST_F(MqttSessionTest, SendsAPingreqWhenIdleForTheKeepAlive) {
    start();
    clock_.advance(1000ms);
    session_->recheck_timers();
    EXPECT_EQ(peer_->receive(2), kPingreq);
    EXPECT_TRUE(session_->alive());
}

TEST_F(MqttSessionTest, AMissingPingrespLosesTheConnectionOnce) {
    start();
    clock_.advance(1000ms);
    session_->recheck_timers();
    ASSERT_EQ(peer_->receive(2), kPingreq);
    clock_.advance(300ms);
    session_->recheck_timers();
    ASSERT_TRUE(recorder_.wait_for<ConnectionLost>());
    EXPECT_FALSE(session_->alive());
    clock_.advance(10s);
    session_->recheck_timers();
    EXPECT_FALSE(session_->send(kPingreq, Clock::now() + 1s));
    session_.reset();  // joins the I/O thread: nothing more can arrive
    const auto lost = recorder_.all<ConnectionLost>();
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].reason, "no PINGRESP within 300 ms");
}

TEST_F(MqttSessionTest, APingrespKeepsTheConnectionAndTheNextPingreqFollowsAKeepAliveLater) {
    start();
    clock_.advance(1000ms);
    session_->recheck_timers();
    ASSERT_EQ(peer_->receive(2), kPingreq);
    peer_->send(kPingresp);
    sync_through("sync");
    clock_.advance(300ms);  // past the PINGRESP deadline: answered, so nothing happens
    session_->recheck_timers();
    sync_through("sync", 2);
    EXPECT_TRUE(session_->alive());
    clock_.advance(700ms);  // a keep-alive after the PINGRESP and the PINGREQ
    session_->recheck_timers();
    EXPECT_EQ(peer_->receive(2), kPingreq);
    EXPECT_TRUE(session_->alive());
    EXPECT_TRUE(recorder_.all<ConnectionLost>().empty());
}

TEST_F(MqttSessionTest, KeepAliveZeroNeverPings) {
    start(SessionTiming{.keep_alive = 0ms, .ping_timeout = 300ms});
    clock_.advance(100h);
    session_->recheck_timers();
    sync_through("sync");
    session_->close(Clock::now() + kPatience);
    // The only packet sent is the DISCONNECT.
    EXPECT_EQ(peer_->receive(2), bytes({0xe0, 0x00}));
    EXPECT_TRUE(peer_->at_end());
}

TEST_F(MqttSessionTest, PubackWaitTimesOut) {
    start();
    session_->expect_puback(7);
    auto acknowledged = session_->wait_for_puback(7, Clock::now() + 20ms);
    ASSERT_FALSE(acknowledged);
    EXPECT_EQ(acknowledged.error().message, "timeout");
    EXPECT_TRUE(session_->alive());
}

TEST_F(MqttSessionTest, PubackArrives) {
    start();
    session_->expect_puback(7);
    peer_->send(bytes({0x40, 0x02, 0x00, 0x07}));
    EXPECT_TRUE(session_->wait_for_puback(7, Clock::now() + kPatience));
    EXPECT_EQ(pubacks(), std::vector<std::uint16_t>{7});
}

TEST_F(MqttSessionTest, APubackThatCameFirstIsNotLost) {
    start();
    session_->expect_puback(9);
    peer_->send(bytes({0x40, 0x02, 0x00, 0x09}));
    sync_through("sync");
    EXPECT_TRUE(session_->wait_for_puback(9, Clock::now()));
}

TEST_F(MqttSessionTest, SubackCarriesTheReturnCodes) {
    start();
    session_->expect_suback(3);
    peer_->send(bytes({0x90, 0x04, 0x00, 0x03, 0x01, 0x80}));
    auto codes = session_->wait_for_suback(3, Clock::now() + kPatience);
    ASSERT_TRUE(codes) << codes.error().message;
    EXPECT_EQ(*codes, (std::vector<std::uint8_t>{0x01, 0x80}));
}

TEST_F(MqttSessionTest, AQos1PublishIsAcknowledgedAndDelivered) {
    start();
    auto publish = encode_publish("a/b", "hello", 0x0102, false);
    ASSERT_TRUE(publish);
    peer_->send(*publish);
    EXPECT_EQ(peer_->receive(4), bytes({0x40, 0x02, 0x01, 0x02}));
    ASSERT_TRUE(recorder_.wait_for<IncomingMessage>());
    const auto messages = recorder_.all<IncomingMessage>();
    EXPECT_EQ(messages[0].topic, "a/b");
    EXPECT_EQ(messages[0].payload, "hello");
}

TEST_F(MqttSessionTest, TheBrokerClosingLosesTheConnectionAndEndsAWait) {
    start();
    session_->expect_puback(5);
    peer_->close();
    auto acknowledged = session_->wait_for_puback(5, Clock::now() + kPatience);
    ASSERT_FALSE(acknowledged);
    EXPECT_EQ(acknowledged.error().message, "the broker closed the connection");
    ASSERT_TRUE(recorder_.wait_for<ConnectionLost>());
    EXPECT_FALSE(session_->alive());
    EXPECT_FALSE(session_->send(kPingreq, Clock::now() + 1s));
    session_.reset();
    const auto lost = recorder_.all<ConnectionLost>();
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].reason, "the broker closed the connection");
}

TEST_F(MqttSessionTest, AMalformedPacketLosesTheConnection) {
    start();
    peer_->send(bytes({0x20, 0x05}));  // a CONNACK of 5 bytes
    ASSERT_TRUE(recorder_.wait_for<ConnectionLost>());
    EXPECT_NE(recorder_.all<ConnectionLost>()[0].reason.find("malformed MQTT packet"),
              std::string::npos);
}

TEST_F(MqttSessionTest, CloseSendsDisconnectAndEndsTheStreamWithoutALostConnection) {
    start();
    session_->close(Clock::now() + kPatience);
    EXPECT_EQ(peer_->receive(2), bytes({0xe0, 0x00}));
    EXPECT_TRUE(peer_->at_end());
    EXPECT_FALSE(session_->alive());
    session_.reset();
    EXPECT_TRUE(recorder_.all<ConnectionLost>().empty());
}

}  // namespace
}  // namespace defender::mqtt
