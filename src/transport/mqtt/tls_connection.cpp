// SPDX-License-Identifier: Apache-2.0
// TlsConnection: the handshake over a non-blocking socket, then reads and writes that never
// block.

#include "transport/mqtt/tls_connection.hpp"

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "transport/mqtt/mbedtls_object.hpp"
#include "transport/mqtt/tls_credentials_state.hpp"
#include "transport/mqtt/tls_errors.hpp"
#include "transport/mqtt/tls_ip_address.hpp"
#include "transport/mqtt/tls_socket_io.hpp"

namespace defender::mqtt {

struct TlsConnection::State {
    std::shared_ptr<const TlsCredentials> credentials;  ///< first: outlives `ssl`
    util::UniqueFd socket;
    int socket_fd = -1;  ///< the bio callbacks' context
    std::optional<IpAddress> ip_endpoint;
    bool ip_mismatch = false;             ///< set by the verify callback
    TlsInspection* inspection = nullptr;  ///< `defender doctor`: what the handshake showed
    SslContext ssl;
};

namespace {

using Clock = std::chrono::steady_clock;

std::string distinguished_name(const mbedtls_x509_name& name) {
    std::array<char, 512> text{};
    return mbedtls_x509_dn_gets(text.data(), text.size(), &name) < 0 ? "?" : text.data();
}

void record_certificate(TlsInspection& inspection, const mbedtls_x509_crt& certificate, int depth,
                        std::uint32_t flags) {
    const mbedtls_x509_time& to = certificate.valid_to;
    std::array<char, 32> not_after{};
    std::snprintf(not_after.data(), not_after.size(), "%04d-%02d-%02d %02d:%02d:%02d", to.year,
                  to.mon, to.day, to.hour, to.min, to.sec);
    std::erase_if(inspection.chain, [&](const auto& seen) { return seen.depth == depth; });
    inspection.chain.push_back({depth, distinguished_name(certificate.subject),
                                distinguished_name(certificate.issuer), not_after.data(), flags});
}

// Called by mbed TLS for each certificate of the verified chain, after its own checks.
int check_ip_san(void* context, mbedtls_x509_crt* certificate, int depth, std::uint32_t* flags) {
    auto* state = static_cast<TlsConnection::State*>(context);
    if (depth == 0 && state->ip_endpoint &&
        !certificate_names_ip(*certificate, *state->ip_endpoint)) {
        state->ip_mismatch = true;
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    if (state->inspection != nullptr)
        record_certificate(*state->inspection, *certificate, depth, *flags);
    return 0;
}

void finish_inspection(const TlsConnection::State& state, bool completed) {
    TlsInspection& inspection = *state.inspection;
    std::sort(inspection.chain.begin(), inspection.chain.end(),
              [](const auto& a, const auto& b) { return a.depth < b.depth; });
    inspection.verify_flags = mbedtls_ssl_get_verify_result(state.ssl.get());
    inspection.ip_mismatch = state.ip_mismatch;
    if (!completed) return;
    inspection.version = mbedtls_ssl_get_version(state.ssl.get());
    const char* protocol = mbedtls_ssl_get_alpn_protocol(state.ssl.get());
    inspection.alpn = protocol != nullptr ? protocol : "";
}

std::string handshake_failure(int code, const TlsConnection::State& state) {
    switch (code) {
        case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
            return verification_failure(mbedtls_ssl_get_verify_result(state.ssl.get()),
                                        state.ip_mismatch);
        case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
            // mbed TLS 2.28 leaves the received alert in in_msg: [level, description].
            return alert_failure(state.ssl.get()->in_msg[1]);
        case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
            return "TLS handshake failed: the server offered a TLS version older than 1.2";
        case MBEDTLS_ERR_SSL_CONN_EOF:
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        case MBEDTLS_ERR_NET_CONN_RESET:
            if (auto alert = unread_fatal_alert(state.socket_fd)) {
                return alert_failure(*alert);
            }
            return "TLS handshake failed: the server closed the connection";
        default:
            return "TLS handshake failed: " + mbedtls_error_text(code);
    }
}

std::optional<std::string> set_up(TlsConnection::State& state, const TlsOptions& options) {
    mbedtls_ssl_context* ssl = state.ssl.get();
    const int setup = mbedtls_ssl_setup(ssl, state.credentials->state().config.get());
    if (setup != 0) {
        return "TLS handshake failed: " + mbedtls_error_text(setup);
    }
    if (options.host.empty()) {
        return "TLS handshake failed: no server name to verify";
    }
    state.ip_endpoint = IpAddress::parse(options.host);
    // An IP literal is not sent as SNI (RFC 6066 3) and mbed TLS cannot match it: no name
    // for mbed TLS, and check_ip_san instead.
    const int named =
        mbedtls_ssl_set_hostname(ssl, state.ip_endpoint ? nullptr : options.host.c_str());
    if (named != 0) {
        return "TLS handshake failed: " + mbedtls_error_text(named);
    }
    mbedtls_ssl_set_verify(ssl, check_ip_san, &state);
    mbedtls_ssl_set_bio(ssl, &state.socket_fd, send_on_socket, receive_from_socket, nullptr);
    return std::nullopt;
}

// Waits for the socket until `deadline`; false once it has passed.
bool wait_for_socket(int fd, bool for_write, Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd waiting{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    return ready >= 0 || errno == EINTR;
}

IoOutcome io_outcome(int result) {
    IoOutcome outcome;
    if (result > 0) {
        outcome.kind = IoOutcome::Kind::Transferred;
        outcome.bytes = static_cast<std::size_t>(result);
        return outcome;
    }
    switch (result) {
        case MBEDTLS_ERR_SSL_WANT_READ:
        case MBEDTLS_ERR_SSL_WANT_WRITE:
            outcome.kind = IoOutcome::Kind::WouldBlock;
            outcome.wants_write = result == MBEDTLS_ERR_SSL_WANT_WRITE;
            return outcome;
        case 0:
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        case MBEDTLS_ERR_SSL_CONN_EOF:
            outcome.kind = IoOutcome::Kind::Closed;
            outcome.reason = "the broker closed the connection";
            return outcome;
        case MBEDTLS_ERR_NET_CONN_RESET:
            outcome.kind = IoOutcome::Kind::Closed;
            outcome.reason = "connection reset by peer";
            return outcome;
        default:
            outcome.kind = IoOutcome::Kind::Failed;
            outcome.reason = mbedtls_error_text(result);
            return outcome;
    }
}

}  // namespace

std::variant<std::unique_ptr<TlsConnection>, HandshakeFailure> TlsConnection::handshake(
    std::shared_ptr<const TlsCredentials> credentials, const TlsOptions& options,
    util::UniqueFd socket, std::chrono::steady_clock::time_point deadline,
    TlsInspection* inspection) {
    auto state = std::make_unique<State>();
    state->inspection = inspection;
    if (inspection != nullptr) *inspection = TlsInspection{};
    state->credentials = std::move(credentials);
    state->socket = std::move(socket);
    state->socket_fd = state->socket.get();
    if (auto problem = set_up(*state, options)) {
        return HandshakeFailure{.timed_out = false, .reason = *problem};
    }
    for (;;) {
        const int result = mbedtls_ssl_handshake(state->ssl.get());
        if (result == 0) {
            if (inspection != nullptr) finish_inspection(*state, true);
            state->inspection = nullptr;
            return std::unique_ptr<TlsConnection>(new TlsConnection(std::move(state)));
        }
        if (result != MBEDTLS_ERR_SSL_WANT_READ && result != MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (inspection != nullptr) finish_inspection(*state, false);
            return HandshakeFailure{.timed_out = false,
                                    .reason = handshake_failure(result, *state)};
        }
        if (!wait_for_socket(state->socket_fd, result == MBEDTLS_ERR_SSL_WANT_WRITE, deadline)) {
            if (inspection != nullptr) finish_inspection(*state, false);
            return HandshakeFailure{.timed_out = true, .reason = {}};
        }
    }
}

TlsConnection::TlsConnection(std::unique_ptr<State> state) : state_(std::move(state)) {}

TlsConnection::~TlsConnection() = default;

IoOutcome TlsConnection::read_some(char* buffer, std::size_t capacity) {
    return io_outcome(
        mbedtls_ssl_read(state_->ssl.get(), reinterpret_cast<unsigned char*>(buffer), capacity));
}

IoOutcome TlsConnection::write_some(const char* data, std::size_t size) {
    if (size == 0) return IoOutcome::transferred(0);
    return io_outcome(
        mbedtls_ssl_write(state_->ssl.get(), reinterpret_cast<const unsigned char*>(data), size));
}

std::size_t TlsConnection::pending() const {
    return mbedtls_ssl_get_bytes_avail(state_->ssl.get());
}

void TlsConnection::close() {
    (void)mbedtls_ssl_close_notify(state_->ssl.get());
}

int TlsConnection::fd() const {
    return state_->socket_fd;
}

std::string TlsConnection::alpn_protocol() const {
    const char* protocol = mbedtls_ssl_get_alpn_protocol(state_->ssl.get());
    return protocol != nullptr ? protocol : "";
}

}  // namespace defender::mqtt
