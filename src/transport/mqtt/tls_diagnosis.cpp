#include "transport/mqtt/tls_diagnosis.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace defender::mqtt_transport {
namespace {

using Clock = std::chrono::steady_clock;

struct AddrInfoFree {
    void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
struct SslCtxFree {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};

class SocketFd {
public:
    explicit SocketFd(int fd) : fd_(fd) {}
    ~SocketFd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    SocketFd(const SocketFd&) = delete;
    SocketFd& operator=(const SocketFd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

bool is_ip_literal(const std::string& host) {
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// Non-blocking connect bounded by `timeout`; returns "" or what went wrong.
std::string connect_with_timeout(int fd, const addrinfo& address,
                                 std::chrono::milliseconds timeout) {
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            return std::strerror(errno);
        }
        pollfd waiting{fd, POLLOUT, 0};
        if (poll(&waiting, 1, static_cast<int>(timeout.count())) != 1) {
            return "no answer within " + std::to_string(timeout.count()) + " ms";
        }
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            return std::strerror(error);
        }
    }
    fcntl(fd, F_SETFL, flags);
    return "";
}

void set_io_timeout(int fd, std::chrono::milliseconds timeout) {
    timeval bound{};
    bound.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    bound.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
}

std::string openssl_reason() {
    const unsigned long code = ERR_peek_last_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason != nullptr ? reason : "unknown reason";
}

std::unique_ptr<SSL_CTX, SslCtxFree> client_context(const MqttSettings& settings,
                                                    std::string& problem) {
    std::unique_ptr<SSL_CTX, SslCtxFree> context(SSL_CTX_new(TLS_client_method()));
    if (!context || SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(context.get(), kCipherList) != 1 ||
        SSL_CTX_load_verify_locations(context.get(), settings.root_ca.c_str(), nullptr) != 1 ||
        (!settings.use_websocket &&  // SigV4 over WebSocket: no client certificate
         (SSL_CTX_use_certificate_chain_file(context.get(), settings.cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(context.get(), settings.key.c_str(), SSL_FILETYPE_PEM) !=
              1))) {
        problem = "cannot load the TLS files (" + openssl_reason() + ")";
        return nullptr;
    }
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    if (offers_aws_alpn(settings)) {
        const std::string protocol = kAwsMqttAlpnProtocol;
        std::string wire(1, static_cast<char>(protocol.size()));
        wire += protocol;
        SSL_CTX_set_alpn_protos(context.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size()));
    }
    return context;
}

std::string handshake_failure(const std::string& reason) {
    for (const char* rejection :
         {"unknown ca", "bad certificate", "certificate required", "certificate unknown",
          "unsupported certificate", "certificate revoked", "certificate expired"}) {
        if (reason.find(rejection) != std::string::npos) {
            return "TLS handshake failed: the server rejected the device certificate (" + reason +
                   ")";
        }
    }
    return "TLS handshake failed: " + reason;
}

// With TLS 1.3 the client finishes its handshake before the server has checked the client
// certificate; a rejection arrives as an alert just after. A quiet second means accepted.
std::optional<std::string> server_verdict_after_handshake(SSL* ssl, int fd) {
    set_io_timeout(fd, std::chrono::milliseconds(1000));
    char byte = 0;
    if (SSL_read(ssl, &byte, 1) > 0) {
        return std::nullopt;
    }
    const int error = SSL_get_error(ssl, 0);
    if (error == SSL_ERROR_SSL) {
        return handshake_failure(openssl_reason());
    }
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN ||
        (error == SSL_ERROR_SYSCALL && errno != EAGAIN && errno != EWOULDBLOCK)) {
        return "TLS handshake failed: the server closed the connection right after it";
    }
    return std::nullopt;
}

std::optional<std::string> handshake(const MqttSettings& settings, int fd) {
    std::string problem;
    auto context = client_context(settings, problem);
    if (!context) {
        return problem;
    }
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(context.get()));
    X509_VERIFY_PARAM* verify = SSL_get0_param(ssl.get());
    if (is_ip_literal(settings.endpoint)) {
        X509_VERIFY_PARAM_set1_ip_asc(verify, settings.endpoint.c_str());
    } else {
        X509_VERIFY_PARAM_set1_host(verify, settings.endpoint.c_str(), 0);
        SSL_set_tlsext_host_name(ssl.get(), settings.endpoint.c_str());
    }
    SSL_set_fd(ssl.get(), fd);
    ERR_clear_error();
    if (SSL_connect(ssl.get()) == 1) {
        return server_verdict_after_handshake(ssl.get(), fd);
    }
    const long verified = SSL_get_verify_result(ssl.get());
    if (verified != X509_V_OK) {
        ERR_clear_error();
        return "server certificate verification failed: " +
               std::string(X509_verify_cert_error_string(verified));
    }
    return handshake_failure(openssl_reason());
}

}  // namespace

std::optional<std::string> diagnose_tls(const MqttSettings& settings,
                                        std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int resolved = getaddrinfo(settings.endpoint.c_str(),
                                     std::to_string(settings.port).c_str(), &hints, &found);
    if (resolved != 0) {
        return "cannot resolve host " + settings.endpoint + ": " + gai_strerror(resolved);
    }
    std::unique_ptr<addrinfo, AddrInfoFree> addresses(found);
    // Like Paho, take the first address that accepts a TCP connection.
    std::string tcp_problem = "no address";
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        SocketFd socket(::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, 0));
        if (socket.get() < 0) {
            tcp_problem = std::strerror(errno);
            continue;
        }
        tcp_problem = connect_with_timeout(socket.get(), *address, timeout);
        if (tcp_problem.empty()) {
            set_io_timeout(socket.get(), timeout);
            return handshake(settings, socket.get());
        }
    }
    return "TCP connection failed: " + tcp_problem;
}

}  // namespace defender::mqtt_transport
