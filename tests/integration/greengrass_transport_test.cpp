// SPDX-License-Identifier: Apache-2.0
// The Greengrass IPC transport against the fake nucleus on a real Unix socket.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "defender/greengrass_transport.hpp"
#include "event_recorder.hpp"
#include "fake_nucleus.hpp"
#include "temp_dir.hpp"
#include "transport/greengrass/eventstream.hpp"
#include "transport/greengrass/rpc.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using test::EventRecorder;
using test::FakeNucleus;
using test::FakeNucleusOptions;
using test::NucleusState;
using test::TempDir;

const std::string kToken = "0123456789ABCDEF";
const std::string kTopic = "$aws/things/spec/defender/metrics/json";

std::string valid_report() {
    return test::read_file(DEFENDER_FIXTURES "/reports/valid/spec_long.json");
}

struct Rig {
    TempDir dir{"defender-gg-"};
    FakeNucleusOptions options() const {
        FakeNucleusOptions options;
        options.socket_path = dir / "ipc.socket";
        options.token = kToken;
        return options;
    }
    GreengrassSettings settings(const std::string& token = kToken) const {
        GreengrassSettings settings;
        settings.socket_path = (dir / "ipc.socket").string();
        settings.token = token;
        settings.connect_timeout = 5s;
        return settings;
    }
};

TEST(GreengrassTransport, PublishesAndReceivesTheServiceReply) {
    Rig rig;
    auto options = rig.options();
    options.strict = true;  // nucleus lite: any Ping or stream-0 message would close it
    FakeNucleus nucleus(options);
    auto transport = make_greengrass_transport(rig.settings());
    EventRecorder events;
    transport->set_event_sink(events.sink());
    ASSERT_TRUE(transport->connect().ok());
    EXPECT_TRUE(transport->is_connected());
    const auto subscribed = transport->subscribe({kTopic + "/accepted", kTopic + "/rejected"});
    ASSERT_TRUE(subscribed.ok()) << subscribed.error().message;
    for (int i = 0; i < 3; ++i) {
        const auto published = transport->publish(kTopic, valid_report(), 5s);
        ASSERT_TRUE(published.ok()) << published.error().message;
        const auto reply = events.wait_for_message(10s);
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(reply->topic, kTopic + "/accepted");
        EXPECT_NE(reply->payload.find("ACCEPTED"), std::string::npos) << reply->payload;
    }
    const auto state = nucleus.state();
    EXPECT_TRUE(state.violations.empty()) << state.violations.front();
    EXPECT_TRUE(state.closes.empty()) << state.closes.front();
    EXPECT_EQ(state.pings, 0);
    ASSERT_EQ(state.published.size(), 3u);
    EXPECT_EQ(state.published[0].payload, valid_report());
    EXPECT_EQ(state.published[0].qos, "1");
    EXPECT_EQ(state.subscriptions,
              (std::vector<std::string>{kTopic + "/accepted", kTopic + "/rejected"}));
    transport->disconnect(1s);
    EXPECT_FALSE(transport->is_connected());
    EXPECT_TRUE(
        nucleus.wait_for([](const NucleusState& s) { return s.open_connections == 0; }, 5s));
    EXPECT_FALSE(events.wait_for_connection_lost(0ms).has_value())
        << "a requested disconnect is no lost connection";
}

TEST(GreengrassTransport, ABadTokenIsRefusedWithOrWithoutAConnectAck) {
    for (const bool strict : {false, true}) {
        Rig rig;
        auto options = rig.options();
        options.strict = strict;
        FakeNucleus nucleus(options);
        auto transport = make_greengrass_transport(rig.settings("WRONGTOKEN000000"));
        const auto connected = transport->connect();
        ASSERT_FALSE(connected.ok());
        EXPECT_NE(connected.error().message.find("SVCUID"), std::string::npos)
            << connected.error().message;
        EXPECT_EQ(connected.error().message.find("WRONGTOKEN"), std::string::npos)
            << "the token is a secret";
        EXPECT_FALSE(transport->is_connected());
        EXPECT_EQ(nucleus.state().connections_refused, 1);
    }
}

TEST(GreengrassTransport, UnauthorizedNamesTheMissingPolicy) {
    Rig rig;
    auto options = rig.options();
    options.authorize_publish = false;
    FakeNucleus nucleus(options);
    auto transport = make_greengrass_transport(rig.settings());
    ASSERT_TRUE(transport->connect().ok());
    const auto published = transport->publish(kTopic, valid_report(), 5s);
    ASSERT_FALSE(published.ok());
    const auto& message = published.error().message;
    EXPECT_NE(message.find("UnauthorizedError"), std::string::npos) << message;
    EXPECT_NE(message.find("accessControl"), std::string::npos) << message;
    EXPECT_NE(message.find("aws.greengrass.ipc.mqttproxy"), std::string::npos) << message;
    EXPECT_NE(message.find("aws.greengrass#PublishToIoTCore on " + kTopic), std::string::npos)
        << message;
    EXPECT_TRUE(transport->is_connected()) << "a refused operation keeps the connection";
}

TEST(GreengrassTransport, UnauthorizedSubscribeNamesTheSubscribeOperation) {
    Rig rig;
    auto options = rig.options();
    options.authorize_subscribe = false;
    FakeNucleus nucleus(options);
    auto transport = make_greengrass_transport(rig.settings());
    ASSERT_TRUE(transport->connect().ok());
    const auto subscribed = transport->subscribe({kTopic + "/accepted"});
    ASSERT_FALSE(subscribed.ok());
    EXPECT_NE(subscribed.error().message.find("aws.greengrass#SubscribeToIoTCore"),
              std::string::npos)
        << subscribed.error().message;
}

TEST(GreengrassTransport, NoNucleusIsAConnectErrorNamingTheSocket) {
    Rig rig;
    auto transport = make_greengrass_transport(rig.settings());
    const auto connected = transport->connect();
    ASSERT_FALSE(connected.ok());
    EXPECT_NE(connected.error().message.find("ipc.socket"), std::string::npos)
        << connected.error().message;
}

TEST(GreengrassTransport, ADroppedConnectionIsReportedAndANewOneStartsAtStreamOne) {
    Rig rig;
    auto options = rig.options();
    options.strict = true;
    FakeNucleus nucleus(options);
    auto transport = make_greengrass_transport(rig.settings());
    EventRecorder events;
    transport->set_event_sink(events.sink());
    ASSERT_TRUE(transport->connect().ok());
    ASSERT_TRUE(transport->publish(kTopic, valid_report(), 5s).ok());
    nucleus.drop_connections();
    const auto lost = events.wait_for_connection_lost(10s);
    ASSERT_TRUE(lost.has_value());
    EXPECT_FALSE(transport->is_connected());
    EXPECT_FALSE(transport->publish(kTopic, valid_report(), 1s).ok());
    ASSERT_TRUE(transport->connect().ok());
    const auto again = transport->publish(kTopic, valid_report(), 5s);
    ASSERT_TRUE(again.ok()) << again.error().message;
    const auto state = nucleus.state();
    EXPECT_TRUE(state.violations.empty()) << state.violations.front();
    EXPECT_EQ(state.connections_accepted, 2);
    EXPECT_EQ(state.published.size(), 2u);
}

TEST(GreengrassTransport, AReportTooLargeForNucleusLiteIsNotSent) {
    Rig rig;
    auto options = rig.options();
    options.strict = true;
    FakeNucleus nucleus(options);
    auto transport = make_greengrass_transport(rig.settings());
    ASSERT_TRUE(transport->connect().ok());
    const std::size_t budget = greengrass_report_budget(kTopic, 10'000);
    const auto too_big = transport->publish(kTopic, std::string(budget + 3, 'x'), 5s);
    ASSERT_FALSE(too_big.ok());
    EXPECT_NE(too_big.error().message.find("10000"), std::string::npos) << too_big.error().message;
    EXPECT_TRUE(transport->is_connected());
    const auto fits = transport->publish(kTopic, std::string(budget, 'x'), 5s);
    EXPECT_TRUE(fits.ok()) << fits.error().message;
    EXPECT_TRUE(nucleus.state().closes.empty());
}

// The same limit as the MQTT clients: a message over 256 KiB (here in a frame under the 1 MiB
// frame limit) arrives with its size but without its payload; one under it arrives whole.
TEST(GreengrassTransport, AnOversizeMessageArrivesWithoutItsPayload) {
    Rig rig;
    auto options = rig.options();
    options.answer_reports = false;
    options.echo_publishes = true;
    FakeNucleus nucleus(options);
    auto settings = rig.settings();
    settings.max_message_bytes = eventstream::kMaxMessageBytes;
    auto transport = make_greengrass_transport(settings);
    EventRecorder events;
    transport->set_event_sink(events.sink());
    ASSERT_TRUE(transport->connect().ok());
    ASSERT_TRUE(transport->subscribe({"test/big"}).ok());
    const std::string big(kMaxIncomingMessageBytes, 'b');
    ASSERT_TRUE(transport->publish("test/big", big, 5s).ok());
    const auto dropped = events.wait_for_message(10s);
    ASSERT_TRUE(dropped.has_value());
    EXPECT_EQ(dropped->topic, "test/big");
    EXPECT_TRUE(dropped->payload.empty());
    EXPECT_EQ(dropped->dropped_payload_bytes, big.size());
    const std::string fits(kMaxIncomingMessageBytes - std::string("test/big").size(), 'f');
    ASSERT_TRUE(transport->publish("test/big", fits, 5s).ok());
    const auto whole = events.wait_for_message(10s);
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(whole->payload, fits);
    EXPECT_EQ(whole->dropped_payload_bytes, 0u);
    EXPECT_TRUE(transport->is_connected());
}

/// A server that accepts one client, acknowledges its Connect, then sends `bytes`.
class ScriptedNucleus {
public:
    ScriptedNucleus(const std::filesystem::path& path, std::string bytes) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strcpy(address.sun_path, path.c_str());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(fd_, 1) != 0)
            throw std::runtime_error("bind failed");
        thread_ = std::thread([this, bytes = std::move(bytes)] {
            const int client = ::accept(fd_, nullptr, nullptr);
            char buffer[4096];
            (void)!::recv(client, buffer, sizeof(buffer), 0);  // the Connect
            const std::string ack =
                test::read_file(DEFENDER_FIXTURES "/eventstream/03_connect_ack_accepted.bin");
            const std::string all = ack + bytes;
            (void)!::send(client, all.data(), all.size(), MSG_NOSIGNAL);
            // Hold the connection open until the client gives up on it.
            while (::recv(client, buffer, sizeof(buffer), 0) > 0) {
            }
            ::close(client);
        });
    }
    ~ScriptedNucleus() {
        thread_.join();
        ::close(fd_);
    }

private:
    int fd_ = -1;
    std::thread thread_;
};

TEST(GreengrassTransport, MalformedFramesFromTheNucleusEndTheConnectionWithAnError) {
    const std::string ping =
        test::read_file(DEFENDER_FIXTURES "/eventstream/05_ping.bin");  // answered, not an error
    std::string bad_crc = ping;
    bad_crc.back() ^= 0x55;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"bad CRC", ping + bad_crc},
        {"garbage", std::string(40, '\xff')},
        {"ConnectAck on stream 3",
         *eventstream::encode_message(ipc::rpc_message({}, ipc::MessageType::connect_ack, 1, 3))},
    };
    for (const auto& [name, bytes] : cases) {
        Rig rig;
        ScriptedNucleus nucleus(rig.dir / "ipc.socket", bytes);
        auto transport = make_greengrass_transport(rig.settings());
        EventRecorder events;
        transport->set_event_sink(events.sink());
        ASSERT_TRUE(transport->connect().ok()) << name;
        const auto lost = events.wait_for_connection_lost(10s);
        ASSERT_TRUE(lost.has_value()) << name;
        EXPECT_NE(lost->reason.find("malformed"), std::string::npos)
            << name << ": " << lost->reason;
        transport->disconnect(1s);
    }
}

}  // namespace
}  // namespace defender
