// SPDX-License-Identifier: Apache-2.0
// The fake nucleus itself, driven with the byte-exact vectors over a raw Unix socket: its
// answers must be the vectors' bytes, and strict mode must close where nucleus lite does.

#include <gtest/gtest.h>

#include "fake_nucleus.hpp"
#include "temp_dir.hpp"
#include "transport/greengrass/eventstream.hpp"
#include "transport/greengrass/rpc.hpp"
#include "transport/greengrass/unix_socket.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using test::FakeNucleus;
using test::FakeNucleusOptions;
using test::NucleusState;
using test::TempDir;

std::string vector(const std::string& name) {
    return test::read_file(DEFENDER_FIXTURES "/eventstream/" + name + ".bin");
}

struct RawClient {
    TempDir dir{"defender-gg-raw-"};
    std::unique_ptr<FakeNucleus> nucleus;
    ipc::UnixSocket socket;

    explicit RawClient(bool strict, bool authorize = true) {
        FakeNucleusOptions options;
        options.socket_path = dir / "ipc.socket";
        options.strict = strict;
        options.authorize_publish = authorize;
        nucleus = std::make_unique<FakeNucleus>(options);
        socket = std::move(ipc::UnixSocket::connect(options.socket_path.string()).value());
    }

    void send(const std::string& bytes) { ASSERT_TRUE(socket.send_all(bytes).ok()); }

    /// Exactly `size` bytes, or fewer when the nucleus closes first.
    std::string receive(std::size_t size) {
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (got.size() < size) {
            auto bytes = socket.receive(deadline, size - got.size());
            if (!bytes || !bytes->has_value() || (*bytes)->empty()) break;
            got += **bytes;
        }
        return got;
    }

    /// True when the nucleus closed the connection (end of stream within 10 s).
    bool closed() {
        auto bytes = socket.receive(std::chrono::steady_clock::now() + 10s);
        return bytes && bytes->has_value() && (*bytes)->empty();
    }

    /// One whole message (nullopt when the nucleus closes first or it does not decode).
    std::optional<eventstream::Message> receive_message() {
        auto bytes = receive(eventstream::kPreludeBytes);
        if (bytes.size() < eventstream::kPreludeBytes) return std::nullopt;
        const std::size_t total =
            static_cast<std::uint8_t>(bytes[0]) << 24 | static_cast<std::uint8_t>(bytes[1]) << 16 |
            static_cast<std::uint8_t>(bytes[2]) << 8 | static_cast<std::uint8_t>(bytes[3]);
        bytes += receive(total - bytes.size());
        auto decoded = eventstream::decode_message(bytes);
        if (!decoded.ok()) return std::nullopt;
        return decoded.message();
    }

    void handshake() {
        send(vector("02_connect_compact"));
        EXPECT_EQ(receive(71), vector("03_connect_ack_accepted"));
    }
};

TEST(GreengrassFakeNucleus, AnswersConnectAndPublishWithTheVectorBytes) {
    RawClient client(true);
    client.handshake();
    client.send(vector("07_publish_request_py_stream1_qos0"));
    EXPECT_EQ(client.receive(167), vector("10_publish_response_stream1"));
    // The Node SDK's minimal layout (no :content-type, no service-model-type) on stream 2 is
    // accepted too: only `operation` is required.
    auto minimal = eventstream::decode_message(vector("09_publish_request_minimal_stream1_qos0"));
    ASSERT_TRUE(minimal.ok());
    for (auto& header : minimal.message().headers)
        if (header.name == ":stream-id") header.value = std::int32_t{2};
    client.send(eventstream::encode_message(minimal.message()).value());
    const auto reply = eventstream::decode_message(client.receive(167));
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply.message().int32_header(":stream-id"), 2);
    const auto state = client.nucleus->state();
    EXPECT_TRUE(state.violations.empty()) << state.violations.front();
    ASSERT_EQ(state.published.size(), 2u);
    EXPECT_EQ(state.published[0].payload, R"({"header":{"report_id":1,"version":"1.0"}})");
    EXPECT_EQ(state.published[0].topic, "$aws/things/MyThing/defender/metrics/json");
}

TEST(GreengrassFakeNucleus, UnauthorizedIsTheVectorBytes) {
    RawClient client(false, false);
    client.handshake();
    client.send(vector("07_publish_request_py_stream1_qos0"));
    EXPECT_EQ(client.receive(293), vector("11_publish_unauthorized_stream1"));
}

TEST(GreengrassFakeNucleus, BadTokenGetsARejectingAckOrSilenceInStrictMode) {
    const auto bad = eventstream::encode_message(ipc::connect_message("WRONG")).value();
    RawClient lenient(false);
    lenient.send(bad);
    EXPECT_EQ(lenient.receive(71), vector("04_connect_ack_rejected"));
    EXPECT_TRUE(lenient.closed());

    RawClient strict(true);
    strict.send(bad);
    EXPECT_EQ(strict.receive(71), "") << "nucleus lite closes without an ack";
    EXPECT_EQ(strict.nucleus->state().connections_refused, 1);
}

TEST(GreengrassFakeNucleus, PingIsAnsweredOrClosesInStrictMode) {
    RawClient lenient(false);
    lenient.handshake();
    lenient.send(vector("05_ping"));
    EXPECT_EQ(lenient.receive(71), vector("06_ping_response"));

    RawClient strict(true);
    strict.handshake();
    strict.send(vector("05_ping"));
    EXPECT_TRUE(strict.closed());
    const auto state = strict.nucleus->state();
    EXPECT_EQ(state.pings, 1);
    ASSERT_EQ(state.closes.size(), 1u);
    EXPECT_NE(state.closes[0].find("Ping"), std::string::npos);
}

TEST(GreengrassFakeNucleus, StrictModeClosesOnOtherStreamZeroMessages) {
    RawClient strict(true);
    strict.handshake();
    strict.send(vector("06_ping_response"));
    EXPECT_TRUE(strict.closed());
    EXPECT_NE(strict.nucleus->state().closes.at(0).find("PingResponse"), std::string::npos);
}

TEST(GreengrassFakeNucleus, StrictModeClosesOnMessagesOver10000Bytes) {
    const auto big =
        eventstream::encode_message(
            ipc::request_message(1, ipc::kPublishOperation, std::string(10'001, ' ') + "{}"))
            .value();
    ASSERT_GT(big.size(), 10'000u);
    RawClient strict(true);
    strict.handshake();
    strict.send(big);
    EXPECT_TRUE(strict.closed());
    EXPECT_NE(strict.nucleus->state().closes.at(0).find("over 10000"), std::string::npos);

    RawClient lenient(false);
    lenient.handshake();
    lenient.send(big);
    const auto reply = lenient.receive_message();  // not a valid request, but an answer
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->int32_header(":message-type"),
              static_cast<std::int32_t>(ipc::MessageType::application_error));
    EXPECT_TRUE(lenient.nucleus->state().closes.empty());
}

TEST(GreengrassFakeNucleus, ProtocolErrorsForBrokenRules) {
    struct Case {
        const char* name;
        std::string bytes;  ///< sent after a good handshake
    };
    std::string bad_crc = vector("07_publish_request_py_stream1_qos0");
    bad_crc.back() ^= 1;
    const std::vector<Case> cases = {
        {"stream 2 before stream 1", vector("08_publish_request_py_stream2_qos1")},
        {"bad CRC", bad_crc},
        {"second Connect", vector("02_connect_compact")},
    };
    for (const auto& c : cases) {
        RawClient client(false);
        client.handshake();
        client.send(c.bytes);
        const auto reply = client.receive_message();
        ASSERT_TRUE(reply.has_value()) << c.name;
        EXPECT_EQ(reply->int32_header(":message-type"),
                  static_cast<std::int32_t>(ipc::MessageType::protocol_error))
            << c.name;
        EXPECT_TRUE(client.closed()) << c.name;
        const auto state = client.nucleus->state();
        EXPECT_EQ(state.violations.size(), 1u) << c.name;
        ASSERT_EQ(state.closes.size(), 1u) << c.name;
        EXPECT_NE(state.closes[0].find("ProtocolError"), std::string::npos) << c.name;
    }
    RawClient no_connect(false);
    no_connect.send(vector("07_publish_request_py_stream1_qos0"));
    const auto reply = no_connect.receive_message();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->int32_header(":message-type"),
              static_cast<std::int32_t>(ipc::MessageType::protocol_error));
    EXPECT_TRUE(no_connect.closed());
    EXPECT_EQ(no_connect.nucleus->state().connections_accepted, 0);
}

}  // namespace
}  // namespace defender
