// SPDX-License-Identifier: Apache-2.0
#pragma once
// A broker for the connectivity tests (WebSocket, proxy, ALPN): one mosquitto with a
// mutual-TLS MQTT listener (where `defender emulate` listens), a plain WebSocket listener and
// a TLS WebSocket listener (no client certificate: AWS IoT authenticates those by SigV4, which
// mosquitto ignores). Runs `defender agent` against any of them.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "mosquitto_broker.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace defender::test {

/// Fake but well-formed AWS credentials; the tests grep logs for these.
inline constexpr const char* kTestAccessKeyId = "AKIDDEFENDERTEST01";
inline constexpr const char* kTestSecretKey = "wsTestSecret/Key+0123456789abcdefghijklmn";
inline constexpr const char* kTestSessionToken = "wsTestSessionTokenXYZ/+=987654321";

class ConnectivityRig {
public:
    ConnectivityRig();

    TestPki& pki() { return pki_; }
    MosquittoBroker& broker() { return *broker_; }
    std::uint16_t mtls_port() const { return broker_->port(); }
    std::uint16_t ws_port() const { return ws_port_; }
    std::uint16_t wss_port() const { return wss_port_; }
    const TempDir& work() const { return work_; }

    /// `defender emulate` on the mutual-TLS listener; waits until it is subscribed.
    void start_emulator();
    /// How many ACCEPTED lines the emulator printed.
    std::size_t accepted() const;
    bool wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) const;

    /// `defender agent` for thing `thing`, interval 1 s, with `args` (connection options) and
    /// `environment`; the AWS variables are cleared unless given, IMDS is disabled and HOME is
    /// an empty directory.
    ProcessOptions agent(const std::string& thing, const std::vector<std::string>& args,
                         std::vector<std::string> environment, const std::string& log_name);
    /// The environment with the test credentials.
    static std::vector<std::string> credentials_environment();

private:
    TempDir work_;
    TestPki pki_;
    std::uint16_t ws_port_ = 0;
    std::uint16_t wss_port_ = 0;
    std::unique_ptr<MosquittoBroker> broker_;
    CertificateFiles emulator_cert_;
    std::unique_ptr<ChildProcess> emulator_;
};

}  // namespace defender::test
