// SPDX-License-Identifier: Apache-2.0
// MqttTransport and check_tls_files against a real mosquitto with mutual TLS on 127.0.0.1.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "child_process.hpp"
#include "defender/mqtt_transport.hpp"
#include "event_recorder.hpp"
#include "mosquitto_broker.hpp"
#include "mqtt_test_settings.hpp"
#include "openssl_server.hpp"
#include "ports.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"
#include "transport/mqtt/connect_failure.hpp"
#include "transport/mqtt/suback.hpp"

namespace defender {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::BrokerOptions;
using test::EventRecorder;
using test::MosquittoBroker;
using test::OpensslServer;
using test::TestPki;

const std::string kAcceptedTopic = "$aws/things/T/defender/metrics/json/accepted";
const std::string kPublishTopic = "$aws/things/T/defender/metrics/json";

std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

class MqttTransportTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
    static void TearDownTestSuite() { pki_.reset(); }

    static const TestPki& pki() { return *pki_; }

    static MqttSettings settings_for(std::uint16_t port, const std::string& client_id = "T") {
        return test::local_mutual_tls_settings(pki(), port, client_id);
    }

private:
    static inline std::unique_ptr<TestPki> pki_;
};

// --- check_tls_files and key_permission_warning (the rest: tls_connection_test.cpp)
// ---------------

TEST_F(MqttTransportTest, TlsFilesReportAnUnreadableKey) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root reads files regardless of their mode";
    }
    test::TempDir dir;
    const fs::path key = dir / "device.key";
    fs::copy_file(pki().client().key, key);
    fs::permissions(key, fs::perms::none);
    MqttSettings settings = settings_for(8883);
    settings.key = key;
    EXPECT_EQ(check_tls_files(settings).error().message,
              "cannot read private key " + key.string() + ": Permission denied");
}

TEST_F(MqttTransportTest, KeyPermissionWarningNamesWhoCanRead) {
    test::TempDir dir;
    const fs::path key = dir / "device.key";
    test::write_file(key, "x", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(key_permission_warning(key), std::nullopt);

    fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                             fs::perms::others_read);
    EXPECT_EQ(key_permission_warning(key),
              "private key " + key.string() +
                  " is readable by group and others (mode 0644); chmod 600 it");

    fs::permissions(key, fs::perms::owner_read | fs::perms::group_read);
    EXPECT_EQ(key_permission_warning(key),
              "private key " + key.string() + " is readable by group (mode 0440); chmod 600 it");
    // Another user who can write the key can swap in a key of their own.
    fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_write);
    EXPECT_EQ(key_permission_warning(key),
              "private key " + key.string() + " is writable by others (mode 0602); chmod 600 it");
    EXPECT_EQ(key_permission_warning(dir / "absent.key"), std::nullopt);
}

// --- pure rules ----------------------------------------------------------------------------

TEST(MqttRules, AlpnIsOfferedOnPort443OrWhenForced) {
    MqttSettings settings;
    settings.port = 443;
    EXPECT_TRUE(offers_aws_alpn(settings));
    settings.port = 8883;
    EXPECT_FALSE(offers_aws_alpn(settings));
    settings.alpn = AlpnMode::Always;
    EXPECT_TRUE(offers_aws_alpn(settings));
    settings.port = 443;
    settings.alpn = AlpnMode::Never;
    EXPECT_FALSE(offers_aws_alpn(settings));
}

TEST(MqttRules, SettingsDefaults) {
    MqttSettings settings;
    EXPECT_EQ(settings.port, 8883);
    EXPECT_EQ(settings.keep_alive, 60s);
    EXPECT_EQ(settings.connect_timeout, 10s);
    EXPECT_FALSE(settings.clean_session);
    EXPECT_EQ(settings.alpn, AlpnMode::Automatic);
}

// --- against the broker --------------------------------------------------------------------

// Helpers for the tests against the broker.
const TestPki& shared_pki() {
    static const TestPki pki;
    return pki;
}

MqttSettings settings_for(std::uint16_t port, const std::string& client_id = "T") {
    return test::local_mutual_tls_settings(shared_pki(), port, client_id);
}

std::string target(std::uint16_t port) {
    return "localhost:" + std::to_string(port);
}

// Connects with `settings` and expects failure with exactly `expected_error`.
void expect_connect_error(const MqttSettings& settings, const std::string& expected_error) {
    MqttTransport transport(settings);
    const auto start = std::chrono::steady_clock::now();
    Status connected = transport.connect();
    ASSERT_FALSE(connected.ok());
    EXPECT_EQ(connected.error().message, expected_error);
    EXPECT_FALSE(transport.is_connected());
    EXPECT_LT(elapsed_since(start), settings.connect_timeout);
}

class MqttBrokerTest : public ::testing::Test {};

TEST_F(MqttBrokerTest, ConnectsWithMutualTlsAndDisconnects) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttTransport transport(settings_for(broker.port()));
    Status connected = transport.connect();
    ASSERT_TRUE(connected.ok()) << connected.error().message;
    EXPECT_TRUE(transport.is_connected());
    transport.disconnect(1s);
    EXPECT_FALSE(transport.is_connected());
    // The broker saw the client certificate's CN as the user name.
    EXPECT_NE(broker.log().find("u'" + std::string(TestPki::kClientCommonName) + "'"),
              std::string::npos)
        << broker.log();
}

TEST_F(MqttBrokerTest, ConnectsToAnIpEndpointCoveredByTheCertificate) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.endpoint = "127.0.0.1";
    MqttTransport transport(settings);
    Status connected = transport.connect();
    EXPECT_TRUE(connected.ok()) << connected.error().message;
}

TEST_F(MqttBrokerTest, DeliversExactBinaryPayloadsBetweenTwoTransports) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    EventRecorder events;
    MqttTransport subscriber(settings_for(broker.port(), "T"));
    subscriber.set_event_sink(events.sink());
    ASSERT_TRUE(subscriber.connect().ok());
    Status subscribed = subscriber.subscribe({kAcceptedTopic});
    ASSERT_TRUE(subscribed.ok()) << subscribed.error().message;

    MqttTransport publisher(settings_for(broker.port(), "service-emulator"));
    ASSERT_TRUE(publisher.connect().ok());
    // CBOR-like bytes, with NUL, 0xff and a byte that is not valid UTF-8.
    const std::string payload("\xa2\x63hed\xa1\x00\xff\x80\x00\x01{\"x\":1}", 17);
    Status published = publisher.publish(kAcceptedTopic, payload, 5000ms);
    ASSERT_TRUE(published.ok()) << published.error().message;

    auto message = events.wait_for_message(5s);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->topic, kAcceptedTopic);
    EXPECT_EQ(message->payload, payload);
    EXPECT_EQ(message->payload.size(), 17u);
}

TEST_F(MqttBrokerTest, PublishWaitsForThePuback) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttTransport transport(settings_for(broker.port()));
    ASSERT_TRUE(transport.connect().ok());
    EXPECT_TRUE(transport.publish(kPublishTopic, "{}", 2000ms).ok());

    broker.pause();  // the broker no longer answers: no PUBACK
    const auto start = std::chrono::steady_clock::now();
    Status published = transport.publish(kPublishTopic, "{}", 400ms);
    const auto waited = elapsed_since(start);
    ASSERT_FALSE(published.ok());
    EXPECT_EQ(published.error().message, "no PUBACK for " + kPublishTopic + " within 400 ms");
    EXPECT_GE(waited, 400ms);
    EXPECT_LT(waited, 1500ms);
}

TEST_F(MqttBrokerTest, SubscribeWaitsForTheSuback) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.connect_timeout = 1s;
    MqttTransport transport(settings);
    ASSERT_TRUE(transport.connect().ok());
    broker.pause();
    const auto start = std::chrono::steady_clock::now();
    Status subscribed = transport.subscribe({kAcceptedTopic});
    const auto waited = elapsed_since(start);
    ASSERT_FALSE(subscribed.ok());
    EXPECT_EQ(subscribed.error().message,
              "no SUBACK from " + target(broker.port()) + " within 1 s");
    EXPECT_GE(waited, 1000ms);
    EXPECT_LT(waited, 2000ms);
}

TEST_F(MqttBrokerTest, PublishAndSubscribeNeedAConnection) {
    MqttTransport transport(settings_for(test::find_free_port()));
    EXPECT_EQ(transport.publish(kPublishTopic, "{}", 100ms).error().message,
              "cannot publish to " + kPublishTopic + ": not connected");
    EXPECT_EQ(transport.subscribe({kAcceptedTopic}).error().message,
              "cannot subscribe: not connected");
    transport.disconnect(100ms);  // safe when never connected
}

// mosquitto 2.0.11 never answers 0x80 (its ACLs only filter deliveries), so the SUBACK
// reading is checked on its own.
TEST(MqttRules, SubackRefusalNamesTheTopicFilter) {
    const std::vector<std::string> filters{"a/accepted", "a/rejected"};
    EXPECT_TRUE(mqtt::check_suback(filters, {1, 1}).ok());
    EXPECT_TRUE(mqtt::check_suback(filters, {0, 1}).ok());  // downgrade is allowed
    EXPECT_EQ(mqtt::check_suback(filters, {1, 0x80}).error().message,
              "broker refused subscription to a/rejected");
    EXPECT_EQ(mqtt::check_suback(filters, {1}).error().message,
              "SUBACK has 1 return codes for 2 topic filters");
}

TEST_F(MqttBrokerTest, WrongRootCaFailsServerVerification) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.root_ca = shared_pki().other_ca_cert();
    expect_connect_error(settings, "connect to " + target(broker.port()) +
                                       " failed: server certificate verification failed: " +
                                       "certificate not trusted (not signed by the root CA)");
}

TEST_F(MqttBrokerTest, ServerCertificateForAnotherHostNameIsRejected) {
    BrokerOptions options = MosquittoBroker::mutual_tls(shared_pki());
    options.server = shared_pki().wrong_host_server();  // same CA, but for wrong.example
    MosquittoBroker broker(options);
    expect_connect_error(settings_for(broker.port()),
                         "connect to " + target(broker.port()) +
                             " failed: server certificate verification failed: hostname mismatch");

    MqttSettings by_address = settings_for(broker.port());
    by_address.endpoint = "127.0.0.1";
    expect_connect_error(by_address, "connect to 127.0.0.1:" + std::to_string(broker.port()) +
                                         " failed: server certificate verification failed: "
                                         "IP address mismatch");
}

TEST_F(MqttBrokerTest, ClientCertificateFromAnotherCaIsRejectedByTheBroker) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.cert = shared_pki().other_client().cert;
    settings.key = shared_pki().other_client().key;
    expect_connect_error(settings, "connect to " + target(broker.port()) +
                                       " failed: TLS handshake failed: the server rejected the "
                                       "device certificate (" +
                                       "alert: unknown CA)");
}

TEST_F(MqttBrokerTest, MismatchedKeyIsCaughtBeforeConnecting) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    MqttSettings settings = settings_for(broker.port());
    settings.key = shared_pki().other_client().key;
    EXPECT_EQ(check_tls_files(settings).error().message, "certificate " + settings.cert.string() +
                                                             " does not match private key " +
                                                             settings.key.string());
    MqttTransport transport(settings);
    EXPECT_FALSE(transport.connect().ok());
    EXPECT_FALSE(transport.is_connected());
}

TEST_F(MqttBrokerTest, MissingFilesFailTheConnect) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    test::TempDir dir;
    for (auto field : {&MqttSettings::root_ca, &MqttSettings::cert, &MqttSettings::key}) {
        MqttSettings settings = settings_for(broker.port());
        settings.*field = dir / "missing.pem";
        MqttTransport transport(settings);
        const auto start = std::chrono::steady_clock::now();
        Status connected = transport.connect();
        EXPECT_FALSE(connected.ok());
        EXPECT_FALSE(transport.is_connected());
        EXPECT_LT(elapsed_since(start), settings.connect_timeout);
    }
}

TEST_F(MqttBrokerTest, NoBrokerMeansConnectionRefusedAtOnce) {
    const std::uint16_t port = test::find_free_port();
    expect_connect_error(settings_for(port), "connect to " + target(port) +
                                                 " failed: TCP connection failed: "
                                                 "Connection refused");
}

TEST_F(MqttBrokerTest, SilentServerTimesOutWithinTheConnectTimeout) {
    test::SilentListener silent;
    MqttSettings settings = settings_for(silent.port());
    settings.connect_timeout = 1s;
    MqttTransport transport(settings);
    const auto start = std::chrono::steady_clock::now();
    Status connected = transport.connect();
    const auto waited = elapsed_since(start);
    ASSERT_FALSE(connected.ok());
    EXPECT_EQ(connected.error().message,
              "connect to " + target(silent.port()) + " timed out after 1 s (no TLS/MQTT answer)");
    EXPECT_GE(waited, 1000ms);
    EXPECT_LT(waited, 1500ms);
}

TEST_F(MqttBrokerTest, BrokerRefusingTheClientIsNotAuthorized) {
    BrokerOptions options = MosquittoBroker::mutual_tls(shared_pki());
    options.use_identity_as_username = false;  // no user name, and anonymous is refused
    MosquittoBroker broker(options);
    expect_connect_error(
        settings_for(broker.port()),
        "connect to " + target(broker.port()) +
            " refused by the broker: not authorized (CONNACK 5): the policy does not "
            "allow iot:Connect for client id \"T\", the certificate "
            "is inactive or not attached, or another client took "
            "this client id");
}

TEST_F(MqttBrokerTest, BrokerCrashGivesConnectionLostAndARestartConnectsAgain) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(shared_pki()));
    EventRecorder events;
    MqttTransport transport(settings_for(broker.port()));
    transport.set_event_sink(events.sink());
    ASSERT_TRUE(transport.connect().ok());

    broker.kill();
    auto lost = events.wait_for_connection_lost(5s);
    ASSERT_TRUE(lost.has_value());
    EXPECT_FALSE(lost->reason.empty());
    EXPECT_FALSE(transport.is_connected());
    EXPECT_FALSE(transport.connect().ok());

    broker.start();  // same port
    Status again = transport.connect();
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(transport.subscribe({kAcceptedTopic}).ok());
    EXPECT_TRUE(transport.publish(kPublishTopic, "{}", 2000ms).ok());
}

// --- ALPN and TLS version, seen by openssl s_server ----------------------------------------

// openssl s_server in -www mode (it never reads stdin, which is /dev/null here), unbuffered
// so its report survives SIGTERM. It ends after a failed handshake, so readiness is read
// from its output instead of probing the port.
std::size_t count(const std::string& text, const std::string& part) {
    std::size_t found = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++found;
    }
    return found;
}

TEST_F(MqttBrokerTest, AlpnIsOfferedWhenForcedAndNotOtherwise) {
    test::TempDir dir;
    OpensslServer server(shared_pki(), dir, {"-alpn", kAwsMqttAlpnProtocol});
    MqttSettings settings = settings_for(server.port());
    settings.connect_timeout = 1s;
    // First automatic (port is not 443: no ALPN), then forced; s_server speaks no MQTT, so
    // both attempts time out after their TLS handshake.
    for (AlpnMode mode : {AlpnMode::Automatic, AlpnMode::Always}) {
        settings.alpn = mode;
        MqttTransport transport(settings);
        Status connected = transport.connect();
        ASSERT_FALSE(connected.ok());
        EXPECT_EQ(connected.error().message, "connect to " + target(server.port()) +
                                                 " timed out after 1 s (no TLS/MQTT answer)");
    }
    const std::string output = server.output();
    EXPECT_EQ(count(output, "ALPN protocols advertised by the client: x-amzn-mqtt-ca\n"), 1u)
        << output;
    EXPECT_EQ(count(output, "ALPN protocols selected: x-amzn-mqtt-ca\n"), 1u) << output;
}

TEST_F(MqttBrokerTest, TlsOlderThan12IsRefused) {
    test::TempDir dir;
    OpensslServer server(shared_pki(), dir, {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"});
    MqttSettings settings = settings_for(server.port());
    settings.connect_timeout = 1s;
    MqttTransport transport(settings);
    Status connected = transport.connect();
    ASSERT_FALSE(connected.ok());
    const std::string expected = "no shared cipher";
    const std::string output = server.output_once_it_shows(expected, 3s);
    // mbed TLS offers only TLS 1.2's AES-GCM suites, none of which a TLS 1.1 server can use.
    EXPECT_NE(output.find(expected), std::string::npos) << output;
    EXPECT_EQ(output.find("ALPN"), std::string::npos) << output;
}

}  // namespace
}  // namespace defender
