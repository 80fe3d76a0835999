// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file openssl_server.hpp
/// `openssl s_server -www` on 127.0.0.1 with the test PKI's localhost certificate, for TLS
/// handshake tests: extra arguments such as `-alpn x-amzn-mqtt-ca` or `-tls1_1`; its output
/// shows what the client offered (e.g. "ALPN protocols advertised by the client: ...").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace defender::test {

class OpensslServer {
public:
    /// Starts s_server on a free port (its output goes to files in `dir`) and waits up to
    /// 5 s until it accepts. Throws std::runtime_error with its stderr when it does not.
    OpensslServer(const TestPki& pki, const TempDir& dir, std::vector<std::string> extra_arguments);

    std::uint16_t port() const { return port_; }
    /// Stops the server and returns its stdout and stderr.
    std::string output();
    /// Waits (at most `timeout`) until its output contains `text`, then stops it like
    /// output(): a client that gives up at once may otherwise be faster than s_server's log.
    std::string output_once_it_shows(const std::string& text, std::chrono::milliseconds timeout);

private:
    std::uint16_t port_;
    std::optional<ChildProcess> process_;
};

}  // namespace defender::test
