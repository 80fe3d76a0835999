// SPDX-License-Identifier: Apache-2.0
#include "hostile_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/net_sockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "transport/mqtt/mbedtls_object.hpp"

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
                inbound.append(buffer.data(), static_cast<std::size_t>(got));
                progress = true;
                continue;
            }
            if (would_block(got)) break;
            return;  // closed, or a TLS error
        }
        const bool was_subscribed = subscribed;
        if (!answer_packets(inbound, control, subscribed)) return;
        if (subscribed && !was_subscribed) ++subscribed_;

        for (int writes = 0; writes < 64; ++writes) {
            if (out.empty()) {
                // Between two flood packets (or pieces of the endless one, whose answers wait).
                if (!control.empty() && endless_left == 0) {
                    sending = std::move(control);
                    control.clear();
                    out = sending;
                    out_is_flood = false;
                } else if (subscribed) {
                    if (endless && endless_left == 0) {
                        out = endless_head;
                        endless_left = kMaxRemainingLength - 2 - topic.size();
                    } else if (endless) {
                        out =
                            std::string_view(zeros).substr(0, std::min(kPieceBytes, endless_left));
                        endless_left -= out.size();
                    } else {
                        if (subacks) {
                            packet_id = packet_id == 0xffff ? 1 : packet_id + 1;
                            packet.replace(packet_id_at, 2, u16(packet_id));
                        }
                        out = packet;
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
