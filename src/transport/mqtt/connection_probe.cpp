// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/connection_probe.hpp"

#include <mbedtls/x509.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <optional>

#include "net/resolver.hpp"
#include "net/tcp_connect.hpp"
#include "transport/mqtt/connect_failure.hpp"
#include "transport/mqtt/mqtt_handshake.hpp"
#include "transport/mqtt/mqtt_session.hpp"
#include "transport/mqtt/proxy_tunnel.hpp"
#include "transport/mqtt/socket_stream.hpp"
#include "transport/mqtt/suback.hpp"

namespace defender::mqtt {
namespace {

using Clock = std::chrono::steady_clock;

std::string numeric_host(const sockaddr* address, socklen_t length) {
    std::array<char, NI_MAXHOST> host{};
    std::array<char, NI_MAXSERV> port{};
    if (::getnameinfo(address, length, host.data(), host.size(), port.data(), port.size(),
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return "?";
    }
    const std::string text(host.data());
    return (text.find(':') != std::string::npos ? "[" + text + "]" : text) + ":" + port.data();
}

std::string peer_of(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
    return numeric_host(reinterpret_cast<sockaddr*>(&address), length);
}

std::string seconds(std::chrono::seconds timeout) {
    return std::to_string(timeout.count()) + " s";
}

class Probe {
public:
    Probe(const MqttSettings& settings, std::vector<ProbeStep>& steps)
        : settings_(settings), steps_(steps) {}

    void run(const std::vector<std::string>& filters);

private:
    Clock::time_point deadline() const { return Clock::now() + settings_.connect_timeout; }
    void ok(std::string name, std::string detail, std::vector<std::string> notes = {}) {
        steps_.push_back({std::move(name), true, std::move(detail), std::move(notes), ""});
    }
    void fail(std::string name, std::string failure, std::string detail,
              std::vector<std::string> notes = {}) {
        steps_.push_back(
            {std::move(name), false, std::move(detail), std::move(notes), std::move(failure)});
    }
    bool resolve();
    std::optional<util::UniqueFd> tcp();
    std::unique_ptr<ByteStream> tls(util::UniqueFd socket);
    std::unique_ptr<ByteStream> upgrade(std::unique_ptr<ByteStream> connection);
    std::optional<HandshakeOutcome::Connected> connect(std::unique_ptr<ByteStream> connection);
    void subscribe(HandshakeOutcome::Connected connected, const std::vector<std::string>& filters);

    const MqttSettings& settings_;
    std::vector<ProbeStep>& steps_;
    std::optional<ProxySettings> proxy_;
};

bool Probe::resolve() {
    const std::string& host = proxy_ ? proxy_->host : settings_.endpoint;
    const std::uint16_t port = proxy_ ? proxy_->port : settings_.port;
    auto addresses = net::resolve_tcp(host, port);
    if (!addresses) {
        fail("resolve", "resolve", addresses.error().message);
        return false;
    }
    std::string list;
    for (const auto& address : *addresses) {
        if (!list.empty()) list += ", ";
        list += numeric_host(reinterpret_cast<const sockaddr*>(&address.address), address.length);
    }
    ok("resolve", (proxy_ ? "proxy " + host : host) + " is " + list);
    return true;
}

std::optional<util::UniqueFd> Probe::tcp() {
    const std::string target = settings_.endpoint + ":" + std::to_string(settings_.port);
    auto connected = proxy_ ? net::tcp_connect(proxy_->host, proxy_->port, deadline())
                            : net::tcp_connect(settings_.endpoint, settings_.port, deadline());
    if (auto* failure = std::get_if<StepFailure>(&connected)) {
        const std::string to = proxy_ ? "proxy " + describe_proxy(*proxy_) : target;
        if (failure->timed_out) {
            fail("TCP connect", "tcp_timeout",
                 "no answer from " + to + " within " + seconds(settings_.connect_timeout));
        } else {
            const bool refused = failure->reason.find("refused") != std::string::npos;
            fail("TCP connect", refused ? "tcp_refused" : "tcp", to + ": " + failure->reason);
        }
        return std::nullopt;
    }
    auto socket = std::move(std::get<util::UniqueFd>(connected));
    const std::string peer = peer_of(socket.get());
    if (!proxy_) {
        ok("TCP connect", "connected to " + peer + " directly (no proxy)");
        return socket;
    }
    if (auto failure = open_proxy_tunnel(socket.get(), *proxy_, target, deadline())) {
        fail("TCP connect", "proxy",
             failure->timed_out
                 ? "proxy " + describe_proxy(*proxy_) + " did not answer CONNECT within " +
                       seconds(settings_.connect_timeout)
                 : failure->reason);
        return std::nullopt;
    }
    ok("TCP connect", "connected to " + target + " through HTTP proxy " + describe_proxy(*proxy_) +
                          " (" + peer + ", CONNECT accepted)");
    return socket;
}

std::vector<std::string> chain_lines(const TlsInspection& inspection) {
    std::vector<std::string> lines;
    for (const auto& certificate : inspection.chain) {
        lines.push_back("certificate " + std::to_string(certificate.depth) + ": subject " +
                        certificate.subject + "; issuer " + certificate.issuer + "; not after " +
                        certificate.not_after + " UTC");
    }
    if (lines.empty()) lines.push_back("no server certificate was received");
    return lines;
}

std::string tls_failure_kind(const TlsInspection& inspection, const std::string& reason) {
    const std::uint32_t flags = inspection.verify_flags;
    if (reason.starts_with("server certificate verification failed")) {
        if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return "tls_untrusted";
        if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) || inspection.ip_mismatch)
            return "tls_hostname";
        if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
            return "tls_expired";
        return "tls_verify";
    }
    if (reason.find("rejected the device certificate") != std::string::npos ||
        reason.find("refused the device certificate") != std::string::npos) {
        return "tls_client_rejected";
    }
    return "tls";
}

std::unique_ptr<ByteStream> Probe::tls(util::UniqueFd socket) {
    const TlsOptions options = tls_options_for(settings_);
    auto credentials = TlsCredentials::load(options);
    if (!credentials) {
        fail("TLS handshake", "tls_files", credentials.error().message);
        return nullptr;
    }
    TlsInspection inspection;
    auto secured = TlsConnection::handshake(std::move(*credentials), options, std::move(socket),
                                            deadline(), &inspection);
    if (auto* failure = std::get_if<HandshakeFailure>(&secured)) {
        if (failure->timed_out) {
            fail("TLS handshake", "tls_timeout",
                 "no TLS answer within " + seconds(settings_.connect_timeout),
                 chain_lines(inspection));
        } else {
            fail("TLS handshake", tls_failure_kind(inspection, failure->reason), failure->reason,
                 chain_lines(inspection));
        }
        return nullptr;
    }
    const std::string offered = options.offer_aws_alpn ? kAwsMqttAlpnProtocol : "";
    std::string alpn = "ALPN: none offered";
    if (!offered.empty()) {
        alpn = inspection.alpn.empty() ? "ALPN: offered " + offered + ", the server chose none"
                                       : "ALPN: " + inspection.alpn;
    }
    ok("TLS handshake",
       inspection.version + ", " + alpn + ", server certificate verified for " +
           settings_.endpoint + (settings_.use_websocket ? "" : ", device certificate sent"),
       chain_lines(inspection));
    return std::move(std::get<std::unique_ptr<TlsConnection>>(secured));
}

std::unique_ptr<ByteStream> Probe::upgrade(std::unique_ptr<ByteStream> connection) {
    AwsCredentialProvider credentials;
    auto request = sign_websocket_request(settings_, credentials);
    if (!request) {
        fail("WebSocket upgrade", "websocket_credentials", request.error().message);
        return nullptr;
    }
    auto upgraded = websocket_connect(std::move(connection), *request, deadline());
    if (auto* failure = std::get_if<StepFailure>(&upgraded)) {
        if (failure->timed_out) {
            fail("WebSocket upgrade", "websocket",
                 "no answer to the upgrade within " + seconds(settings_.connect_timeout));
        } else {
            const bool forbidden = failure->reason.find("HTTP 403") != std::string::npos;
            fail("WebSocket upgrade", forbidden ? "websocket_forbidden" : "websocket",
                 failure->reason);
        }
        return nullptr;
    }
    ok("WebSocket upgrade", "HTTP 101 Switching Protocols (SigV4 for " + settings_.signing_region +
                                ", GET /mqtt on " + request->host_header + ")");
    return std::move(std::get<std::unique_ptr<ByteStream>>(upgraded));
}

std::optional<HandshakeOutcome::Connected> Probe::connect(std::unique_ptr<ByteStream> connection) {
    auto outcome = mqtt_connect(std::move(connection), settings_, deadline());
    if (auto* failed = std::get_if<HandshakeOutcome::Failure>(&outcome.result)) {
        ConnectFailure failure;
        failure.target = settings_.endpoint + ":" + std::to_string(settings_.port);
        failure.timeout = settings_.connect_timeout;
        failure.client_id = settings_.client_id;
        failure.timed_out = failed->timed_out;
        failure.return_code = failed->connack_code;
        failure.closed_before_connack = failed->closed_before_connack;
        if (!failed->reason.empty()) failure.diagnosis = failed->reason;
        std::string kind = "connect";
        if (failed->connack_code > 0) {
            kind = "connect_refused";
        } else if (failed->closed_before_connack) {
            kind = "connect_closed";
        } else if (failed->timed_out) {
            kind = "connect_timeout";
        }
        fail("MQTT CONNECT", kind, describe_connect_failure(failure));
        return std::nullopt;
    }
    auto& connected = std::get<HandshakeOutcome::Connected>(outcome.result);
    ok("MQTT CONNECT", "CONNACK 0 (accepted) for client id \"" + settings_.client_id +
                           "\", session present: " + (connected.session_present ? "yes" : "no"));
    return std::move(connected);
}

void Probe::subscribe(HandshakeOutcome::Connected connected,
                      const std::vector<std::string>& filters) {
    auto session =
        std::make_shared<MqttSession>(std::move(connected.connection), std::move(connected.reader),
                                      SessionTiming{}, [](TransportEvent) {});
    const std::uint16_t packet_id = 1;
    auto packet = encode_subscribe(packet_id, filters);
    if (!packet) {
        fail("SUBSCRIBE", "subscribe", packet.error().message);
        return;
    }
    const auto until = deadline();
    session->expect_suback(packet_id);
    Result<std::vector<std::uint8_t>> codes = Error{""};
    if (Status sent = session->send(*packet, until); !sent) {
        codes = Error{sent.error().message};
    } else {
        codes = session->wait_for_suback(packet_id, until);
    }
    if (!codes) {
        fail("SUBSCRIBE", "subscribe",
             codes.error().message == "timeout"
                 ? "no SUBACK within " + seconds(settings_.connect_timeout)
                 : "subscribe failed: " + codes.error().message);
        session->close(Clock::now() + std::chrono::seconds(1));
        return;
    }
    std::string granted;
    for (std::size_t i = 0; i < filters.size() && i < codes->size(); ++i) {
        if (!granted.empty()) granted += "; ";
        const int code = (*codes)[i];
        granted += filters[i] + ": " +
                   (code >= kSubscriptionRefused ? std::string("0x80 refused")
                                                 : "QoS " + std::to_string(code) + " granted");
    }
    const Status checked = check_suback(filters, std::vector<int>(codes->begin(), codes->end()));
    if (!checked) {
        fail("SUBSCRIBE", "subscribe_refused", checked.error().message + " (" + granted + ")");
    } else {
        ok("SUBSCRIBE", granted);
    }
    session->close(Clock::now() + std::chrono::seconds(1));
}

void Probe::run(const std::vector<std::string>& filters) {
    auto proxy = effective_proxy(settings_, process_environment());
    if (!proxy) {
        fail("resolve", "proxy", proxy.error().message);
        return;
    }
    proxy_ = *proxy;
    if (!resolve()) return;
    auto socket = tcp();
    if (!socket) return;
    std::unique_ptr<ByteStream> connection;
    if (!settings_.use_websocket || settings_.websocket_tls) {
        connection = tls(std::move(*socket));
        if (!connection) return;
    } else {
        ok("TLS handshake", "none: plain ws:// (local test brokers only)");
        connection = std::make_unique<SocketStream>(std::move(*socket));
    }
    if (settings_.use_websocket) {
        connection = upgrade(std::move(connection));
        if (!connection) return;
    }
    auto connected = connect(std::move(connection));
    if (!connected) return;
    subscribe(std::move(*connected), filters);
}

}  // namespace

std::vector<ProbeStep> probe_connection(const MqttSettings& settings,
                                        const std::vector<std::string>& filters) {
    std::vector<ProbeStep> steps;
    Probe(settings, steps).run(filters);
    return steps;
}

}  // namespace defender::mqtt
