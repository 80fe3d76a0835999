// SPDX-License-Identifier: Apache-2.0
#include "hostile_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "transport/mqtt/mbedtls_object.hpp"
#include "util/base64.hpp"

namespace defender::test {

// The server side of TLS 1.2 on mbed TLS: certificate, key, random generator, configuration.
struct HostileBroker::ServerTls {
    mqtt::X509Certificates certificate;
    mqtt::PrivateKey key;
    mqtt::EntropySource entropy;
    mqtt::RandomGenerator random;
    mqtt::SslConfig config;
};

namespace {

constexpr std::size_t kMaxRemainingLength = 268'435'455;
constexpr std::size_t kPieceBytes = 64 * 1024;

std::string remaining_length(std::size_t length) {
    std::string out;
    do {
        auto digit = static_cast<unsigned char>(length % 128);
        length /= 128;
        if (length > 0) digit |= 0x80;
        out += static_cast<char>(digit);
    } while (length > 0);
    return out;
}

std::string u16(std::size_t value) {
    return {static_cast<char>((value >> 8) & 0xff), static_cast<char>(value & 0xff)};
}

// The fixed header and topic of a QoS 0 PUBLISH whose payload has `payload_bytes`.
std::string publish_head(const std::string& topic, std::size_t payload_bytes) {
    return std::string(1, '\x30') + remaining_length(2 + topic.size() + payload_bytes) +
           u16(topic.size()) + topic;
}

constexpr unsigned char kPersonalization[] = "defender-hostile-broker";

bool would_block(int result) {
    return result == MBEDTLS_ERR_SSL_WANT_READ || result == MBEDTLS_ERR_SSL_WANT_WRITE;
}

// What the client sent, split into packets; the answers go to `control`. False when the client
// sent something that is not MQTT from a client.
bool answer_packets(std::string& inbound, std::string& control, bool& subscribed) {
    for (;;) {
        if (inbound.size() < 2) return true;
        std::size_t length = 0;
        std::size_t multiplier = 1;
        std::size_t at = 1;
        for (;; ++at) {
            if (at >= inbound.size()) return true;
            if (at > 4) return false;
            const auto digit = static_cast<unsigned char>(inbound[at]);
            length += (digit & 0x7f) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0) break;
        }
        const std::size_t header = at + 1;
        if (inbound.size() < header + length) return true;
        const std::string_view body = std::string_view(inbound).substr(header, length);
        switch (static_cast<unsigned char>(inbound[0]) >> 4) {
            case 1:  // CONNECT
                control += std::string("\x20\x02\x00\x00", 4);
                break;
            case 8: {  // SUBSCRIBE: grant QoS 1 to each filter
                if (body.size() < 2) return false;
                std::string codes;
                for (std::size_t i = 2; i + 2 <= body.size();) {
                    const std::size_t topic = static_cast<unsigned char>(body[i]) << 8 |
                                              static_cast<unsigned char>(body[i + 1]);
                    i += 2 + topic + 1;
                    codes += '\x01';
                }
                control += '\x90' + remaining_length(2 + codes.size()) +
                           std::string(body.substr(0, 2)) + codes;
                subscribed = true;
                break;
            }
            case 12:  // PINGREQ
                control += std::string("\xd0\x00", 2);
                break;
            default:  // PUBLISH (never acknowledged), PUBACK, DISCONNECT: nothing
                break;
        }
        inbound.erase(0, header + length);
    }
}

// WebSocket (RFC 6455) for the server side.
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kContinuation = 0x0;
constexpr std::size_t kMaxUpgradeRequest = 16 * 1024;
constexpr std::size_t kMaxClientFrame = 1024 * 1024;

// A server frame's header (no mask) for a payload of `length` bytes.
std::string frame_header(bool fin, std::uint8_t opcode, std::uint64_t length) {
    std::string out(1, static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    if (length < 126) {
        out += static_cast<char>(length);
    } else if (length <= 0xffff) {
        out += '\x7e';
        out += u16(static_cast<std::size_t>(length));
    } else {
        out += '\x7f';
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((length >> shift) & 0xff);
    }
    return out;
}

// `message` as one binary frame, or fragmented into frames of at most `frame_bytes`.
std::string frame_message(std::string_view message, std::size_t frame_bytes) {
    if (frame_bytes == 0 || message.size() <= frame_bytes)
        return frame_header(true, kBinary, message.size()) + std::string(message);
    std::string out;
    for (std::size_t at = 0; at < message.size(); at += frame_bytes) {
        const std::string_view piece = message.substr(at, frame_bytes);
        out += frame_header(at + piece.size() == message.size(), at == 0 ? kBinary : kContinuation,
                            piece.size());
        out += piece;
    }
    return out;
}

// The 101 answer to a complete upgrade request, or "" when it is not one.
std::string upgrade_answer(std::string_view request) {
    std::string key;
    std::size_t at = request.find("\r\n");
    while (at != std::string_view::npos && at + 2 < request.size()) {
        const std::size_t end = request.find("\r\n", at + 2);
        const std::string_view line = request.substr(at + 2, end - at - 2);
        at = end;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name != "sec-websocket-key") continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        while (!value.empty() && value.back() == ' ')
            value.remove_suffix(1);
        key = std::string(value);
    }
    if (!request.starts_with("GET ") || key.empty()) return "";
    const std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::array<unsigned char, 20> digest{};
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1),
               reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           util::base64_encode(
               std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) +
           "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
}

// The client's complete (masked) frames in `raw`: data payloads unmasked onto `mqtt`. False
// for a Close, an unmasked frame or one over kMaxClientFrame.
bool read_client_frames(std::string& raw, std::string& mqtt) {
    for (;;) {
        if (raw.size() < 2) return true;
        const auto first = static_cast<unsigned char>(raw[0]);
        const auto second = static_cast<unsigned char>(raw[1]);
        if ((second & 0x80) == 0) return false;
        std::size_t header = 2;
        std::uint64_t length = second & 0x7f;
        if (length == 126) {
            header = 4;
            if (raw.size() < header) return true;
            length = static_cast<unsigned char>(raw[2]) << 8 | static_cast<unsigned char>(raw[3]);
        } else if (length == 127) {
            header = 10;
            if (raw.size() < header) return true;
            length = 0;
            for (std::size_t i = 2; i < 10; ++i)
                length = length << 8 | static_cast<unsigned char>(raw[i]);
        }
        if (length > kMaxClientFrame) return false;
        if (raw.size() < header + 4 + length) return true;
        const std::uint8_t opcode = first & 0x0f;
        if (opcode == 0x8) return false;  // Close
        if (opcode == kBinary || opcode == kContinuation) {
            for (std::size_t i = 0; i < length; ++i)
                mqtt += static_cast<char>(raw[header + 4 + i] ^ raw[header + (i % 4)]);
        }  // Ping and Pong: ignored
        raw.erase(0, header + 4 + static_cast<std::size_t>(length));
    }
}

}  // namespace

HostileBroker::HostileBroker(HostileBrokerOptions options) : options_(std::move(options)) {
    std::signal(SIGPIPE, SIG_IGN);
    tls_ = std::make_unique<ServerTls>();
    if (mbedtls_x509_crt_parse_file(tls_->certificate.get(), options_.cert.c_str()) != 0 ||
        mbedtls_pk_parse_keyfile(tls_->key.get(), options_.key.c_str(), nullptr) != 0) {
        throw std::runtime_error("hostile broker: cannot load " + options_.cert.string() + " or " +
                                 options_.key.string());
    }
    mbedtls_ssl_config* config = tls_->config.get();
    if (mbedtls_ctr_drbg_seed(tls_->random.get(), mbedtls_entropy_func, tls_->entropy.get(),
                              kPersonalization, sizeof kPersonalization - 1) != 0 ||
        mbedtls_ssl_config_defaults(config, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0 ||
        mbedtls_ssl_conf_own_cert(config, tls_->certificate.get(), tls_->key.get()) != 0) {
        throw std::runtime_error("hostile broker: cannot configure TLS");
    }
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, tls_->random.get());
    mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(options_.port);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
        ::close(listener_);
        throw std::runtime_error("hostile broker: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_ = std::thread([this] { run(); });
}

HostileBroker::~HostileBroker() {
    stopping_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
    ::close(wake_);
}

void HostileBroker::run() {
    while (!stopping_) {
        std::array<pollfd, 2> watched{pollfd{listener_, POLLIN, 0}, pollfd{wake_, POLLIN, 0}};
        if (::poll(watched.data(), watched.size(), -1) < 0) continue;
        if (watched[1].revents != 0) return;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        serve(client);
        ::close(client);
    }
}

// One client, until it goes, breaks the protocol, or has had close_after_bytes.
void HostileBroker::serve(int client) {
    mqtt::SslContext ssl;
    if (mbedtls_ssl_setup(ssl.get(), tls_->config.get()) != 0) return;
    mbedtls_net_context socket{};
    socket.fd = client;  // closed by run(), not by mbed TLS
    mbedtls_ssl_set_bio(ssl.get(), &socket, mbedtls_net_send, mbedtls_net_recv, nullptr);
    ::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK);

    const std::string topic =
        "$aws/things/" + options_.thing_name + "/defender/metrics/json/accepted";
    const bool endless = options_.flood == HostileBrokerOptions::Flood::endless_publish;
    const bool subacks = options_.flood == HostileBrokerOptions::Flood::unsolicited_subacks;
    // Large: the whole packet, sent again and again. Endless: the head, then zero pieces.
    // SUBACKs: the whole packet with the next packet id each time.
    std::string packet;
    std::size_t packet_id_at = 0;
    std::uint16_t packet_id = 0;
    if (subacks) {
        packet = '\x90' + remaining_length(2 + options_.payload_bytes);
        packet_id_at = packet.size();
        packet += u16(0) + std::string(options_.payload_bytes, '\x01');
    } else if (!endless) {
        packet =
            publish_head(topic, options_.payload_bytes) + std::string(options_.payload_bytes, 'x');
    }
    const std::string endless_head = publish_head(topic, kMaxRemainingLength - 2 - topic.size());
    const std::string zeros(kPieceBytes, '\0');
    std::size_t endless_left = 0;  // body bytes of the current endless packet still to send

    const bool websocket = options_.websocket;
    const std::size_t frame_bytes = options_.frame_bytes;
    bool upgraded = !websocket;
    std::string upgrade_request;  // WebSocket: the HTTP request, until its blank line
    std::string frames_in;        // WebSocket: the client's frames, until complete
    std::string staged;           // WebSocket: the frames being written (`out` points into it)
    bool endless_fragmented = false;

    std::string inbound;
    std::string control;   // answers waiting for the end of the current flood packet
    std::string sending;   // answers being written (`out` points into it)
    std::string_view out;  // what mbedtls_ssl_write is given now (unchanged until written)
    bool out_is_flood = false;
    bool subscribed = false;
    std::uint64_t flooded = 0;
    std::array<char, 16384> buffer{};

    while (!stopping_) {
        bool progress = false;
        for (int reads = 0; reads < 16; ++reads) {
            const int got = mbedtls_ssl_read(
                ssl.get(), reinterpret_cast<unsigned char*>(buffer.data()), buffer.size());
            if (got > 0) {
                const std::string_view bytes(buffer.data(), static_cast<std::size_t>(got));
                progress = true;
                if (!upgraded) {
                    upgrade_request += bytes;
                    const std::size_t end = upgrade_request.find("\r\n\r\n");
                    if (end == std::string::npos) {
                        if (upgrade_request.size() > kMaxUpgradeRequest) return;
                        continue;
                    }
                    sending = upgrade_answer(std::string_view(upgrade_request).substr(0, end + 4));
                    if (sending.empty()) return;
                    frames_in = upgrade_request.substr(end + 4);
                    out = sending;
                    out_is_flood = false;
                    upgraded = true;
                } else if (websocket) {
                    frames_in += bytes;
                } else {
                    inbound += bytes;
                }
                continue;
            }
            if (would_block(got)) break;
            return;  // closed, or a TLS error
        }
        if (websocket && !read_client_frames(frames_in, inbound)) return;
        const bool was_subscribed = subscribed;
        if (!answer_packets(inbound, control, subscribed)) return;
        if (subscribed && !was_subscribed) ++subscribed_;

        for (int writes = 0; writes < 64; ++writes) {
            if (out.empty()) {
                // Between two flood packets (or pieces of the endless one, whose answers wait).
                if (!control.empty() && endless_left == 0) {
                    sending = websocket ? frame_message(control, 0) : std::move(control);
                    control.clear();
                    out = sending;
                    out_is_flood = false;
                } else if (subscribed) {
                    const std::size_t body = kMaxRemainingLength - 2 - topic.size();
                    if (endless && endless_left == 0) {
                        out = endless_head;
                        endless_left = body;
                        if (websocket) {
                            // One frame declaring the whole packet, or a first fragment.
                            endless_fragmented = frame_bytes != 0;
                            staged =
                                (endless_fragmented
                                     ? frame_header(false, kBinary, endless_head.size())
                                     : frame_header(true, kBinary, endless_head.size() + body)) +
                                endless_head;
                            out = staged;
                        }
                    } else if (endless) {
                        out =
                            std::string_view(zeros).substr(0, std::min(kPieceBytes, endless_left));
                        endless_left -= out.size();
                        if (websocket && endless_fragmented) {
                            staged = frame_header(endless_left == 0, kContinuation, out.size()) +
                                     std::string(out);
                            out = staged;
                        }
                    } else {
                        if (subacks) {
                            packet_id = packet_id == 0xffff ? 1 : packet_id + 1;
                            packet.replace(packet_id_at, 2, u16(packet_id));
                        }
                        out = packet;
                        if (websocket) {
                            staged = frame_message(packet, frame_bytes);
                            out = staged;
                        }
                    }
                    out_is_flood = true;
                } else {
                    break;
                }
            }
            // One record at a time; after WANT_WRITE the same bytes are offered again.
            const int written =
                mbedtls_ssl_write(ssl.get(), reinterpret_cast<const unsigned char*>(out.data()),
                                  std::min<std::size_t>(out.size(), 16384));
            if (written <= 0) {
                if (would_block(written)) break;
                return;
            }
            progress = true;
            out.remove_prefix(static_cast<std::size_t>(written));
            if (out_is_flood) {
                flood_bytes_ += static_cast<std::uint64_t>(written);
                flooded += static_cast<std::uint64_t>(written);
            }
        }
        if (options_.close_after_bytes != 0 && flooded >= options_.close_after_bytes) return;
        if (progress) continue;
        std::array<pollfd, 2> watched{
            pollfd{client,
                   static_cast<short>(
                       POLLIN | (out.empty() && !subscribed && control.empty() ? 0 : POLLOUT)),
                   0},
            pollfd{wake_, POLLIN, 0}};
        ::poll(watched.data(), watched.size(), 100);
        if (watched[1].revents != 0) return;
    }
}

}  // namespace defender::test
