// SPDX-License-Identifier: Apache-2.0
// MqttTransport (own MQTT 3.1.1 client on mbed TLS) against a real mosquitto with mutual TLS on
// 127.0.0.1: what this client promises beyond the basics of mqtt_transport_test.cpp (quiet I/O
// thread, keep-alive, persistent-session resend, proxy tunnel).

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "blackhole_proxy.hpp"
#include "connect_proxy.hpp"
#include "defender/mqtt_transport.hpp"
#include "event_recorder.hpp"
#include "mosquitto_broker.hpp"
#include "mqtt_test_settings.hpp"
#include "ports.hpp"
#include "test_pki.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using test::EventRecorder;
using test::MosquittoBroker;
using test::TestPki;

const std::string kTopic = "$aws/things/T/defender/metrics/json";

class MqttClientTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
    static void TearDownTestSuite() { pki_.reset(); }
    static const TestPki& pki() { return *pki_; }

    static MqttSettings settings_for(std::uint16_t port, const std::string& client_id = "T") {
        MqttSettings settings = test::local_mutual_tls_settings(pki(), port, client_id);
        settings.proxy_from_environment = false;
        return settings;
    }

private:
    static inline std::unique_ptr<TestPki> pki_;
};

// Voluntary + involuntary context switches of every thread of this process but `except`.
std::map<std::string, long> switches_by_thread() {
    std::map<std::string, long> switches;
    DIR* tasks = ::opendir("/proc/self/task");
    while (dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream status(std::string("/proc/self/task/") + entry->d_name + "/status");
        long total = 0;
        for (std::string line; std::getline(status, line);) {
            if (line.starts_with("voluntary_ctxt_switches:") ||
                line.starts_with("nonvoluntary_ctxt_switches:")) {
                total += std::stol(line.substr(line.find(':') + 1));
            }
        }
        switches[entry->d_name] = total;
    }
    ::closedir(tasks);
    return switches;
}

TEST_F(MqttClientTest, PublishesAndReceivesItsOwnMessages) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    EventRecorder events;
    MqttTransport transport(settings_for(broker.port()));
    transport.set_event_sink(events.sink());
    Status connected = transport.connect();
    ASSERT_TRUE(connected.ok()) << connected.error().message;
    ASSERT_TRUE(transport.subscribe({kTopic + "/#", kTopic}).ok());
    // 200 KB crosses many TLS records and several socket buffers in both directions.
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{127}, std::size_t{16384},
                             std::size_t{200'000}}) {
        std::string payload(size, '\0');
        for (std::size_t i = 0; i < size; ++i)
            payload[i] = static_cast<char>(i * 7 + size);
        Status published = transport.publish(kTopic, payload, 5000ms);
        ASSERT_TRUE(published.ok()) << published.error().message;
        auto message = events.wait_for_message(5s);
        ASSERT_TRUE(message.has_value()) << size;
        EXPECT_EQ(message->topic, kTopic);
        EXPECT_EQ(message->payload, payload) << size;
    }
    transport.disconnect(1s);
    EXPECT_FALSE(transport.is_connected());
    EXPECT_FALSE(events.wait_for_connection_lost(200ms).has_value())
        << "a disconnect we asked for is not a lost connection";
}

// The PUBACK can be read by the I/O thread before publish() starts waiting for it: it must
// still count (it once did not, and the publish then timed out).
TEST_F(MqttClientTest, EveryPublishOfAQuickSeriesGetsItsPuback) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    MqttTransport transport(settings_for(broker.port()));
    ASSERT_TRUE(transport.connect().ok());
    for (int i = 0; i < 2000; ++i) {
        Status published = transport.publish(kTopic, std::to_string(i), 3000ms);
        ASSERT_TRUE(published.ok()) << i << ": " << published.error().message;
    }
}

TEST_F(MqttClientTest, ItsThreadSleepsBetweenPackets) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.keep_alive = 60s;
    const auto before_connect = switches_by_thread();
    MqttTransport transport(settings);
    ASSERT_TRUE(transport.connect().ok());
    ASSERT_TRUE(transport.publish(kTopic, "{}", 2000ms).ok());
    std::this_thread::sleep_for(200ms);  // let the PUBACK's wake-up settle
    const auto start = switches_by_thread();
    std::this_thread::sleep_for(2500ms);
    const auto end = switches_by_thread();
    std::size_t transport_threads = 0;
    for (const auto& [tid, count] : start) {
        if (before_connect.contains(tid) || std::to_string(::gettid()) == tid) continue;
        ++transport_threads;
        ASSERT_TRUE(end.contains(tid));
        EXPECT_EQ(end.at(tid) - count, 0) << "thread " << tid << " woke up while idle";
    }
    EXPECT_EQ(transport_threads, 1u);
}

TEST_F(MqttClientTest, KeepAlivePingsAnIdleConnection) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.keep_alive = 1s;
    EventRecorder events;
    MqttTransport transport(settings);
    transport.set_event_sink(events.sink());
    ASSERT_TRUE(transport.connect().ok());
    // mosquitto drops a client silent for 1.5 keep-alives: still here after 4 s means pings.
    EXPECT_FALSE(events.wait_for_connection_lost(4s).has_value()) << broker.log();
    EXPECT_TRUE(transport.is_connected());
    EXPECT_TRUE(transport.publish(kTopic, "{}", 2000ms).ok());
}

TEST_F(MqttClientTest, AHalfOpenLinkIsNoticedByTheMissingPingresp) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    test::BlackholeProxy blackhole(broker.port());
    MqttSettings settings = settings_for(blackhole.port());
    settings.keep_alive = 1s;
    EventRecorder events;
    MqttTransport transport(settings);
    transport.set_event_sink(events.sink());
    ASSERT_TRUE(transport.connect().ok());
    blackhole.go_silent();
    const auto start = std::chrono::steady_clock::now();
    auto lost = events.wait_for_connection_lost(6s);
    ASSERT_TRUE(lost.has_value());
    EXPECT_EQ(lost->reason, "no PINGRESP within 1000 ms");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3500ms);
    EXPECT_FALSE(transport.is_connected());
}

TEST_F(MqttClientTest, AnUnacknowledgedPublishIsSentAgainAfterReconnecting) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    EventRecorder subscriber_events;
    MqttTransport subscriber(settings_for(broker.port(), "subscriber"));
    subscriber.set_event_sink(subscriber_events.sink());
    ASSERT_TRUE(subscriber.connect().ok());
    ASSERT_TRUE(subscriber.subscribe({kTopic}).ok());

    test::BlackholeProxy blackhole(broker.port());
    MqttTransport publisher(settings_for(blackhole.port(), "publisher"));
    EventRecorder publisher_events;
    publisher.set_event_sink(publisher_events.sink());
    ASSERT_TRUE(publisher.connect().ok());
    blackhole.go_silent();  // the PUBLISH goes nowhere
    EXPECT_FALSE(publisher.publish(kTopic, "in doubt", 300ms).ok());
    EXPECT_FALSE(subscriber_events.wait_for_message(300ms).has_value());

    publisher.disconnect(0ms);
    blackhole.forward();
    Status again = publisher.connect();  // the broker kept the session: it is resent
    ASSERT_TRUE(again.ok()) << again.error().message;
    auto message = subscriber_events.wait_for_message(5s);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->payload, "in doubt");
}

// A PUBLISH written but never acknowledged may have arrived, so it fails only
// at its timeout (the agent counts such a report as in flight), even when the connection
// drops while it waits.
TEST_F(MqttClientTest, AWrittenPublishWhoseConnectionDropsFailsOnlyAtItsTimeout) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    auto blackhole = std::make_unique<test::BlackholeProxy>(broker.port());
    EventRecorder events;
    MqttTransport transport(settings_for(blackhole->port()));
    transport.set_event_sink(events.sink());
    ASSERT_TRUE(transport.connect().ok());
    blackhole->go_silent();
    std::thread dropper([&] {
        std::this_thread::sleep_for(300ms);
        blackhole.reset();  // closes both sides: the connection is lost
    });
    const auto start = std::chrono::steady_clock::now();
    Status published = transport.publish(kTopic, "{}", 1500ms);
    const auto waited = std::chrono::steady_clock::now() - start;
    dropper.join();
    ASSERT_FALSE(published.ok());
    EXPECT_EQ(published.error().message, "no PUBACK for " + kTopic + " within 1500 ms");
    EXPECT_GE(waited, 1500ms);
    EXPECT_TRUE(events.wait_for_connection_lost(1s).has_value());
    EXPECT_FALSE(transport.is_connected());
}

TEST_F(MqttClientTest, TunnelsThroughAnHttpProxyWithBasicAuthentication) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    test::ConnectProxy proxy({"user", "s3cret", false});
    MqttSettings settings = settings_for(broker.port());
    settings.proxy = ProxySettings{"127.0.0.1", proxy.port(), "user", "s3cret"};
    MqttTransport transport(settings);
    Status connected = transport.connect();
    ASSERT_TRUE(connected.ok()) << connected.error().message;
    EXPECT_TRUE(transport.publish(kTopic, "{}", 2000ms).ok());
    ASSERT_EQ(proxy.connects().size(), 1u);
    EXPECT_EQ(proxy.connects()[0].target, "localhost:" + std::to_string(broker.port()));
    EXPECT_EQ(proxy.connects()[0].proxy_authorization, "Basic dXNlcjpzM2NyZXQ=");

    settings.proxy->password = "wrong";
    MqttTransport refused(settings);
    const std::string proxy_name = describe_proxy(*settings.proxy);
    EXPECT_EQ(refused.connect().error().message,
              "connect to localhost:" + std::to_string(broker.port()) + " via proxy " + proxy_name +
                  " failed: proxy " + proxy_name + " refused CONNECT to localhost:" +
                  std::to_string(broker.port()) + ": HTTP 407 (wrong proxy user name or password)");
}

}  // namespace
}  // namespace defender
