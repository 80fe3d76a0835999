// SPDX-License-Identifier: Apache-2.0
#include "console/tls_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace defender::console {

struct TlsRelay::State {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context random;
    mbedtls_x509_crt certificate;
    mbedtls_pk_context key;
    mbedtls_ssl_config config;
    int listener = -1;
    int wake = -1;
    std::uint16_t backend_port = 0;
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::condition_variable ended;
    int connections = 0;  // relay threads running
    std::thread acceptor;

    State() {
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&random);
        mbedtls_x509_crt_init(&certificate);
        mbedtls_pk_init(&key);
        mbedtls_ssl_config_init(&config);
    }
    ~State() {
        if (listener >= 0) ::close(listener);
        if (wake >= 0) ::close(wake);
        mbedtls_ssl_config_free(&config);
        mbedtls_pk_free(&key);
        mbedtls_x509_crt_free(&certificate);
        mbedtls_ctr_drbg_free(&random);
        mbedtls_entropy_free(&entropy);
    }
};

namespace {

constexpr unsigned char kPersonalization[] = "defender-console";

std::string tls_error(int code) {
    char text[160];
    mbedtls_strerror(code, text, sizeof text);
    return text;
}

bool write_all(int fd, const unsigned char* data, std::size_t size) {
    while (size > 0) {
        const auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

bool tls_write_all(mbedtls_ssl_context* ssl, const unsigned char* data, std::size_t size) {
    while (size > 0) {
        const int sent = mbedtls_ssl_write(ssl, data, size);
        if (sent <= 0) return false;
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

int connect_backend(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// One client: the handshake (bounded by the socket timeouts), then bytes both ways until either
// side closes, the connection idles or the relay stops.
void relay(TlsRelay::State& state, int client) {
    timeval timeout{10, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    mbedtls_net_context socket{};
    socket.fd = client;
    int backend = -1;
    if (mbedtls_ssl_setup(&ssl, &state.config) == 0) {
        mbedtls_ssl_set_bio(&ssl, &socket, mbedtls_net_send, mbedtls_net_recv, nullptr);
        if (mbedtls_ssl_handshake(&ssl) == 0) backend = connect_backend(state.backend_port);
    }
    if (backend >= 0) {
        std::array<unsigned char, 16384> buffer{};
        int idle_ms = 0;
        while (!state.stopping && idle_ms < kRelayIdleSeconds * 1000) {
            // Bytes mbed TLS decrypted already do not show in poll().
            const bool buffered = mbedtls_ssl_get_bytes_avail(&ssl) > 0;
            std::array<pollfd, 2> watched{pollfd{client, POLLIN, 0}, pollfd{backend, POLLIN, 0}};
            const int ready = buffered ? 1 : ::poll(watched.data(), watched.size(), 1000);
            if (ready < 0) break;
            if (ready == 0) {
                idle_ms += 1000;
                continue;
            }
            idle_ms = 0;
            if (buffered || watched[0].revents != 0) {
                const int got = mbedtls_ssl_read(&ssl, buffer.data(), buffer.size());
                if (got == MBEDTLS_ERR_SSL_WANT_READ) continue;
                if (got <= 0) break;
                if (!write_all(backend, buffer.data(), static_cast<std::size_t>(got))) break;
            }
            if (watched[1].revents != 0) {
                const auto got = ::recv(backend, buffer.data(), buffer.size(), 0);
                if (got <= 0) break;
                if (!tls_write_all(&ssl, buffer.data(), static_cast<std::size_t>(got))) break;
            }
        }
        (void)mbedtls_ssl_close_notify(&ssl);
        ::close(backend);
    }
    mbedtls_ssl_free(&ssl);
    ::close(client);
}

void accept_loop(const std::shared_ptr<TlsRelay::State>& state) {
    while (!state->stopping) {
        std::array<pollfd, 2> watched{pollfd{state->listener, POLLIN, 0},
                                      pollfd{state->wake, POLLIN, 0}};
        if (::poll(watched.data(), watched.size(), -1) < 0) continue;
        if (watched[1].revents != 0) return;
        const int client = ::accept4(state->listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        {
            std::lock_guard lock(state->mutex);
            if (state->connections >= kMaxRelayConnections) {
                ::close(client);
                continue;
            }
            ++state->connections;
        }
        std::thread([state, client] {
            relay(*state, client);
            std::lock_guard lock(state->mutex);
            --state->connections;
            state->ended.notify_all();
        }).detach();
    }
}

}  // namespace

Result<std::unique_ptr<TlsRelay>> TlsRelay::start(const HttpAddress& address,
                                                  const std::string& cert_file,
                                                  const std::string& key_file,
                                                  std::uint16_t backend_port) {
    auto state = std::make_shared<State>();
    state->backend_port = backend_port;
    if (const int rc = mbedtls_x509_crt_parse_file(&state->certificate, cert_file.c_str());
        rc != 0) {
        return Error{"--http-cert " + cert_file + ": " + tls_error(rc)};
    }
    if (const int rc = mbedtls_pk_parse_keyfile(&state->key, key_file.c_str(), nullptr); rc != 0) {
        return Error{"--http-key " + key_file + ": " + tls_error(rc)};
    }
    if (mbedtls_ctr_drbg_seed(&state->random, mbedtls_entropy_func, &state->entropy,
                              kPersonalization, sizeof kPersonalization - 1) != 0 ||
        mbedtls_ssl_config_defaults(&state->config, MBEDTLS_SSL_IS_SERVER,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return Error{"console TLS: cannot set up mbed TLS"};
    }
    if (const int rc = mbedtls_ssl_conf_own_cert(&state->config, &state->certificate, &state->key);
        rc != 0) {
        return Error{"--http-key " + key_file + " does not match --http-cert " + cert_file + ": " +
                     tls_error(rc)};
    }
    mbedtls_ssl_conf_rng(&state->config, mbedtls_ctr_drbg_random, &state->random);
    mbedtls_ssl_conf_min_version(&state->config, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);

    const int family = address.ipv6 ? AF_INET6 : AF_INET;
    state->listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(state->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage storage{};
    socklen_t size = 0;
    if (address.ipv6) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(address.port);
        ::inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr);
        size = sizeof *v6;
    } else {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(address.port);
        ::inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr);
        size = sizeof *v4;
    }
    if (state->listener < 0 ||
        ::bind(state->listener, reinterpret_cast<sockaddr*>(&storage), size) != 0 ||
        ::listen(state->listener, 16) != 0) {
        return Error{"cannot listen on " + address.text() + ": " + std::strerror(errno)};
    }
    state->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    state->acceptor = std::thread([state] { accept_loop(state); });
    return std::unique_ptr<TlsRelay>(new TlsRelay(state));
}

TlsRelay::TlsRelay(std::shared_ptr<State> state) : state_(std::move(state)) {}

TlsRelay::~TlsRelay() {
    state_->stopping = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(state_->wake, &one, sizeof one);
    if (state_->acceptor.joinable()) state_->acceptor.join();
    // The relay threads notice within a second (their poll timeout) or a socket timeout.
    std::unique_lock lock(state_->mutex);
    state_->ended.wait(lock, [&] { return state_->connections == 0; });
}

}  // namespace defender::console
