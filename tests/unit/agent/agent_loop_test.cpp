// SPDX-License-Identifier: Apache-2.0
// The agent's loop over a fake transport: how it reconnects and when it reports on a link that
// keeps dropping. Real time, in milliseconds; no broker.

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "defender/agent.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class EmptyCollector final : public Collector {
public:
    Result<Snapshot> collect() override { return Snapshot{}; }
};

// Connects at once (unless `refuse_until` lies ahead), acknowledges every publish, answers
// nothing; the test drops the link with drop().
class FakeTransport final : public Transport {
public:
    void set_event_sink(EventSink sink) override {
        std::lock_guard lock(mutex_);
        sink_ = std::move(sink);
    }
    Status connect() override {
        std::lock_guard lock(mutex_);
        if (Clock::now() < refuse_until_) return Error{"connection refused"};
        ++connects_;
        connected_ = true;
        return Done{};
    }
    bool is_connected() const override {
        std::lock_guard lock(mutex_);
        return connected_;
    }
    Status subscribe(const std::vector<std::string>&) override {
        std::lock_guard lock(mutex_);
        if (refuse_subscribe_) return Error{"SUBACK refused the topic filter"};
        return Done{};
    }
    Status publish(const std::string&, const std::string&, std::chrono::milliseconds) override {
        std::lock_guard lock(mutex_);
        if (!connected_) return Error{"not connected"};
        publishes_.push_back(Clock::now());
        return Done{};
    }
    void disconnect(std::chrono::milliseconds) override {
        std::lock_guard lock(mutex_);
        connected_ = false;
    }

    /// The broker drops the agent; connect attempts fail for `refuse_for`.
    void drop(std::chrono::milliseconds refuse_for = 0ms) {
        EventSink sink;
        {
            std::lock_guard lock(mutex_);
            if (!connected_) return;
            connected_ = false;
            refuse_until_ = Clock::now() + refuse_for;
            sink = sink_;
        }
        sink(ConnectionLost{"the broker closed the connection"});
    }
    void refuse_connects_for(std::chrono::milliseconds duration) {
        std::lock_guard lock(mutex_);
        refuse_until_ = Clock::now() + duration;
    }
    void refuse_subscribe() {
        std::lock_guard lock(mutex_);
        refuse_subscribe_ = true;
    }
    std::size_t connects() const {
        std::lock_guard lock(mutex_);
        return connects_;
    }
    std::vector<Clock::time_point> publishes() const {
        std::lock_guard lock(mutex_);
        return publishes_;
    }

private:
    mutable std::mutex mutex_;
    EventSink sink_;
    bool connected_ = false;
    bool refuse_subscribe_ = false;
    Clock::time_point refuse_until_{};
    std::size_t connects_ = 0;
    std::vector<Clock::time_point> publishes_;
};

class AgentLoopTest : public ::testing::Test {
protected:
    AgentOptions options(std::chrono::milliseconds interval) {
        AgentOptions options;
        options.thing_name = "loop-thing";
        options.interval = interval;
        options.backoff_initial = 10ms;
        options.backoff_max = 2s;
        options.reply_timeout = 1h;
        options.outage_reminder = 200ms;
        return options;
    }
    void start(AgentOptions options) {
        agent_ = std::make_unique<Agent>(std::move(options), collector_, transport_,
                                         [this](LogLevel level, const std::string& line) {
                                             std::lock_guard lock(log_mutex_);
                                             log_.push_back({level, line});
                                         });
        started_ = Clock::now();
        thread_ = std::thread([this] { agent_->run(); });
    }
    void TearDown() override {
        if (agent_) agent_->stop();
        if (thread_.joinable()) thread_.join();
    }
    bool wait_for_publishes(std::size_t count, std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (transport_.publishes().size() < count && Clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        return transport_.publishes().size() >= count;
    }
    std::size_t lines_with(LogLevel level, const std::string& text) {
        std::lock_guard lock(log_mutex_);
        std::size_t count = 0;
        for (const auto& [line_level, line] : log_)
            count += line_level == level && line.find(text) != std::string::npos ? 1 : 0;
        return count;
    }

    EmptyCollector collector_;
    FakeTransport transport_;
    std::unique_ptr<Agent> agent_;
    std::thread thread_;
    Clock::time_point started_;
    std::mutex log_mutex_;
    std::vector<std::pair<LogLevel, std::string>> log_;
};

// Issue #19.4: a broker that drops the agent right after each publish (AWS IoT does when the
// policy denies it) once made it reconnect every few milliseconds here and publish each time.
TEST_F(AgentLoopTest, ALinkDroppedAfterEachPublishGetsGrowingBackoffAndNoExtraReports) {
    auto settings = options(2s);
    settings.outage_reminder = 1h;  // also the least gap between "connection lost" warnings
    start(std::move(settings));
    const auto until = Clock::now() + 4500ms;
    std::size_t seen = 0;
    while (Clock::now() < until) {
        if (transport_.publishes().size() > seen) {
            seen = transport_.publishes().size();
            transport_.drop();
        } else if (transport_.is_connected() && transport_.connects() > seen) {
            transport_.drop();  // also right after a reconnect without a report
        }
        std::this_thread::sleep_for(2ms);
    }
    // Slots at 0, 2 and 4 s: three reports at most.
    EXPECT_LE(transport_.publishes().size(), 3u);
    EXPECT_GE(transport_.publishes().size(), 1u);
    // Waits of 10, 20, 40 ... ms capped at 2 s: about a dozen connects, not hundreds.
    EXPECT_LE(transport_.connects(), 16u);
    // The first loss is a warning; those that follow within the period are debug lines.
    EXPECT_EQ(lines_with(LogLevel::warn, "connection lost"), 1u);
}

TEST_F(AgentLoopTest, AShortDropSendsNoReportBeforeTheNextSlot) {
    start(options(1500ms));
    ASSERT_TRUE(wait_for_publishes(1, 1s));
    transport_.drop();
    std::this_thread::sleep_for(500ms);
    EXPECT_GE(transport_.connects(), 2u);
    EXPECT_EQ(transport_.publishes().size(), 1u);
    ASSERT_TRUE(wait_for_publishes(2, 3s));
    EXPECT_GE(transport_.publishes()[1] - started_, 1400ms);
}

TEST_F(AgentLoopTest, ASlotMissedWhileDownIsReportedOnTheReconnect) {
    auto settings = options(2s);
    settings.backoff_max = 50ms;
    start(std::move(settings));
    ASSERT_TRUE(wait_for_publishes(1, 1s));
    const auto dropped = Clock::now();
    transport_.drop(2500ms);  // the slot at 2 s passes while down
    ASSERT_TRUE(wait_for_publishes(2, 5s));
    const auto second = transport_.publishes()[1];
    EXPECT_GE(second - dropped, 2500ms);
    // Sent on the reconnect, not at the next slot (4 s).
    EXPECT_LT(second - dropped, 3500ms);
}

TEST_F(AgentLoopTest, AnOutageIsOneWarningThenRemindersAtGrowingIntervals) {
    auto settings = options(1h);
    settings.backoff_max = 50ms;
    start(std::move(settings));
    ASSERT_TRUE(wait_for_publishes(1, 1s));
    transport_.drop(1500ms);
    std::this_thread::sleep_for(1200ms);
    // Reminders 200, 600 and (at most) 1400 ms into the outage.
    EXPECT_EQ(lines_with(LogLevel::warn, "cannot connect: connection refused"), 1u);
    EXPECT_GE(lines_with(LogLevel::warn, "still not connected after"), 2u);
    EXPECT_LE(lines_with(LogLevel::warn, "still not connected after"), 3u);
    const auto deadline = Clock::now() + 3s;
    while (lines_with(LogLevel::info, "connected again after") == 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_EQ(lines_with(LogLevel::info, "connected again after"), 1u);
}

// Issue #14 item 7 (decisions.md): starting, failing to connect and stopping again once raised
// the report-id reserve by 3 600 each time and claimed a reboot that never happened.
TEST_F(AgentLoopTest, RestartsWithoutAConnectionLeaveTheIdReserveAlone) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("defender-loop-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "boot_id") << "3f1e0c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b\n";
    const auto reserve = [&] {
        std::ifstream in(dir / "state.json.id-reserve");
        std::string text;
        in >> text;
        return text;
    };
    const auto run = [&](bool connects) {
        FakeTransport transport;
        if (!connects) transport.refuse_connects_for(1h);
        auto settings = options(1h);
        settings.state_file = dir / "state.json";
        settings.boot_id_file = dir / "boot_id";
        settings.stop_after_reports = connects ? 1 : 0;
        settings.expect_replies = false;
        Agent agent(settings, collector_, transport,
                    [this](LogLevel level, const std::string& line) {
                        std::lock_guard lock(log_mutex_);
                        log_.push_back({level, line});
                    });
        std::thread thread([&] { agent.run(); });
        std::this_thread::sleep_for(connects ? 500ms : 100ms);
        agent.stop();
        thread.join();
    };
    run(false);
    run(false);
    EXPECT_EQ(reserve(), "") << "no id was used, no reserve is needed";
    run(true);  // one report: the reserve goes 3 600 above its id
    const auto after_report = reserve();
    ASSERT_FALSE(after_report.empty());
    run(false);
    run(false);
    EXPECT_EQ(reserve(), after_report);
    EXPECT_EQ(lines_with(LogLevel::info, "report ids continue above"), 0u);
    std::filesystem::remove_all(dir);
}

// Issue #19.16: a policy without iot:Subscribe once made a warning of every retry.
TEST_F(AgentLoopTest, APersistentSubscribeRefusalIsOneWarning) {
    transport_.refuse_subscribe();
    auto settings = options(1h);
    settings.backoff_max = 20ms;
    start(std::move(settings));
    const auto deadline = Clock::now() + 3s;
    while (transport_.connects() < 10 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_GE(transport_.connects(), 10u);
    EXPECT_EQ(lines_with(LogLevel::warn, "cannot subscribe to the reply topics"), 1u);
    EXPECT_GE(lines_with(LogLevel::debug, "cannot subscribe to the reply topics"), 8u);
    EXPECT_TRUE(transport_.publishes().empty());
}

// The status hook (systemd's STATUS=, `defender status`): a change is one call, a retry with the
// same cause is none.
TEST_F(AgentLoopTest, TheStatusHookSeesEachChangeOnceAndNotEachRetry) {
    std::mutex mutex;
    std::vector<AgentStatus> seen;
    auto settings = options(1h);
    settings.backoff_max = 20ms;
    settings.destination = "broker:8883";
    settings.on_status = [&](const AgentStatus& status) {
        std::lock_guard lock(mutex);
        seen.push_back(status);
    };
    const auto count = [&] {
        std::lock_guard lock(mutex);
        return seen.size();
    };
    start(std::move(settings));
    ASSERT_TRUE(wait_for_publishes(1, 1s));
    const auto connects = transport_.connects();
    transport_.drop(600ms);
    auto deadline = Clock::now() + 3s;
    while (transport_.connects() == connects && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    deadline = Clock::now() + 3s;
    while (count() < 5 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    agent_->stop();
    thread_.join();
    std::lock_guard lock(mutex);
    // starting, connected, lost, the first refusal (a new cause), connected, stopped: not one
    // per refused attempt (about 20 of them).
    ASSERT_EQ(seen.size(), 6u);
    EXPECT_EQ(seen[0].state, ConnectionState::starting);
    EXPECT_EQ(seen[0].destination, "broker:8883");
    EXPECT_EQ(seen[1].state, ConnectionState::connected);
    EXPECT_EQ(seen[2].state, ConnectionState::disconnected);
    EXPECT_EQ(seen[2].last_error, "connection lost: the broker closed the connection");
    EXPECT_EQ(seen[3].state, ConnectionState::disconnected);
    EXPECT_EQ(seen[3].last_error, "cannot connect: connection refused");
    EXPECT_EQ(seen[3].since, seen[2].since);  // the outage began with the loss
    EXPECT_EQ(seen[4].state, ConnectionState::connected);
    EXPECT_EQ(seen[5].state, ConnectionState::stopped);
    EXPECT_EQ(seen[5].lifetime.published, 1u);
    EXPECT_EQ(seen[5].last_outcome, ReportOutcome::none);  // the fake service never answers
}

TEST_F(AgentLoopTest, TheHeartbeatComesAtItsIntervalBetweenReports) {
    std::atomic<int> beats{0};
    auto settings = options(1h);
    settings.heartbeat_interval = 20ms;
    settings.on_heartbeat = [&] { ++beats; };
    start(std::move(settings));
    ASSERT_TRUE(wait_for_publishes(1, 1s));
    const auto deadline = Clock::now() + 5s;
    while (beats < 10 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_GE(beats.load(), 10);
    EXPECT_EQ(transport_.publishes().size(), 1u);
}

}  // namespace
}  // namespace defender
