// SPDX-License-Identifier: Apache-2.0
// The MQTT transport's TLS layer (mbed TLS) against mosquitto and openssl s_server on
// 127.0.0.1: handshakes, the failure texts users see, ALPN, timeouts, and the file checks.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>

#include "child_process.hpp"
#include "defender/mqtt_transport.hpp"
#include "mosquitto_broker.hpp"
#include "openssl_server.hpp"
#include "ports.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"
#include "transport/mqtt/tls_connection.hpp"

namespace defender {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using mqtt::HandshakeFailure;
using mqtt::IoOutcome;
using mqtt::TlsConnection;
using mqtt::TlsCredentials;
using mqtt::TlsOptions;
using test::MosquittoBroker;
using test::OpensslServer;
using test::TestPki;
using Clock = std::chrono::steady_clock;
using HandshakeResult = std::variant<std::unique_ptr<TlsConnection>, HandshakeFailure>;

// A TCP connection to 127.0.0.1:port, connected and non-blocking.
util::UniqueFd connect_loopback(std::uint16_t port) {
    util::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS) {
            throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
        }
        pollfd waiting{fd.get(), POLLOUT, 0};
        int error = 0;
        socklen_t length = sizeof error;
        if (::poll(&waiting, 1, 2000) != 1 ||
            ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
            throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
        }
    }
    return fd;
}

// Polls the connection's socket for what `outcome` (a WouldBlock) waits for.
void wait_for(const TlsConnection& connection, const IoOutcome& outcome, Clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    pollfd waiting{connection.fd(), static_cast<short>(outcome.wants_write ? POLLOUT : POLLIN), 0};
    ::poll(&waiting, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
}

std::string write_all(TlsConnection& connection, const std::string& bytes) {
    const auto until = Clock::now() + 3s;
    std::size_t written = 0;
    while (written < bytes.size() && Clock::now() < until) {
        IoOutcome outcome = connection.write_some(bytes.data() + written, bytes.size() - written);
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            written += outcome.bytes;
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            wait_for(connection, outcome, until);
        } else {
            return "write failed: " + outcome.reason;
        }
    }
    return written == bytes.size() ? "" : "write timed out";
}

// `size` decrypted bytes, or what went wrong.
std::string read_exactly(TlsConnection& connection, std::size_t size) {
    const auto until = Clock::now() + 3s;
    std::string received;
    char buffer[256];
    while (received.size() < size && Clock::now() < until) {
        IoOutcome outcome =
            connection.read_some(buffer, std::min(sizeof buffer, size - received.size()));
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            received.append(buffer, outcome.bytes);
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            wait_for(connection, outcome, until);
        } else {
            return "read failed: " + outcome.reason;
        }
    }
    return received;
}

class TlsConnectionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
    static void TearDownTestSuite() { pki_.reset(); }
    static const TestPki& pki() { return *pki_; }

    static TlsOptions options_for(const std::string& host) {
        TlsOptions options;
        options.host = host;
        options.root_ca = pki().ca_cert();
        options.certificate = pki().client().cert;
        options.private_key = pki().client().key;
        return options;
    }

    static HandshakeResult handshake(const TlsOptions& options, std::uint16_t port,
                                     std::chrono::milliseconds timeout = 3s) {
        auto credentials = TlsCredentials::load(options);
        if (!credentials) {
            throw std::runtime_error("credentials: " + credentials.error().message);
        }
        return TlsConnection::handshake(*credentials, options, connect_loopback(port),
                                        Clock::now() + timeout);
    }

    // The failure text of a handshake expected to fail ("(connected)" if it did not).
    static std::string failure_of(const HandshakeResult& result) {
        if (std::holds_alternative<std::unique_ptr<TlsConnection>>(result)) {
            return "(connected)";
        }
        const auto& failure = std::get<HandshakeFailure>(result);
        return failure.timed_out ? "(timed out)" : failure.reason;
    }

    static std::unique_ptr<MosquittoBroker> broker_with(const test::CertificateFiles& server) {
        test::BrokerOptions options = MosquittoBroker::mutual_tls(pki());
        options.server = server;
        return std::make_unique<MosquittoBroker>(options);
    }

private:
    static inline std::unique_ptr<TestPki> pki_;
};

// MQTT 3.1.1 CONNECT, clean session, keep-alive 60 s, client id "x".
const std::string kConnect{"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x", 15};
const std::string kConnackAccepted{"\x20\x02\x00\x00", 4};

TEST_F(TlsConnectionTest, MutualTlsWithMosquittoCarriesAnMqttConnect) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    HandshakeResult result = handshake(options_for("localhost"), broker.port());
    ASSERT_EQ(failure_of(result), "(connected)");
    TlsConnection& connection = *std::get<std::unique_ptr<TlsConnection>>(result);
    EXPECT_EQ(connection.alpn_protocol(), "");
    ASSERT_EQ(write_all(connection, kConnect), "");
    EXPECT_EQ(read_exactly(connection, kConnackAccepted.size()), kConnackAccepted) << broker.log();
    EXPECT_EQ(connection.pending(), 0u);
    connection.close();
}

TEST_F(TlsConnectionTest, ABrokerThatGoesAwayIsAClosedConnection) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    HandshakeResult result = handshake(options_for("localhost"), broker.port());
    ASSERT_EQ(failure_of(result), "(connected)");
    TlsConnection& connection = *std::get<std::unique_ptr<TlsConnection>>(result);
    ASSERT_EQ(write_all(connection, kConnect), "");
    ASSERT_EQ(read_exactly(connection, kConnackAccepted.size()), kConnackAccepted);
    broker.kill();
    EXPECT_EQ(read_exactly(connection, 1), "read failed: the broker closed the connection");
}

TEST_F(TlsConnectionTest, AnIpEndpointIsAcceptedWhenTheCertificateNamesTheAddress) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));  // SAN IP:127.0.0.1
    HandshakeResult result = handshake(options_for("127.0.0.1"), broker.port());
    ASSERT_EQ(failure_of(result), "(connected)");
    TlsConnection& connection = *std::get<std::unique_ptr<TlsConnection>>(result);
    ASSERT_EQ(write_all(connection, kConnect), "");
    EXPECT_EQ(read_exactly(connection, kConnackAccepted.size()), kConnackAccepted);
}

TEST_F(TlsConnectionTest, ARootCaBundleTrustsAnyOfItsCertificates) {
    test::TempDir dir;
    const fs::path bundle = dir / "bundle.pem";
    test::write_file(bundle,
                     test::read_file(pki().other_ca_cert()) + test::read_file(pki().ca_cert()));
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    TlsOptions options = options_for("localhost");
    options.root_ca = bundle;
    EXPECT_EQ(failure_of(handshake(options, broker.port())), "(connected)");
}

TEST_F(TlsConnectionTest, AServerFromAnotherCaIsNotTrusted) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    TlsOptions options = options_for("localhost");
    options.root_ca = pki().other_ca_cert();
    EXPECT_EQ(failure_of(handshake(options, broker.port())),
              "server certificate verification failed: certificate not trusted (not signed by "
              "the root CA)");
}

TEST_F(TlsConnectionTest, AServerCertificateForAnotherHostIsRefused) {
    auto broker = broker_with(pki().wrong_host_server());
    EXPECT_EQ(failure_of(handshake(options_for("localhost"), broker->port())),
              "server certificate verification failed: hostname mismatch");
}

TEST_F(TlsConnectionTest, AnIpEndpointIsRefusedWhenTheCertificateDoesNotNameTheAddress) {
    auto broker = broker_with(pki().wrong_host_server());  // SAN DNS:wrong.example only
    EXPECT_EQ(failure_of(handshake(options_for("127.0.0.1"), broker->port())),
              "server certificate verification failed: IP address mismatch");
}

TEST_F(TlsConnectionTest, TheBrokerRejectsADeviceCertificateFromAnotherCa) {
    MosquittoBroker broker(MosquittoBroker::mutual_tls(pki()));
    TlsOptions options = options_for("localhost");
    options.certificate = pki().other_client().cert;
    options.private_key = pki().other_client().key;
    EXPECT_EQ(failure_of(handshake(options, broker.port())),
              "TLS handshake failed: the server rejected the device certificate (alert: unknown "
              "CA)");
}

TEST_F(TlsConnectionTest, AServerOfferingOnlyTls11IsRefused) {
    test::TempDir dir;
    OpensslServer server(pki(), dir, {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"});
    // The client offers only TLS 1.2's AES-GCM suites, which TLS 1.1 does not have: the server
    // gives up before it could offer its older version.
    EXPECT_EQ(failure_of(handshake(options_for("localhost"), server.port())),
              "TLS handshake failed: the server accepts none of the offered TLS 1.2 cipher suites "
              "(ECDHE with AES-GCM) or refused the device certificate (alert: handshake failure)");
}

TEST_F(TlsConnectionTest, ASilentServerTimesOutAtTheDeadline) {
    test::SilentListener listener;
    const auto start = Clock::now();
    HandshakeResult result = handshake(options_for("localhost"), listener.port(), 1s);
    const auto elapsed = Clock::now() - start;
    ASSERT_TRUE(std::holds_alternative<HandshakeFailure>(result));
    EXPECT_TRUE(std::get<HandshakeFailure>(result).timed_out);
    EXPECT_EQ(std::get<HandshakeFailure>(result).reason, "");
    EXPECT_GE(elapsed, 1s);
    EXPECT_LT(elapsed, 1300ms);
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t found = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++found;
    }
    return found;
}

TEST_F(TlsConnectionTest, AlpnIsOfferedOnlyWhenAsked) {
    test::TempDir dir;
    OpensslServer server(pki(), dir, {"-alpn", kAwsMqttAlpnProtocol});
    for (bool offer : {false, true}) {
        TlsOptions options = options_for("localhost");
        options.offer_aws_alpn = offer;
        HandshakeResult result = handshake(options, server.port());
        ASSERT_EQ(failure_of(result), "(connected)");
        EXPECT_EQ(std::get<std::unique_ptr<TlsConnection>>(result)->alpn_protocol(),
                  offer ? kAwsMqttAlpnProtocol : "");
    }
    const std::string output = server.output();
    EXPECT_EQ(count(output, "ALPN protocols advertised by the client: x-amzn-mqtt-ca\n"), 1u)
        << output;
}

// --- check_tls_files and TlsCredentials::load say the same ---------------------------------

class TlsFilesTest : public TlsConnectionTest {
protected:
    static MqttSettings settings() {
        MqttSettings settings;
        settings.endpoint = "localhost";
        settings.root_ca = pki().ca_cert();
        settings.cert = pki().client().cert;
        settings.key = pki().client().key;
        return settings;
    }

    // The check's text ("ok" for success), and the credentials' error for the same files.
    static void expect_same_verdict(const MqttSettings& settings, const std::string& expected) {
        Status checked = check_tls_files(settings);
        EXPECT_EQ(checked ? "ok" : checked.error().message, expected);
        if (settings.use_websocket) {
            return;
        }
        TlsOptions options;
        options.host = settings.endpoint;
        options.root_ca = settings.root_ca;
        options.certificate = settings.cert;
        options.private_key = settings.key;
        auto loaded = TlsCredentials::load(options);
        EXPECT_EQ(loaded ? "ok" : loaded.error().message, expected);
    }
};

TEST_F(TlsFilesTest, TheTestPkiPasses) {
    expect_same_verdict(settings(), "ok");
}

TEST_F(TlsFilesTest, MissingFilesAreNamedByRole) {
    test::TempDir dir;
    const fs::path missing = dir / "missing.pem";
    for (auto [field, role] : {std::pair{&MqttSettings::root_ca, "root CA"},
                               std::pair{&MqttSettings::cert, "certificate"},
                               std::pair{&MqttSettings::key, "private key"}}) {
        MqttSettings changed = settings();
        changed.*field = missing;
        expect_same_verdict(changed, std::string("cannot read ") + role + " " + missing.string() +
                                         ": No such file or directory");
    }
    MqttSettings directory = settings();
    directory.cert = dir.path();
    expect_same_verdict(directory,
                        "cannot read certificate " + dir.path().string() + ": Is a directory");
}

TEST_F(TlsFilesTest, FilesWithoutPemAreNamed) {
    test::TempDir dir;
    const fs::path not_pem = dir / "ca.pem";
    test::write_file(not_pem, "just text\n");
    MqttSettings changed = settings();
    changed.root_ca = not_pem;
    expect_same_verdict(changed, "root CA " + not_pem.string() + " holds no PEM certificate");

    changed = settings();
    changed.cert = pki().client().key;  // a key is no certificate
    expect_same_verdict(changed,
                        "certificate " + pki().client().key.string() + " holds no PEM certificate");

    changed = settings();
    changed.key = pki().client().cert;  // a certificate is no key
    expect_same_verdict(
        changed, "private key " + pki().client().cert.string() + " holds no PEM private key");
}

TEST_F(TlsFilesTest, AnEncryptedKeyIsRefusedWithoutPrompting) {
    test::TempDir dir;
    const fs::path encrypted = dir / "encrypted.key";
    auto converted =
        test::run_process({"openssl", "pkey", "-in", pki().client().key.string(), "-aes256",
                           "-passout", "pass:secret", "-out", encrypted.string()},
                          10s);
    ASSERT_TRUE(converted.status.success()) << converted.stderr_text;
    MqttSettings changed = settings();
    changed.key = encrypted;
    expect_same_verdict(changed, "private key " + encrypted.string() +
                                     " is encrypted; an unencrypted PEM key is needed");
}

TEST_F(TlsFilesTest, AKeyOfAnotherCertificateIsNamed) {
    MqttSettings changed = settings();
    changed.key = pki().other_client().key;
    expect_same_verdict(changed, "certificate " + changed.cert.string() +
                                     " does not match private key " + changed.key.string());
}

TEST_F(TlsFilesTest, WebSocketModeChecksOnlyTheRootCa) {
    MqttSettings changed = settings();
    changed.use_websocket = true;
    changed.cert = "/nonexistent/cert.pem";
    changed.key = "/nonexistent/key.pem";
    expect_same_verdict(changed, "ok");
    changed.root_ca = "/nonexistent/ca.pem";
    expect_same_verdict(changed,
                        "cannot read root CA /nonexistent/ca.pem: No such file or directory");
}

}  // namespace
}  // namespace defender
