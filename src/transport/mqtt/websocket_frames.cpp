// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/websocket_frames.hpp"

#include <algorithm>

namespace defender::mqtt::websocket {
namespace {

bool is_control(Opcode opcode) {
    return (static_cast<std::uint8_t>(opcode) & 0x08) != 0;
}

std::string opcode_name(std::uint8_t opcode) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("opcode 0x") + kDigits[opcode & 0x0f];
}

}  // namespace

std::string encode_client_frame(Opcode opcode, std::string_view payload, const MaskKey& mask) {
    if (is_control(opcode)) payload = payload.substr(0, kMaxControlPayload);
    std::string frame;
    frame.reserve(payload.size() + 14);
    frame += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
    const std::uint64_t size = payload.size();
    if (size < 126) {
        frame += static_cast<char>(0x80 | size);
    } else if (size <= 0xffff) {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>(size >> 8);
        frame += static_cast<char>(size & 0xff);
    } else {
        frame += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            frame += static_cast<char>((size >> shift) & 0xff);
    }
    for (const std::uint8_t byte : mask)
        frame += static_cast<char>(byte);
    for (std::size_t i = 0; i < payload.size(); ++i)
        frame += static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]);
    return frame;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload += static_cast<char>(code >> 8);
    payload += static_cast<char>(code & 0xff);
    payload += reason.substr(0, kMaxControlPayload - 2);
    return payload;
}

std::string describe_close(std::string_view payload) {
    if (payload.size() < 2) return "no status code";
    const unsigned code =
        (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
    std::string text = "code " + std::to_string(code);
    std::string reason;
    for (const char c : payload.substr(2)) {  // peer text: printable ASCII only
        reason += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return reason.empty() ? text : text + ": " + reason;
}

Status FrameDecoder::fail(std::string why) {
    error_ = "malformed WebSocket frame: " + why;
    return Error{error_};
}

// Checks the first two header bytes, before the rest of the frame arrives.
Status FrameDecoder::check_start() {
    const std::uint8_t first = header_[0];
    const std::uint8_t second = header_[1];
    const std::uint8_t code = first & 0x0f;
    if ((first & 0x70) != 0) return fail("reserved bits set");
    if ((second & 0x80) != 0) return fail("masked frame from the server");
    switch (code) {
        case 0x0:
        case 0x1:
        case 0x2:
        case 0x8:
        case 0x9:
        case 0xa:
            break;
        default:
            return fail("unknown " + opcode_name(code));
    }
    const auto opcode = static_cast<Opcode>(code);
    const bool fin = (first & 0x80) != 0;
    const std::uint8_t length_code = second & 0x7f;
    if (is_control(opcode)) {
        if (!fin) return fail("fragmented control frame");
        if (length_code > kMaxControlPayload) return fail("control frame over 125 bytes");
    } else if (opcode == Opcode::Text) {
        return fail("text frame (MQTT travels in binary frames)");
    } else if (opcode == Opcode::Continuation && !in_message_) {
        return fail("continuation frame outside a fragmented message");
    } else if (opcode == Opcode::Binary && in_message_) {
        return fail("new data frame inside a fragmented message");
    }
    return Done{};
}

std::size_t FrameDecoder::header_length() const {
    const std::uint8_t length_code = header_[1] & 0x7f;
    return 2 + (length_code == 126 ? 2 : length_code == 127 ? 8 : 0);
}

void FrameDecoder::start_payload() {
    opcode_ = static_cast<Opcode>(header_[0] & 0x0f);
    fin_ = (header_[0] & 0x80) != 0;
    const std::uint8_t length_code = header_[1] & 0x7f;
    remaining_ = 0;
    if (length_code < 126) {
        remaining_ = length_code;
    } else {
        for (std::size_t i = 2; i < header_size_; ++i)
            remaining_ = (remaining_ << 8) | header_[i];
    }
    header_size_ = 0;
    in_payload_ = true;
    control_payload_.clear();
}

void FrameDecoder::finish_frame(std::vector<ControlFrame>& controls) {
    in_payload_ = false;
    if (is_control(opcode_)) {
        controls.push_back(ControlFrame{opcode_, std::move(control_payload_)});
        control_payload_.clear();
        if (opcode_ == Opcode::Close) closed_ = true;
        return;
    }
    in_message_ = !fin_;
}

Status FrameDecoder::feed(std::string_view bytes, std::string& data,
                          std::vector<ControlFrame>& controls) {
    if (!error_.empty()) return Error{error_};
    while (!bytes.empty() && !closed_) {
        if (!in_payload_) {
            const std::size_t wanted = header_size_ < 2 ? 2 : header_length();
            const std::size_t take = std::min(wanted - header_size_, bytes.size());
            std::copy_n(bytes.begin(), take, header_.begin() + header_size_);
            header_size_ += take;
            bytes.remove_prefix(take);
            if (header_size_ == 2) {
                if (Status ok = check_start(); !ok) return ok;
            }
            if (header_size_ < 2 || header_size_ < header_length()) continue;
            if ((header_[1] & 0x7f) == 127 && (header_[2] & 0x80) != 0) {
                return fail("64-bit length with its top bit set");
            }
            start_payload();
            if (remaining_ == 0) finish_frame(controls);
            continue;
        }
        const auto take = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(bytes.size())));
        if (is_control(opcode_)) {
            control_payload_.append(bytes.substr(0, take));
        } else {
            data.append(bytes.substr(0, take));
        }
        bytes.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) finish_frame(controls);
    }
    return Done{};
}

}  // namespace defender::mqtt::websocket
