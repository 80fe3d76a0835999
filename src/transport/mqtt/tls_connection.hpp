// SPDX-License-Identifier: Apache-2.0
#pragma once
// TLS 1.2 client connections on mbed TLS: the device's credentials loaded once, then one
// handshake per connection over an already connected, non-blocking TCP socket.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "defender/mqtt_transport.hpp"
#include "defender/result.hpp"
#include "transport/mqtt/byte_stream.hpp"
#include "transport/mqtt/step_failure.hpp"
#include "util/unique_fd.hpp"

namespace defender::mqtt {

struct TlsOptions {
    /// Server name: sent as SNI (unless an IP literal) and checked against the server
    /// certificate (DNS names; an IP literal against the certificate's IP address SANs).
    std::string host;
    std::filesystem::path root_ca;      ///< PEM bundle the server must chain to
    std::filesystem::path certificate;  ///< PEM client certificate (chain); empty: none
    std::filesystem::path private_key;  ///< PEM key of `certificate`, unencrypted
    bool offer_aws_alpn = false;        ///< offer ALPN "x-amzn-mqtt-ca"
};

/// Loaded trust anchors, client certificate and key, random generator: made once, shared by
/// the connections made from it (read-only after load()).
class TlsCredentials {
public:
    /// Error: one line naming the file and the problem, never key material, e.g. "root CA
    /// /x/ca.pem holds no PEM certificate".
    static Result<std::shared_ptr<const TlsCredentials>> load(const TlsOptions& options);
    ~TlsCredentials();
    TlsCredentials(const TlsCredentials&) = delete;
    TlsCredentials& operator=(const TlsCredentials&) = delete;

    struct State;  ///< mbed TLS objects (defined in the .cpp)
    const State& state() const { return *state_; }

private:
    explicit TlsCredentials(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

/// Why a handshake did not complete.
/// Its reason is one line without the "connect to host:port failed: " prefix, e.g. "server
/// certificate verification failed: hostname mismatch", "TLS handshake failed: the server
/// rejected the device certificate (alert: unknown CA)"; empty when timed_out.
using HandshakeFailure = StepFailure;

/// What a handshake showed of the server, for `defender doctor`: filled whether the handshake
/// completed or not (as far as it got).
struct TlsInspection {
    struct Certificate {
        int depth = 0;  ///< 0: the server's own certificate
        std::string subject;
        std::string issuer;
        std::string not_after;    ///< "2027-01-31 23:59:59" (UTC)
        std::uint32_t flags = 0;  ///< mbed TLS verification flags of this certificate
    };
    std::vector<Certificate> chain;  ///< as verified, server certificate first
    std::uint32_t verify_flags = 0;  ///< mbed TLS's verification result (0: verified)
    bool ip_mismatch = false;        ///< an IP endpoint missing from the certificate
    std::string version;             ///< negotiated, e.g. "TLSv1.2"; "" before it completed
    std::string alpn;                ///< ALPN protocol the server chose, "" for none
};

/// One TLS session over a socket it owns. Not thread-safe: callers serialize all calls.
class TlsConnection final : public ByteStream {
public:
    /// Performs the handshake on `socket` (connected, O_NONBLOCK), polling until `deadline`.
    /// `inspection` (optional) receives the server's chain, the version and the ALPN chosen.
    static std::variant<std::unique_ptr<TlsConnection>, HandshakeFailure> handshake(
        std::shared_ptr<const TlsCredentials> credentials, const TlsOptions& options,
        util::UniqueFd socket, std::chrono::steady_clock::time_point deadline,
        TlsInspection* inspection = nullptr);
    ~TlsConnection() override;
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;

    /// Decrypted bytes into `buffer`, without blocking.
    IoOutcome read_some(char* buffer, std::size_t capacity) override;
    /// Encrypts and sends up to `size` bytes, without blocking. After WouldBlock the same
    /// bytes must be offered again (mbed TLS's rule).
    IoOutcome write_some(const char* data, std::size_t size) override;
    /// Decrypted bytes already held, which poll() on the socket would not announce.
    std::size_t pending() const override;
    /// Best-effort close_notify (does not wait).
    void close() override;
    int fd() const override;
    /// The ALPN protocol the server selected, "" for none.
    std::string alpn_protocol() const;

    struct State;

private:
    explicit TlsConnection(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace defender::mqtt
