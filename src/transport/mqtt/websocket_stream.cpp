// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/websocket_stream.hpp"

#include <mbedtls/md.h>
#include <poll.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <random>

#include "net/tcp_connect.hpp"
#include "util/base64.hpp"
#include "util/printable.hpp"

namespace defender::mqtt {
namespace {

using websocket::ControlFrame;
using websocket::Opcode;

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::size_t kMaxUpgradeAnswer = 16 * 1024;
constexpr std::size_t kMaxFramePayload = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

// Unpredictable bytes for the key and the masks (RFC 6455 10.3).
void random_bytes(std::uint8_t* out, std::size_t size) {
    std::size_t filled = 0;
    while (filled < size) {
        const ssize_t n = ::getrandom(out + filled, size - filled, 0);
        if (n > 0) {
            filled += static_cast<std::size_t>(n);
        } else if (errno != EINTR) {
            std::random_device device;  // getrandom(2) missing: the kernel's pool another way
            for (; filled < size; ++filled)
                out[filled] = static_cast<std::uint8_t>(device());
        }
    }
}

websocket::MaskKey random_mask() {
    websocket::MaskKey mask{};
    random_bytes(mask.data(), mask.size());
    return mask;
}

std::string lower(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// Whether the comma-separated `list` holds `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (lower(trim(list.substr(0, comma))) == token) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

std::string refusal_hint(int status) {
    switch (status) {
        case 401:
        case 403:
            return " (AWS IoT: the signature was not accepted: check --signing-region, the "
                   "system clock and the credentials)";
        case 404:
            return " (no WebSocket endpoint at /mqtt)";
        default:
            return "";
    }
}

Status write_all(ByteStream& stream, std::string_view bytes,
                 std::chrono::steady_clock::time_point deadline, bool& timed_out) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const IoOutcome outcome = stream.write_some(bytes.data() + written, bytes.size() - written);
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            written += outcome.bytes;
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            if (!net::wait_ready(stream.fd(), outcome.wants_write ? POLLOUT : POLLIN, deadline)) {
                timed_out = true;
                return Error{""};
            }
        } else {
            return Error{outcome.reason};
        }
    }
    return Done{};
}

}  // namespace

std::string websocket_host_header(const std::string& host, std::uint16_t port, bool tls) {
    const bool ipv6_literal = host.find(':') != std::string::npos;
    const std::string name = ipv6_literal ? "[" + host + "]" : host;
    return port == (tls ? 443 : 80) ? name : name + ":" + std::to_string(port);
}

std::string websocket_upgrade_request(const WebSocketRequest& request, std::string_view key) {
    return "GET " + request.path_and_query + " HTTP/1.1\r\nHost: " + request.host_header +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
           std::string(key) +
           "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
}

std::string websocket_accept_for(std::string_view key) {
    const std::string input = std::string(key) + std::string(kAcceptGuid);
    std::array<unsigned char, 20> digest{};
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1),
               reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    return util::base64_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<std::string> check_websocket_upgrade(std::string_view head, std::string_view key) {
    const auto line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ' ||
        !std::all_of(status_line.begin() + 9, status_line.begin() + 12,
                     [](char c) { return c >= '0' && c <= '9'; })) {
        return "the server did not answer the WebSocket upgrade with HTTP";
    }
    const int status = std::stoi(std::string(status_line.substr(9, 3)));
    if (status != 101) {
        const std::string reason(trim(status_line.substr(12)));
        return "the server refused the WebSocket upgrade: HTTP " + std::to_string(status) +
               (reason.empty() ? "" : " " + util::printable(reason, 64)) + refusal_hint(status);
    }
    bool upgrade = false;
    bool connection = false;
    std::optional<std::string> accept;
    std::optional<std::string> protocol;
    std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
    while (!rest.empty()) {
        const auto end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? "" : rest.substr(end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string name = lower(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (name == "upgrade") {
            upgrade = lower(value) == "websocket";
        } else if (name == "connection") {
            connection = has_token(value, "upgrade");
        } else if (name == "sec-websocket-accept") {
            accept = std::string(value);
        } else if (name == "sec-websocket-protocol") {
            protocol = std::string(value);
        }
    }
    if (!upgrade || !connection) {
        return "the server's answer to the WebSocket upgrade lacks Upgrade: websocket or "
               "Connection: Upgrade";
    }
    if (accept != websocket_accept_for(key)) {
        return "the server's answer to the WebSocket upgrade has a wrong Sec-WebSocket-Accept";
    }
    if (protocol && *protocol != "mqtt") {
        return "the server chose the WebSocket subprotocol \"" + util::printable(*protocol, 64) +
               "\", not mqtt";
    }
    return std::nullopt;
}

std::variant<std::unique_ptr<ByteStream>, StepFailure> websocket_connect(
    std::unique_ptr<ByteStream> inner, const WebSocketRequest& request,
    std::chrono::steady_clock::time_point deadline) {
    std::array<std::uint8_t, 16> nonce{};
    random_bytes(nonce.data(), nonce.size());
    const std::string key = util::base64_encode(
        std::string_view(reinterpret_cast<const char*>(nonce.data()), nonce.size()));
    bool timed_out = false;
    if (Status sent =
            write_all(*inner, websocket_upgrade_request(request, key), deadline, timed_out);
        !sent) {
        if (timed_out) return StepFailure{true, ""};
        return StepFailure{false, "sending the WebSocket upgrade: " + sent.error().message};
    }
    std::string answer;
    std::array<char, 1024> buffer{};
    for (;;) {
        if (const auto head_end = answer.find("\r\n\r\n"); head_end != std::string::npos) {
            if (auto refused = check_websocket_upgrade(answer.substr(0, head_end + 4), key)) {
                return StepFailure{false, *refused};
            }
            return std::unique_ptr<ByteStream>(
                std::make_unique<WebSocketStream>(std::move(inner), answer.substr(head_end + 4)));
        }
        if (answer.size() > kMaxUpgradeAnswer) {
            return StepFailure{false,
                               "the server's answer to the WebSocket upgrade is over 16 KiB"};
        }
        const IoOutcome outcome = inner->read_some(buffer.data(), buffer.size());
        if (outcome.kind == IoOutcome::Kind::Transferred) {
            answer.append(buffer.data(), outcome.bytes);
        } else if (outcome.kind == IoOutcome::Kind::WouldBlock) {
            if (inner->pending() == 0 &&
                !net::wait_ready(inner->fd(), outcome.wants_write ? POLLOUT : POLLIN, deadline)) {
                return StepFailure{true, ""};
            }
        } else {
            return StepFailure{false, "no answer to the WebSocket upgrade: " + outcome.reason};
        }
    }
}

WebSocketStream::WebSocketStream(std::unique_ptr<ByteStream> inner, std::string received)
    : inner_(std::move(inner)), raw_(std::move(received)) {}

void WebSocketStream::queue_control(Opcode opcode, std::string_view payload) {
    controls_out_.push_back(websocket::encode_client_frame(opcode, payload, random_mask()));
}

// Writes the rest of out_, then the control frames waiting; Transferred when all went.
IoOutcome WebSocketStream::flush() {
    for (;;) {
        while (out_offset_ < out_.size()) {
            const IoOutcome outcome =
                inner_->write_some(out_.data() + out_offset_, out_.size() - out_offset_);
            if (outcome.kind != IoOutcome::Kind::Transferred) return outcome;
            out_offset_ += outcome.bytes;
        }
        out_.clear();
        out_offset_ = 0;
        if (out_data_bytes_ != 0 || controls_out_.empty()) return IoOutcome::transferred(0);
        out_ = std::move(controls_out_.front());
        controls_out_.erase(controls_out_.begin());
    }
}

IoOutcome WebSocketStream::read_some(char* buffer, std::size_t capacity) {
    std::array<char, kReadChunk> chunk;  // filled by the read below
    for (;;) {
        if (data_offset_ < data_.size()) {
            const std::size_t n = std::min(capacity, data_.size() - data_offset_);
            std::copy_n(data_.data() + data_offset_, n, buffer);
            data_offset_ += n;
            if (data_offset_ == data_.size()) {
                data_.clear();
                data_offset_ = 0;
            }
            return IoOutcome::transferred(n);
        }
        if (closed_reason_) {
            if (out_data_bytes_ == 0) (void)flush();  // our Close frame in answer
            return failed_ ? IoOutcome::failed(*closed_reason_)
                           : IoOutcome::closed(*closed_reason_);
        }
        std::string_view received;
        if (!raw_.empty()) {
            received = raw_;
        } else {
            const IoOutcome outcome = inner_->read_some(chunk.data(), chunk.size());
            if (outcome.kind == IoOutcome::Kind::WouldBlock) {
                if (out_data_bytes_ == 0) (void)flush();  // pongs waiting
                return outcome;
            }
            if (outcome.kind != IoOutcome::Kind::Transferred) return outcome;
            received = std::string_view(chunk.data(), outcome.bytes);
        }
        std::vector<ControlFrame> controls;
        const Status decoded = decoder_.feed(received, data_, controls);
        raw_.clear();
        for (const auto& control : controls) {
            if (control.opcode == Opcode::Ping) {
                queue_control(Opcode::Pong, control.payload);
            } else if (control.opcode == Opcode::Close) {
                closed_reason_ = "the broker closed the WebSocket (" +
                                 websocket::describe_close(control.payload) + ")";
                if (!close_sent_) {
                    // Echo the status code (RFC 6455 5.5.1).
                    queue_control(Opcode::Close, std::string_view(control.payload).substr(0, 2));
                    close_sent_ = true;
                }
            }
        }
        if (!decoded) {
            closed_reason_ = decoded.error().message;
            failed_ = true;
            if (!close_sent_) {
                queue_control(Opcode::Close,
                              websocket::close_payload(websocket::kCloseProtocolError));
                close_sent_ = true;
            }
        }
        if (out_data_bytes_ == 0 && !controls_out_.empty()) (void)flush();
    }
}

IoOutcome WebSocketStream::write_some(const char* data, std::size_t size) {
    if (closed_reason_)
        return failed_ ? IoOutcome::failed(*closed_reason_) : IoOutcome::closed(*closed_reason_);
    if (out_data_bytes_ != 0) {
        // The caller offers again the bytes of the frame under way.
        const IoOutcome flushed = flush();
        if (flushed.kind != IoOutcome::Kind::Transferred) return flushed;
        return IoOutcome::transferred(std::exchange(out_data_bytes_, 0));
    }
    if (const IoOutcome flushed = flush(); flushed.kind != IoOutcome::Kind::Transferred) {
        return flushed;
    }
    if (size == 0) return IoOutcome::transferred(0);
    const std::size_t n = std::min(size, kMaxFramePayload);
    out_ = websocket::encode_client_frame(Opcode::Binary, std::string_view(data, n), random_mask());
    out_offset_ = 0;
    out_data_bytes_ = n;
    const IoOutcome flushed = flush();
    if (flushed.kind != IoOutcome::Kind::Transferred) return flushed;
    return IoOutcome::transferred(std::exchange(out_data_bytes_, 0));
}

std::size_t WebSocketStream::pending() const {
    // A Close frame or a bad frame not yet reported counts: read_some() has news.
    return (data_.size() - data_offset_) + raw_.size() + (closed_reason_ ? 1 : 0) +
           inner_->pending();
}

void WebSocketStream::close() {
    if (!close_sent_) {
        queue_control(Opcode::Close, websocket::close_payload(websocket::kCloseNormal));
        close_sent_ = true;
    }
    if (out_data_bytes_ == 0) (void)flush();
    inner_->close();
}

}  // namespace defender::mqtt
