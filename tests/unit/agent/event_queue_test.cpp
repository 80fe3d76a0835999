// SPDX-License-Identifier: Apache-2.0
// The agent's event queue (src/agent/event_queue.hpp) and the agent behind it under a flood of
// broker messages: the messages are bounded, lifecycle events and the newest reply get
// through, and the drops are one warning.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/event_queue.hpp"
#include "defender/agent.hpp"
#include "defender/encode.hpp"
#include "defender/reply.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;

struct Item {
    int id = 0;
    bool lifecycle = false;
};

std::vector<Item> drain(EventQueue<Item>& queue) {
    std::vector<Item> items;
    while (auto item = queue.pop_until(std::chrono::steady_clock::now())) {
        items.push_back(*item);
    }
    return items;
}

TEST(EventQueue, UnboundedByDefault) {
    EventQueue<Item> queue;
    for (int i = 0; i < 1000; ++i)
        queue.push_droppable(Item{i}, 1 << 20);
    EXPECT_EQ(drain(queue).size(), 1000u);
    EXPECT_EQ(queue.take_dropped(), 0u);
}

TEST(EventQueue, KeepsTheNewestDroppableEventsWithinTheCountAndAllLifecycleEvents) {
    EventQueue<Item> queue({.events = 8, .bytes = 1 << 20});
    for (int i = 0; i < 10'000; ++i) {
        if (i % 1000 == 500) queue.push(Item{i, true});
        queue.push_droppable(Item{i}, 100);
        ASSERT_LE(queue.droppable_events(), 8u);
    }
    const auto items = drain(queue);
    std::vector<int> lifecycle;
    std::vector<int> messages;
    for (const auto& item : items)
        (item.lifecycle ? lifecycle : messages).push_back(item.id);
    EXPECT_EQ(lifecycle,
              (std::vector<int>{500, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500, 9500}));
    EXPECT_EQ(messages, (std::vector<int>{9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999}));
    EXPECT_EQ(queue.take_dropped(), 10'000u - 8u);
    EXPECT_EQ(queue.take_dropped(), 0u);  // counted once
    EXPECT_EQ(queue.droppable_events(), 0u);
    EXPECT_EQ(queue.droppable_bytes(), 0u);
}

TEST(EventQueue, KeepsTheBytesBoundAndDropsAnEventLargerThanAllOfIt) {
    EventQueue<Item> queue({.events = 1000, .bytes = 1000});
    for (int i = 0; i < 100; ++i) {
        queue.push_droppable(Item{i}, 300);
        ASSERT_LE(queue.droppable_bytes(), 1000u);
    }
    EXPECT_EQ(queue.droppable_events(), 3u);
    queue.push_droppable(Item{100}, 1001);  // dropped at once, the others stay
    EXPECT_EQ(queue.droppable_events(), 3u);
    queue.push_droppable(Item{101}, 1000);  // takes the whole bound
    const auto items = drain(queue);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].id, 101);
    EXPECT_EQ(queue.take_dropped(), 97u + 1u + 3u);
}

TEST(EventQueue, PopWaitsUntilTheDeadlineAndWakesOnAPush) {
    EventQueue<Item> queue({.events = 1, .bytes = 10});
    EXPECT_FALSE(queue.pop_until(std::chrono::steady_clock::now() + 10ms));
    std::thread pusher([&] { queue.push(Item{7, true}); });
    const auto item = queue.pop_until(std::chrono::steady_clock::now() + 60s);
    pusher.join();
    ASSERT_TRUE(item);
    EXPECT_EQ(item->id, 7);
}

// ---- The agent under a flood ----

class EmptyCollector final : public Collector {
public:
    Result<Snapshot> collect() override { return Snapshot{}; }
};

// Whatever the agent publishes, the "broker" answers during the publish (so while the agent's
// loop is busy): `flood` messages on the accepted topic, a lost connection in the middle, then
// the reply to the report.
class FloodingTransport final : public Transport {
public:
    explicit FloodingTransport(std::size_t flood) : flood_(flood) {}
    void set_event_sink(EventSink sink) override { sink_ = std::move(sink); }
    Status connect() override {
        connected_ = true;
        return Done{};
    }
    bool is_connected() const override { return connected_; }
    Status subscribe(const std::vector<std::string>&) override { return Done{}; }
    Status publish(const std::string&, const std::string& payload,
                   std::chrono::milliseconds) override {
        const auto report = decode(payload);
        if (!report) return Error{"undecodable report"};
        const std::string topic = "$aws/things/thing/defender/metrics/json/accepted";
        for (std::size_t i = 0; i < flood_; ++i) {
            // Unreadable replies of 60 KiB, and some of 1 MiB the agent would not read anyway.
            sink_(IncomingMessage{topic, std::string(i % 10 == 0 ? 1 << 20 : 60 * 1024, 'x')});
            if (i == flood_ / 2) sink_(ConnectionLost{"the flood broke it"});
        }
        sink_(IncomingMessage{topic, encode_reply(Reply{ReplyStatus::accepted, "thing",
                                                        report->report_id, 1700000000000, "", ""},
                                                  Format::json)});
        return Done{};
    }
    void disconnect(std::chrono::milliseconds) override { connected_ = false; }

private:
    std::size_t flood_;
    EventSink sink_;
    bool connected_ = false;
};

struct LogLine {
    LogLevel level;
    std::string text;
};

std::size_t count(const std::vector<LogLine>& log, const std::string& part,
                  std::optional<LogLevel> level = std::nullopt) {
    std::size_t found = 0;
    for (const auto& line : log) {
        if (line.text.find(part) != std::string::npos && (!level || line.level == *level)) ++found;
    }
    return found;
}

TEST(AgentUnderAFlood, QueuesABoundedNumberOfMessagesAndStillMatchesTheReply) {
    EmptyCollector collector;
    FloodingTransport transport(5000);
    AgentOptions options;
    options.thing_name = "thing";
    options.stop_after_reports = 1;
    std::vector<LogLine> log;
    Agent agent(options, collector, transport, [&](LogLevel level, const std::string& text) {
        log.push_back({level, text});
    });
    const auto counts = agent.run();

    std::string all;
    for (const auto& line : log)
        all += line.text + "\n";
    // The reply came last and was kept; the lost connection was not dropped.
    EXPECT_EQ(counts.accepted, 1u) << all;
    EXPECT_EQ(count(log, "connection lost: the flood broke it", LogLevel::warn), 1u) << all;
    // At most 64 messages (and 1 MiB) waited: the rest were dropped, with one warning.
    const auto handled = count(log, "ignored an unreadable reply on") +
                         count(log, "-byte message on $aws/things/thing/");
    EXPECT_LE(handled, 64u) << all;
    EXPECT_GE(handled, 1u) << all;
    EXPECT_EQ(count(log, "message(s) from the broker, sent faster than the agent reads them",
                    LogLevel::warn),
              1u)
        << all;
    EXPECT_EQ(count(log, "dropped " + std::to_string(5000 - handled) + " message(s)"), 1u) << all;
}

}  // namespace
}  // namespace defender
