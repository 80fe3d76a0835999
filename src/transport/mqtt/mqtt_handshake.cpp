// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/mqtt_handshake.hpp"

#include <poll.h>

#include <array>

#include "defender/sigv4.hpp"
#include "net/tcp_connect.hpp"
#include "transport/mqtt/proxy_tunnel.hpp"
#include "transport/mqtt/socket_stream.hpp"

namespace defender::mqtt {
namespace {

using Clock = std::chrono::steady_clock;
using Failure = HandshakeOutcome::Failure;

HandshakeOutcome failed(bool timed_out, std::string reason) {
    return HandshakeOutcome{Failure{timed_out, 0, std::move(reason)}};
}

Status write_all(ByteStream& connection, const std::string& bytes, Clock::time_point deadline,
                 bool& timed_out) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const IoOutcome outcome =
            connection.write_some(bytes.data() + written, bytes.size() - written);
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            written += outcome.bytes;
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            if (!net::wait_ready(connection.fd(), outcome.wants_write ? POLLOUT : POLLIN,
                                 deadline)) {
                timed_out = true;
                return Error{""};
            }
        } else {
            return Error{outcome.reason};
        }
    }
    return Done{};
}

// Reads until the first packet is complete: it must be the CONNACK.
HandshakeOutcome await_connack(std::unique_ptr<ByteStream> connection, Clock::time_point deadline) {
    PacketReader reader;
    std::array<char, 512> buffer{};
    for (;;) {
        auto packet = reader.next();
        if (!packet) return failed(false, packet.error().message);
        if (*packet) {
            const auto* connack = std::get_if<Connack>(&**packet);
            if (connack == nullptr)
                return failed(false, "the broker sent another packet before CONNACK");
            if (connack->return_code != 0) {
                return HandshakeOutcome{Failure{false, connack->return_code, ""}};
            }
            return HandshakeOutcome{HandshakeOutcome::Connected{
                std::move(connection), std::move(reader), connack->session_present}};
        }
        const IoOutcome outcome = connection->read_some(buffer.data(), buffer.size());
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            reader.feed(std::string_view(buffer.data(), outcome.bytes));
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            if (connection->pending() == 0 &&
                !net::wait_ready(connection->fd(), outcome.wants_write ? POLLOUT : POLLIN,
                                 deadline)) {
                return failed(true, "");
            }
        } else {
            return HandshakeOutcome{Failure{false, 0, outcome.reason, true}};
        }
    }
}

}  // namespace

Result<WebSocketRequest> sign_websocket_request(const MqttSettings& settings,
                                                AwsCredentialProvider& credentials) {
    auto current = credentials.get();
    if (!current) return Error{"cannot sign the WebSocket URL: " + current.error().message};
    WebSocketRequest request;
    request.host_header =
        websocket_host_header(settings.endpoint, settings.port, settings.websocket_tls);
    const auto url =
        sigv4::presign_iot_url(settings.websocket_tls ? "wss" : "ws", request.host_header,
                               settings.signing_region, *current, std::chrono::system_clock::now());
    request.path_and_query = url.path_and_query;
    if (settings.debug_log) {
        settings.debug_log("WebSocket URL " + url.redacted + " (credentials from " +
                           current->source + ")");
    }
    return request;
}

TlsOptions tls_options_for(const MqttSettings& settings) {
    TlsOptions options;
    options.host = settings.endpoint;
    options.root_ca = settings.root_ca;
    if (!settings.use_websocket) {  // WebSocket: SigV4 instead of a client certificate
        options.certificate = settings.cert;
        options.private_key = settings.key;
    }
    options.offer_aws_alpn = offers_aws_alpn(settings);
    return options;
}

HandshakeOutcome mqtt_handshake(const MqttSettings& settings,
                                const std::optional<ProxySettings>& proxy,
                                const std::optional<WebSocketRequest>& websocket,
                                Clock::time_point deadline) {
    const TlsOptions options = tls_options_for(settings);
    const bool tls = !websocket || settings.websocket_tls;
    std::shared_ptr<const TlsCredentials> credentials;
    if (tls) {
        auto loaded = TlsCredentials::load(options);
        if (!loaded) return failed(false, loaded.error().message);
        credentials = std::move(*loaded);
    }

    auto tcp = proxy ? net::tcp_connect(proxy->host, proxy->port, deadline)
                     : net::tcp_connect(settings.endpoint, settings.port, deadline);
    if (auto* failure = std::get_if<StepFailure>(&tcp)) {
        if (proxy && !failure->timed_out) {
            return failed(false, "proxy " + describe_proxy(*proxy) + ": " + failure->reason);
        }
        return failed(failure->timed_out, failure->reason);
    }
    auto socket = std::move(std::get<util::UniqueFd>(tcp));
    if (proxy) {
        const std::string target = settings.endpoint + ":" + std::to_string(settings.port);
        if (auto failure = open_proxy_tunnel(socket.get(), *proxy, target, deadline)) {
            return failed(failure->timed_out, failure->reason);
        }
    }

    std::unique_ptr<ByteStream> connection;
    if (tls) {
        auto secured = TlsConnection::handshake(credentials, options, std::move(socket), deadline);
        if (auto* failure = std::get_if<HandshakeFailure>(&secured)) {
            return failed(failure->timed_out, failure->reason);
        }
        connection = std::move(std::get<std::unique_ptr<TlsConnection>>(secured));
    } else {
        connection = std::make_unique<SocketStream>(std::move(socket));
    }
    if (websocket) {
        auto upgraded = websocket_connect(std::move(connection), *websocket, deadline);
        if (auto* failure = std::get_if<StepFailure>(&upgraded)) {
            return failed(failure->timed_out, failure->reason);
        }
        connection = std::move(std::get<std::unique_ptr<ByteStream>>(upgraded));
    }

    return mqtt_connect(std::move(connection), settings, deadline);
}

HandshakeOutcome mqtt_connect(std::unique_ptr<ByteStream> connection, const MqttSettings& settings,
                              Clock::time_point deadline) {
    auto connect = encode_connect(
        ConnectPacket{settings.client_id, static_cast<std::uint16_t>(settings.keep_alive.count()),
                      settings.clean_session});
    if (!connect) return failed(false, connect.error().message);
    bool timed_out = false;
    if (Status sent = write_all(*connection, *connect, deadline, timed_out); !sent) {
        return failed(timed_out, timed_out ? "" : "sending CONNECT: " + sent.error().message);
    }
    return await_connack(std::move(connection), deadline);
}

}  // namespace defender::mqtt
