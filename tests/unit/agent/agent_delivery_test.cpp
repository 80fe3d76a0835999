// SPDX-License-Identifier: Apache-2.0
// The real agent loop over a scripted transport on a hand-moved clock: replies accepted,
// rejected and throttled, no reply, a report in doubt across a reconnect, traffic carried over
// an outage, the id reserve. Hours of the agent's life in milliseconds, no broker, no sleeps.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "agent/agent_loop.hpp"
#include "agent/state_file.hpp"
#include "defender/reply.hpp"
#include "defender/service_emulator.hpp"
#include "defender/topics.hpp"
#include "manual_clock.hpp"
#include "scripted_transport.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;
using testing::ScriptedTransport;

constexpr const char* kThing = "clock-thing";

// One interface whose received bytes the test sets.
class CountingCollector final : public Collector {
public:
    Result<Snapshot> collect() override {
        Snapshot snapshot;
        snapshot.interfaces.push_back({"eth0", bytes_in, 1, 0, 0, false});
        return snapshot;
    }
    std::uint64_t bytes_in = 1000;
};

std::uint64_t report_id_of(const ScriptedTransport::Publish& publish) {
    return nlohmann::json::parse(publish.payload)["header"]["report_id"].get<std::uint64_t>();
}

// network_stats.bytes_in of a published report; -1 when it has none.
long long bytes_in_of(const ScriptedTransport::Publish& publish) {
    const auto report = nlohmann::json::parse(publish.payload);
    const auto metrics = report.find("metrics");
    if (metrics == report.end() || !metrics->contains("network_stats")) return -1;
    return (*metrics)["network_stats"]["bytes_in"].get<long long>();
}

class AgentDeliveryTest : public ::testing::Test {
protected:
    AgentOptions options() {
        AgentOptions options;
        options.thing_name = kThing;
        options.interval = 5min;
        options.reply_timeout = 60s;
        options.publish_timeout = 4s;
        options.backoff_initial = 1s;
        options.backoff_max = 30s;
        options.outage_reminder = 5min;
        return options;
    }
    // Runs the loop until `stop_after` from now.
    AgentCounts run(AgentOptions options, std::chrono::milliseconds stop_after) {
        loop_ = std::make_unique<AgentLoop>(
            std::move(options), collector_, transport_,
            [this](LogLevel level, const std::string& line) {
                log_.push_back({level, line});
            },
            clock_);
        clock_.at(clock_.elapsed() + stop_after, [this] { loop_->stop(); });
        clock_.limit(clock_.elapsed() + stop_after + 1h, [this] { loop_->stop(); });
        return loop_->run();
    }

    std::string topic(TopicKind kind) { return *make_topic(kThing, Format::json, kind); }
    void reply_accepted(std::uint64_t report_id) {
        Reply reply;
        reply.thing_name = kThing;
        reply.report_id = report_id;
        reply.timestamp = 1;
        transport_.deliver(topic(TopicKind::accepted), encode_reply(reply, Format::json));
    }
    // As the documented example: a rejection names no report.
    void reply_rejected(const std::string& code, const std::string& message) {
        Reply reply;
        reply.status = ReplyStatus::rejected;
        reply.thing_name = kThing;
        reply.error_code = code;
        reply.error_message = message;
        transport_.deliver(topic(TopicKind::rejected), encode_reply(reply, Format::json));
    }
    // The service accepts every report at once, and the device received 500 bytes meanwhile.
    void accept_every_report() {
        transport_.service = [this](const ScriptedTransport::Publish& publish) {
            reply_accepted(report_id_of(publish));
            collector_.bytes_in += 500;
        };
    }
    std::size_t lines(LogLevel level, const std::string& text) const {
        std::size_t count = 0;
        for (const auto& entry : log_)
            count += entry.first == level && entry.second.find(text) != std::string::npos;
        return count;
    }
    std::chrono::milliseconds since_start(const ScriptedTransport::Publish& publish) const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(publish.at - clock_.start());
    }

    ManualClock clock_;
    ScriptedTransport transport_{clock_};
    CountingCollector collector_;
    std::unique_ptr<AgentLoop> loop_;
    std::vector<std::pair<LogLevel, std::string>> log_;
};

TEST_F(AgentDeliveryTest, AcceptedReportsMoveTheBaselineOnAFixedSchedule) {
    accept_every_report();
    const auto counts = run(options(), 16min);
    ASSERT_EQ(transport_.publishes.size(), 4u);  // at 0, 5, 10 and 15 min
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(since_start(transport_.publishes[i]), i * 5min) << i;
    EXPECT_EQ(bytes_in_of(transport_.publishes[0]), -1);  // the first report has no deltas
    EXPECT_EQ(bytes_in_of(transport_.publishes[1]), 500);
    EXPECT_EQ(bytes_in_of(transport_.publishes[3]), 500);
    EXPECT_EQ(report_id_of(transport_.publishes[1]),
              static_cast<std::uint64_t>(ManualClock::kWallStart.count() + 300));
    EXPECT_EQ(counts.published, 4u);
    EXPECT_EQ(counts.accepted, 4u);
    EXPECT_EQ(lines(LogLevel::info, " accepted (accepted 4, rejected 0, unanswered 0)"), 1u);
    ASSERT_FALSE(transport_.subscriptions.empty());
    EXPECT_EQ(transport_.subscriptions[0],
              (std::vector<std::string>{topic(TopicKind::accepted), topic(TopicKind::rejected)}));
}

TEST_F(AgentDeliveryTest, ARejectedReportsTrafficGoesIntoTheNextReport) {
    int published = 0;
    transport_.service = [&](const ScriptedTransport::Publish& publish) {
        collector_.bytes_in += 500;
        if (++published == 2) return reply_rejected("InvalidPayload", "Malformed metrics report");
        reply_accepted(report_id_of(publish));
    };
    const auto counts = run(options(), 11min);
    ASSERT_EQ(transport_.publishes.size(), 3u);
    EXPECT_EQ(bytes_in_of(transport_.publishes[1]), 500);
    EXPECT_EQ(bytes_in_of(transport_.publishes[2]), 1000);  // its own and the rejected one's
    EXPECT_EQ(counts.rejected, 1u);
    EXPECT_EQ(counts.accepted, 2u);
    EXPECT_EQ(lines(LogLevel::warn, "rejected: InvalidPayload: Malformed metrics report"), 1u);
}

TEST_F(AgentDeliveryTest, ThrottledWaitsAFullIntervalFromTheReply) {
    int published = 0;
    transport_.service = [&](const ScriptedTransport::Publish& publish) {
        if (++published != 2) reply_accepted(report_id_of(publish));
    };
    clock_.at(5min + 30s, [&] { reply_rejected("Throttled", "Report was throttled"); });
    const auto counts = run(options(), 12min);
    ASSERT_EQ(transport_.publishes.size(), 3u);
    EXPECT_EQ(since_start(transport_.publishes[1]), 5min);
    // Not at the 10-minute slot: a full interval after the rejection.
    EXPECT_EQ(since_start(transport_.publishes[2]), 10min + 30s);
    EXPECT_EQ(counts.rejected, 1u);
    EXPECT_EQ(lines(LogLevel::info, "throttled: next report in a full interval"), 1u);
}

TEST_F(AgentDeliveryTest, NoReplyCountsAsDeliveredAfterTheTimeoutOneWarningAStretch) {
    transport_.service = [&](const ScriptedTransport::Publish&) { collector_.bytes_in += 500; };
    const auto counts = run(options(), 17min);
    ASSERT_EQ(transport_.publishes.size(), 4u);
    // Delivered, unanswered: the traffic is not reported twice.
    EXPECT_EQ(bytes_in_of(transport_.publishes[2]), 500);
    EXPECT_EQ(counts.unanswered, 4u);
    EXPECT_EQ(lines(LogLevel::warn, "no reply to report"), 1u);
    EXPECT_EQ(lines(LogLevel::debug, "no reply to report"), 3u);
    EXPECT_EQ(lines(LogLevel::warn, "within 60 s (accepted 0, rejected 0, unanswered 1)"), 1u);
}

TEST_F(AgentDeliveryTest, AReportInDoubtIsSettledByItsReplyAfterTheReconnect) {
    accept_every_report();
    std::uint64_t in_doubt = 0;
    clock_.at(4min, [&] { transport_.unacknowledged_publishes = 1; });  // the 5-min report
    clock_.at(5min + 10s, [&] {
        in_doubt = report_id_of(transport_.sent_without_puback.at(0));
        collector_.bytes_in += 500;
        transport_.drop("keep-alive timeout");
    });
    // The persistent session resends it after the reconnect, and the service accepts it.
    clock_.at(5min + 20s, [&] { reply_accepted(in_doubt); });
    const auto counts = run(options(), 11min);
    ASSERT_EQ(transport_.publishes.size(), 2u);  // at 0 and 10 min: none while in doubt
    EXPECT_EQ(since_start(transport_.publishes[1]), 10min);
    // Deltas start after the report in doubt: it arrived.
    EXPECT_EQ(bytes_in_of(transport_.publishes[1]), 500);
    EXPECT_EQ(counts.accepted, 3u);
    EXPECT_EQ(counts.failed, 1u);
    EXPECT_EQ(lines(LogLevel::warn, "(still in flight: the next report waits for its reply)"), 1u);
}

TEST_F(AgentDeliveryTest, AReportInDoubtWithNoReplyAfterTheReconnectIsLostAndCarried) {
    accept_every_report();
    clock_.at(4min, [&] { transport_.unacknowledged_publishes = 1; });
    clock_.at(5min + 10s, [&] {
        collector_.bytes_in += 500;  // the traffic of the report in doubt
        transport_.drop("keep-alive timeout");
    });
    const auto counts = run(options(), 11min);
    ASSERT_EQ(transport_.publishes.size(), 2u);
    // Lost a reply timeout after the reconnect; the next slot (10 min) carries its traffic.
    EXPECT_EQ(since_start(transport_.publishes[1]), 10min);
    EXPECT_EQ(bytes_in_of(transport_.publishes[1]), 1000);
    EXPECT_EQ(counts.accepted, 2u);
    EXPECT_EQ(lines(LogLevel::info, "was lost in flight (no reply after the reconnect)"), 1u);
}

TEST_F(AgentDeliveryTest, AnOutageIsOneFreshReportAfterwardsWithAllItsTraffic) {
    accept_every_report();
    clock_.at(1min, [&] {
        transport_.refusal = "connection refused";
        transport_.drop();
    });
    // Down for three slots; traffic goes on meanwhile.
    clock_.at(15min, [&] { collector_.bytes_in += 2000; });
    clock_.at(17min, [&] { transport_.refusal.clear(); });
    const auto counts = run(options(), 25min);
    ASSERT_EQ(transport_.publishes.size(), 3u);
    const auto reconnect = since_start(transport_.publishes[1]);
    EXPECT_GE(reconnect, 17min);
    EXPECT_LE(reconnect, 17min + 30s);
    // No burst of stale reports: one, with the traffic of the whole outage.
    EXPECT_EQ(bytes_in_of(transport_.publishes[1]), 2500);  // 500 before the drop, 2000 during
    // Then a full interval later.
    EXPECT_EQ(since_start(transport_.publishes[2]), reconnect + 5min);
    EXPECT_EQ(counts.accepted, 3u);
    EXPECT_EQ(lines(LogLevel::warn, "connection lost: the broker closed the connection"), 1u);
    EXPECT_EQ(lines(LogLevel::warn, "cannot connect: connection refused"), 1u);
    EXPECT_GE(lines(LogLevel::warn, "still not connected after"), 1u);
    EXPECT_EQ(lines(LogLevel::info, "connected again after"), 1u);
}

// The agent against the stand-in behind `defender emulate`, reporting faster than it allows.
TEST_F(AgentDeliveryTest, TheEmulatorsThrottlingDelaysTheNextReportByAFullInterval) {
    ServiceEmulator emulator({5min, {}});
    transport_.service = [&](const ScriptedTransport::Publish& publish) {
        auto answer =
            emulator.handle(IncomingMessage{publish.topic, publish.payload}, clock_.now());
        ASSERT_TRUE(answer);
        transport_.deliver(answer->reply_topic, answer->reply_payload);
    };
    auto settings = options();
    settings.interval = 4min;
    const auto counts = run(settings, 11min);
    ASSERT_EQ(transport_.publishes.size(), 3u);
    EXPECT_EQ(since_start(transport_.publishes[1]), 4min);  // Throttled: 4 min < 5 min
    EXPECT_EQ(since_start(transport_.publishes[2]), 8min);  // a full interval later
    EXPECT_EQ(counts.accepted, 2u);
    EXPECT_EQ(counts.rejected, 1u);
    EXPECT_EQ(lines(LogLevel::warn, "rejected: Throttled: Report was throttled"), 1u);
}

TEST_F(AgentDeliveryTest, TheIdReserveIsRaisedOnlyWhenIdsAreUsed) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("defender-delivery-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "boot_id") << "3f1e0c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b\n";
    auto settings = options();
    settings.state_file = dir / "state.json";
    settings.boot_id_file = dir / "boot_id";
    const auto reserve = [&] { return load_id_reserve(id_reserve_file(settings.state_file)); };

    transport_.refusal = "connection refused";
    run(settings, 10min);  // never connected: no id used
    EXPECT_EQ(reserve(), 0u);
    transport_.refusal.clear();
    accept_every_report();
    run(settings, 1min);
    ASSERT_EQ(transport_.publishes.size(), 1u);
    const auto first = report_id_of(transport_.publishes[0]);
    EXPECT_EQ(reserve(), first + kReportIdReserve);
    EXPECT_EQ(lines(LogLevel::info, "report ids continue above"), 0u);
    std::filesystem::remove_all(dir);
}

TEST_F(AgentDeliveryTest, AWallClockStepIsOneWarningAndIdsStayIncreasing) {
    accept_every_report();
    clock_.at(7min, [&] { clock_.step_wall_clock(-2h); });
    run(options(), 11min);
    ASSERT_EQ(transport_.publishes.size(), 3u);
    EXPECT_GT(report_id_of(transport_.publishes[2]), report_id_of(transport_.publishes[1]));
    EXPECT_EQ(lines(LogLevel::warn, "the wall clock stepped back by 7200 s"), 1u);
}

}  // namespace
}  // namespace defender
