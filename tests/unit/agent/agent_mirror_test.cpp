// SPDX-License-Identifier: Apache-2.0
// --mirror-topic on the real agent loop over a scripted transport on a hand-moved clock: the
// mirror gets each report's same bytes after the Device Defender publish, and a mirror that
// fails changes nothing of the delivery (ids, deltas, counts), with one warning.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/agent_loop.hpp"
#include "agent/mirror_topic.hpp"
#include "defender/reply.hpp"
#include "defender/topics.hpp"
#include "manual_clock.hpp"
#include "scripted_transport.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;
using testing::ScriptedTransport;

constexpr const char* kThing = "mirror-thing";
constexpr const char* kMirrorTemplate = "dt/defender/{thingName}/metrics/{format}";
constexpr const char* kMirror = "dt/defender/mirror-thing/metrics/json";

class CountingCollector final : public Collector {
public:
    Result<Snapshot> collect() override {
        Snapshot snapshot;
        snapshot.interfaces.push_back({"eth0", bytes_in, 1, 0, 0, false});
        return snapshot;
    }
    std::uint64_t bytes_in = 1000;
};

// The scripted transport, refusing every publish on the mirror topic while `refuse_mirror`.
class MirrorRefusingTransport final : public Transport {
public:
    explicit MirrorRefusingTransport(ScriptedTransport& inner) : inner_(inner) {}
    void set_event_sink(EventSink sink) override { inner_.set_event_sink(std::move(sink)); }
    Status connect() override { return inner_.connect(); }
    bool is_connected() const override { return inner_.is_connected(); }
    Status subscribe(const std::vector<std::string>& filters) override {
        return inner_.subscribe(filters);
    }
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout) override {
        if (refuse_mirror && topic == kMirror) {
            ++refused;
            return Error{"not authorized"};
        }
        return inner_.publish(topic, payload, timeout);
    }
    void disconnect(std::chrono::milliseconds timeout) override { inner_.disconnect(timeout); }

    bool refuse_mirror = false;
    int refused = 0;

private:
    ScriptedTransport& inner_;
};

class AgentMirrorTest : public ::testing::Test {
protected:
    AgentOptions options() {
        AgentOptions options;
        options.thing_name = kThing;
        options.interval = 5min;
        options.reply_timeout = 60s;
        options.publish_timeout = 4s;
        options.mirror_topic = kMirrorTemplate;
        return options;
    }
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
    // The service accepts every Device Defender report at once; 500 bytes arrive meanwhile.
    void accept_every_report() {
        scripted_.service = [this](const ScriptedTransport::Publish& publish) {
            if (publish.topic == kMirror) return;
            Reply reply;
            reply.thing_name = kThing;
            reply.report_id =
                nlohmann::json::parse(publish.payload)["header"]["report_id"].get<std::uint64_t>();
            reply.timestamp = 1;
            scripted_.deliver(*make_topic(kThing, Format::json, TopicKind::accepted),
                              encode_reply(reply, Format::json));
            collector_.bytes_in += 500;
        };
    }
    std::vector<ScriptedTransport::Publish> on(const std::string& topic) const {
        std::vector<ScriptedTransport::Publish> found;
        for (const auto& publish : scripted_.publishes)
            if (publish.topic == topic) found.push_back(publish);
        return found;
    }
    std::size_t lines(LogLevel level, const std::string& text) const {
        std::size_t count = 0;
        for (const auto& entry : log_)
            count += entry.first == level && entry.second.find(text) != std::string::npos;
        return count;
    }

    ManualClock clock_;
    ScriptedTransport scripted_{clock_};
    MirrorRefusingTransport transport_{scripted_};
    CountingCollector collector_;
    std::unique_ptr<AgentLoop> loop_;
    std::vector<std::pair<LogLevel, std::string>> log_;
    const std::string defender_topic_ = *make_topic(kThing, Format::json, TopicKind::publish);
};

TEST_F(AgentMirrorTest, TheMirrorGetsEachReportsSameBytesAfterTheDefenderPublish) {
    accept_every_report();
    const auto counts = run(options(), 11min);
    const auto reports = on(defender_topic_);
    const auto mirrored = on(kMirror);
    ASSERT_EQ(reports.size(), 3u);  // at 0, 5 and 10 min
    ASSERT_EQ(mirrored.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(mirrored[i].payload, reports[i].payload) << i;
    // Each mirror publish follows its Device Defender publish.
    for (std::size_t i = 0; i + 1 < scripted_.publishes.size(); i += 2) {
        EXPECT_EQ(scripted_.publishes[i].topic, defender_topic_);
        EXPECT_EQ(scripted_.publishes[i + 1].topic, kMirror);
    }
    EXPECT_EQ(counts.published, 3u);
    EXPECT_EQ(counts.accepted, 3u);
}

TEST_F(AgentMirrorTest, AFailingMirrorChangesNothingOfTheDelivery) {
    accept_every_report();
    transport_.refuse_mirror = true;
    const auto counts = run(options(), 16min);
    const auto reports = on(defender_topic_);
    ASSERT_EQ(reports.size(), 4u);
    EXPECT_TRUE(on(kMirror).empty());
    EXPECT_EQ(transport_.refused, 4);
    EXPECT_EQ(counts.published, 4u);
    EXPECT_EQ(counts.accepted, 4u);
    EXPECT_EQ(counts.failed, 0u);
    // The deltas follow the Device Defender publish: 500 bytes between two accepted reports.
    const auto bytes_in = [](const ScriptedTransport::Publish& publish) {
        return nlohmann::json::parse(publish.payload)["metrics"]["network_stats"]["bytes_in"]
            .get<long long>();
    };
    EXPECT_EQ(bytes_in(reports[1]), 500);
    EXPECT_EQ(bytes_in(reports[3]), 500);
    // One warning, the repeats are debug lines (one warning an hour by default).
    EXPECT_EQ(lines(LogLevel::warn, "cannot mirror report "), 1u);
    EXPECT_EQ(lines(LogLevel::debug, "cannot mirror report "), 3u);
    EXPECT_EQ(lines(LogLevel::warn, "not authorized (--mirror-topic"), 1u);
}

TEST_F(AgentMirrorTest, WithoutAMirrorTopicNothingElseIsPublished) {
    accept_every_report();
    auto plain = options();
    plain.mirror_topic.clear();
    run(plain, 6min);
    EXPECT_EQ(scripted_.publishes.size(), 2u);
    EXPECT_TRUE(on(kMirror).empty());
}

TEST(MirrorTopic, ExpandsThePlaceholders) {
    EXPECT_EQ(mirror_topic(kMirrorTemplate, "t1", Format::cbor).value(),
              "dt/defender/t1/metrics/cbor");
    EXPECT_EQ(mirror_topic("fixed/topic", "t1", Format::json).value(), "fixed/topic");
    EXPECT_EQ(mirror_topic("$aws/rules/my_rule/a/b/c/d/e/f/{thingName}", "t", Format::json).value(),
              "$aws/rules/my_rule/a/b/c/d/e/f/t");  // Basic Ingest's prefix is not counted
}

TEST(MirrorTopic, RefusesWhatAwsIotCoreRefuses) {
    const auto error = [](std::string_view text, std::string_view thing = "t1") {
        auto topic = mirror_topic(text, thing, Format::json);
        return topic ? std::string("(accepted)") : topic.error().message;
    };
    EXPECT_EQ(error(""), "the mirror topic is empty");
    EXPECT_NE(error("dt/{thing}/x").find("unknown placeholder {thing}"), std::string::npos);
    EXPECT_NE(error("dt/{format").find("a { without }"), std::string::npos);
    EXPECT_NE(error("dt/format}").find("a } without {"), std::string::npos);
    EXPECT_NE(error("dt/+/x").find("MQTT wildcard"), std::string::npos);
    EXPECT_NE(error("dt/#").find("MQTT wildcard"), std::string::npos);
    EXPECT_NE(error("$aws/things/{thingName}/x").find("reserved topic"), std::string::npos);
    EXPECT_NE(error("a/b/c/d/e/f/g/h/i").find("8 slashes"), std::string::npos);
    EXPECT_EQ(error("a/b/c/d/e/f/g/h"), "(accepted)");  // 7 slashes
    const std::string thing(128, 'x');
    EXPECT_EQ(error(std::string(122, 'a') + "/{thingName}/{format}", thing), "(accepted)");  // 256
    EXPECT_NE(error(std::string(125, 'a') + "/{thingName}/{format}", thing).find("259 bytes"),
              std::string::npos);
}

}  // namespace
}  // namespace defender
