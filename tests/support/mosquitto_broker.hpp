// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file mosquitto_broker.hpp
/// A real mosquitto broker on 127.0.0.1 for integration tests, with a mutual-TLS listener.
///
///     TestPki pki;
///     MosquittoBroker broker(MosquittoBroker::mutual_tls(pki));   // started, port ready
///     ... connect to localhost:broker.port() with pki.client() ...
///     broker.kill();      // SIGKILL mid-test (clients see the connection drop)
///     broker.restart();   // same port again
///
/// The config and the broker's log live in the broker's own temporary directory. The
/// directory is world-readable (0755) because mosquitto started as root drops to the
/// `mosquitto` user; the TLS files must be readable by that user too (TestPki's are).
/// The destructor always stops the broker.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace defender::test {

struct BrokerOptions {
    std::filesystem::path ca_cert;  ///< Trusted for client certificates.
    CertificateFiles server;        ///< The broker's certificate and key.
    bool require_certificate = true;
    /// The client certificate's CN becomes the user name. With it off, mosquitto 2 (which
    /// refuses anonymous clients by default) answers CONNACK "not authorized".
    bool use_identity_as_username = true;
    std::string tls_version = "tlsv1.2";
    /// Extra lines appended to the config (e.g. "acl_file /path"); they apply to the listener.
    std::vector<std::string> extra_config;
    std::uint16_t port = 0;  ///< 0: a free port is chosen.
    std::chrono::milliseconds start_timeout = std::chrono::seconds(10);
};

class MosquittoBroker {
public:
    /// Options for the usual mutual-TLS broker: server certificate for localhost, client
    /// certificates from the test CA.
    static BrokerOptions mutual_tls(const TestPki& pki);

    /// Writes the config and, if `start_now`, starts the broker (see start()).
    explicit MosquittoBroker(BrokerOptions options, bool start_now = true);
    ~MosquittoBroker();
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    /// Starts mosquitto and waits (bounded by start_timeout) until the port accepts TCP
    /// connections. Throws std::runtime_error with the broker's log if it does not come up.
    void start();
    /// SIGTERM, then SIGKILL after `grace`. No-op when not running.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    /// SIGKILL at once (a crash, as clients see it). No-op when not running.
    void kill();
    /// SIGSTOP: the broker hangs (connections stay open, nothing is answered) until resume().
    void pause();
    /// SIGCONT after pause().
    void resume();
    /// stop() then start() on the same port.
    void restart();
    bool running();

    std::uint16_t port() const { return options_.port; }
    const BrokerOptions& options() const { return options_; }
    std::filesystem::path config_path() const { return dir_ / "mosquitto.conf"; }
    std::filesystem::path log_path() const { return dir_ / "mosquitto.log"; }
    /// The broker's log since the latest start() (each start truncates it).
    std::string log() const;

private:
    void write_config() const;

    BrokerOptions options_;
    TempDir dir_;
    std::optional<ChildProcess> process_;
};

}  // namespace defender::test
