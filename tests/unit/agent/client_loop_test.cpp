// SPDX-License-Identifier: Apache-2.0
// The client loop shared by the agent and `defender emulate`: connect, backoff, subscribe,
// events, on a hand-moved clock with a scripted transport.

#include "agent/client_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manual_clock.hpp"
#include "scripted_transport.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;
using testing::ScriptedTransport;

// Writes down what the loop tells it, with the time since the start.
class RecordingHandler final : public ClientHandler {
public:
    explicit RecordingHandler(ManualClock& clock) : clock_(clock) {}

    Time work(Time now) override { return now + 1h; }
    void connected(Time) override { seen.push_back(at() + " connected"); }
    void connect_failed(const std::string& error, std::chrono::milliseconds retry, Time) override {
        seen.push_back(at() + " cannot connect: " + error);
        retries.push_back(retry);
    }
    void subscribe_failed(const std::string& error, std::chrono::milliseconds retry,
                          Time) override {
        seen.push_back(at() + " cannot subscribe: " + error);
        retries.push_back(retry);
    }
    void connection_lost(const std::string& reason, std::chrono::milliseconds retry,
                         Time) override {
        seen.push_back(at() + " lost: " + reason);
        retries.push_back(retry);
    }
    void message(const IncomingMessage& message, Time) override {
        seen.push_back(at() + " message on " + message.topic + ": " + message.payload +
                       (message.dropped_payload_bytes != 0
                            ? " (dropped " + std::to_string(message.dropped_payload_bytes) + ")"
                            : ""));
    }
    void messages_dropped(std::size_t count) override { dropped += count; }
    void woken() override { seen.push_back(at() + " woken"); }

    std::vector<std::string> seen;
    std::vector<std::chrono::milliseconds> retries;
    std::size_t dropped = 0;

private:
    std::string at() const { return std::to_string(clock_.elapsed().count()) + "ms"; }
    ManualClock& clock_;
};

class ClientLoopTest : public ::testing::Test {
protected:
    ClientLoopOptions options() {
        ClientLoopOptions options;
        options.backoff_initial = 1s;
        options.backoff_max = 8s;
        options.stable_link = 60s;
        options.backoff_seed = 7;
        return options;
    }

    ManualClock clock_;
    ScriptedTransport transport_{clock_};
    RecordingHandler handler_{clock_};
};

TEST_F(ClientLoopTest, ConnectsSubscribesAndHandsMessagesOverUntilStopped) {
    ClientLoop loop(transport_, clock_, options());
    ASSERT_TRUE(loop.set_subscriptions({"a/#", "b"}).ok());
    clock_.at(10s, [&] { transport_.deliver("a/1", "hello"); });
    clock_.at(20s, [&] { loop.wake(); });
    clock_.at(30s, [&] { loop.stop(); });
    loop.run(handler_);
    EXPECT_EQ(handler_.seen,
              (std::vector<std::string>{"0ms connected", "10000ms message on a/1: hello",
                                        "20000ms woken"}));
    ASSERT_EQ(transport_.subscriptions.size(), 1u);
    EXPECT_EQ(transport_.subscriptions[0], (std::vector<std::string>{"a/#", "b"}));
    EXPECT_FALSE(transport_.is_connected());  // disconnected on the way out
}

TEST_F(ClientLoopTest, FailedAttemptsWaitLongerEachTimeUpToTheMaximum) {
    transport_.refusal = "connection refused";
    ClientLoop loop(transport_, clock_, options());
    clock_.at(40s, [&] { transport_.refusal.clear(); });
    clock_.at(2min, [&] { loop.stop(); });
    loop.run(handler_);
    ASSERT_GE(handler_.retries.size(), 5u);
    // Ceilings of 1, 2, 4, 8, 8 s; each wait is drawn between half the ceiling and the ceiling.
    const std::chrono::milliseconds ceilings[] = {1s, 2s, 4s, 8s, 8s};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_GE(handler_.retries[i], ceilings[i] / 2) << i;
        EXPECT_LE(handler_.retries[i], ceilings[i]) << i;
    }
    EXPECT_EQ(handler_.seen.back().substr(handler_.seen.back().find(' ')), " connected");
    EXPECT_EQ(static_cast<std::size_t>(transport_.connects), handler_.retries.size() + 1);
}

TEST_F(ClientLoopTest, ARefusedSubscriptionDisconnectsAndRetriesLater) {
    transport_.subscribe_refusal = "SUBACK refused the topic filter";
    ClientLoop loop(transport_, clock_, options());
    clock_.at(5s, [&] { loop.stop(); });
    loop.run(handler_);
    ASSERT_FALSE(handler_.seen.empty());
    EXPECT_EQ(handler_.seen[0], "0ms cannot subscribe: SUBACK refused the topic filter");
    EXPECT_GE(transport_.connects, 2);
    EXPECT_FALSE(transport_.is_connected());
}

TEST_F(ClientLoopTest, OnlyALinkThatHeldResetsTheBackoff) {
    ClientLoop loop(transport_, clock_, options());
    // Dropped at once, three times: the waits grow (1, 2, 4 s ceilings).
    clock_.at(1ms, [&] { transport_.drop(); });
    clock_.at(2s, [&] { transport_.drop(); });
    clock_.at(5s, [&] { transport_.drop(); });
    // Then a link that held for two minutes: the next wait is short again.
    clock_.at(10s, [&] { transport_.drop(); });
    clock_.at(3min, [&] { transport_.drop(); });
    clock_.at(4min, [&] { loop.stop(); });
    loop.run(handler_);
    ASSERT_EQ(handler_.retries.size(), 5u);
    EXPECT_LE(handler_.retries[0], 1s);
    EXPECT_GE(handler_.retries[1], 1s);
    EXPECT_GE(handler_.retries[2], 2s);
    EXPECT_GE(handler_.retries[3], 4s);
    EXPECT_LE(handler_.retries[4], 1s);
}

TEST_F(ClientLoopTest, AFloodKeepsTheNewestMessagesAndSaysHowManyWentMissing) {
    auto settings = options();
    settings.queued_messages = 2;
    settings.kept_payload_bytes = 4;
    ClientLoop loop(transport_, clock_, settings);
    clock_.at(1s, [&] {
        for (int i = 1; i <= 5; ++i)
            transport_.deliver("t", std::to_string(i));
        transport_.deliver("t", "too large");
    });
    clock_.at(2s, [&] { loop.stop(); });
    loop.run(handler_);
    EXPECT_EQ(handler_.dropped, 4u);
    EXPECT_EQ(handler_.seen, (std::vector<std::string>{"0ms connected", "1000ms message on t: 5",
                                                       "1000ms message on t:  (dropped 9)"}));
}

TEST_F(ClientLoopTest, NewSubscriptionsAreSubscribedAtOnceAndAtEveryConnection) {
    ClientLoop loop(transport_, clock_, options());
    clock_.at(1s, [&] { EXPECT_TRUE(loop.set_subscriptions({"new"}).ok()); });
    clock_.at(2s, [&] { transport_.drop(); });
    clock_.at(10s, [&] { loop.stop(); });
    loop.run(handler_);
    ASSERT_EQ(transport_.subscriptions.size(), 3u);
    EXPECT_TRUE(transport_.subscriptions[0].empty());
    EXPECT_EQ(transport_.subscriptions[1], (std::vector<std::string>{"new"}));
    EXPECT_EQ(transport_.subscriptions[2], (std::vector<std::string>{"new"}));
}

TEST_F(ClientLoopTest, AStopBeforeRunReturnsAtOnce) {
    ClientLoop loop(transport_, clock_, options());
    loop.stop();
    loop.run(handler_);
    EXPECT_EQ(transport_.connects, 0);
    EXPECT_TRUE(handler_.seen.empty());
}

}  // namespace
}  // namespace defender
