// SPDX-License-Identifier: Apache-2.0
// Event-stream messages to bytes and back (one whole message at a time).

#include <cstring>

#include "transport/greengrass/byte_order.hpp"
#include "transport/greengrass/eventstream.hpp"
#include "transport/greengrass/eventstream_frame.hpp"

namespace defender::eventstream {
namespace {

FrameError frame_error(FrameErrorKind kind, std::string message) {
    return {kind, std::move(message)};
}

std::string hex32(std::uint32_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text = "0x";
    for (int shift = 28; shift >= 0; shift -= 4)
        text.push_back(kDigits[(value >> shift) & 0xFu]);
    return text;
}

/// Reads headers from `block` (exactly the headers block).
std::variant<std::vector<Header>, FrameError> parse_headers(std::string_view block) {
    std::vector<Header> headers;
    std::size_t at = 0;
    auto need = [&](std::size_t bytes) { return block.size() - at >= bytes; };
    auto overrun = [&](const std::string& what) {
        return frame_error(FrameErrorKind::header_overrun,
                           "header " + std::to_string(headers.size() + 1) + " " + what +
                               " runs past the end of the headers block");
    };
    while (at < block.size()) {
        const std::size_t name_length = static_cast<std::uint8_t>(block[at++]);
        if (!need(name_length + 1)) return overrun("name");
        Header header;
        header.name.assign(block.substr(at, name_length));
        at += name_length;
        const auto type = static_cast<std::uint8_t>(block[at++]);
        auto fixed = [&](std::size_t bytes) -> bool {
            if (!need(bytes)) return false;
            at += bytes;
            return true;
        };
        const std::size_t value_at = at;
        switch (type) {
            case 0:
                header.value = true;
                break;
            case 1:
                header.value = false;
                break;
            case 2:
                if (!fixed(1)) return overrun("value");
                header.value = read_be<std::int8_t>(block, value_at);
                break;
            case 3:
                if (!fixed(2)) return overrun("value");
                header.value = read_be<std::int16_t>(block, value_at);
                break;
            case 4:
                if (!fixed(4)) return overrun("value");
                header.value = read_be<std::int32_t>(block, value_at);
                break;
            case 5:
                if (!fixed(8)) return overrun("value");
                header.value = read_be<std::int64_t>(block, value_at);
                break;
            case 6:
            case 7: {
                if (!need(2)) return overrun("value length");
                const std::size_t length = read_be<std::uint16_t>(block, at);
                at += 2;
                if (!need(length)) return overrun("value");
                std::string bytes(block.substr(at, length));
                at += length;
                if (type == 6)
                    header.value = ByteBuf{std::move(bytes)};
                else
                    header.value = std::move(bytes);
                break;
            }
            case 8:
                if (!fixed(8)) return overrun("value");
                header.value = Timestamp{read_be<std::int64_t>(block, value_at)};
                break;
            case 9: {
                if (!fixed(16)) return overrun("value");
                Uuid uuid{};
                std::memcpy(uuid.data(), block.data() + value_at, uuid.size());
                header.value = uuid;
                break;
            }
            default:
                return frame_error(
                    FrameErrorKind::unknown_header_type,
                    "header '" + header.name + "' has unknown value type " + std::to_string(type));
        }
        headers.push_back(std::move(header));
    }
    return headers;
}

bool append_header(std::string& out, const Header& header, std::string* why) {
    auto fail = [&](const std::string& text) {
        if (why) *why = text;
        return false;
    };
    if (header.name.size() > kMaxHeaderNameBytes)
        return fail("header name of " + std::to_string(header.name.size()) +
                    " bytes is longer than 255");
    out.push_back(static_cast<char>(header.name.size()));
    out += header.name;
    out.push_back(static_cast<char>(type_of(header.value)));
    auto variable = [&](const std::string& bytes) {
        if (bytes.size() > kMaxHeaderValueBytes)
            return fail("value of header '" + header.name + "' is " + std::to_string(bytes.size()) +
                        " bytes, more than 32767");
        append_be(out, static_cast<std::uint16_t>(bytes.size()));
        out += bytes;
        return true;
    };
    return std::visit(
        [&](const auto& value) -> bool {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, bool>) {
                return true;
            } else if constexpr (std::is_integral_v<T>) {
                append_be(out, value);
                return true;
            } else if constexpr (std::is_same_v<T, ByteBuf>) {
                return variable(value.bytes);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return variable(value);
            } else if constexpr (std::is_same_v<T, Timestamp>) {
                append_be(out, value.millis);
                return true;
            } else {
                out.append(reinterpret_cast<const char*>(value.data()), value.size());
                return true;
            }
        },
        header.value);
}

}  // namespace

std::string_view to_string(FrameErrorKind kind) {
    switch (kind) {
        case FrameErrorKind::prelude_crc_mismatch:
            return "prelude_crc_mismatch";
        case FrameErrorKind::message_crc_mismatch:
            return "message_crc_mismatch";
        case FrameErrorKind::invalid_headers_len:
            return "invalid_headers_len";
        case FrameErrorKind::message_too_short:
            return "message_too_short";
        case FrameErrorKind::message_too_long:
            return "message_too_long";
        case FrameErrorKind::header_overrun:
            return "header_overrun";
        case FrameErrorKind::unknown_header_type:
            return "unknown_header_type";
        case FrameErrorKind::trailing_bytes:
            return "trailing_bytes";
        case FrameErrorKind::truncated:
            return "truncated";
    }
    return "unknown";
}

HeaderType type_of(const HeaderValue& value) {
    if (const auto* flag = std::get_if<bool>(&value))
        return *flag ? HeaderType::bool_true : HeaderType::bool_false;
    // The variant's alternatives from index 1 on are in wire order starting at type 2.
    return static_cast<HeaderType>(value.index() + 1);
}

const HeaderValue* Message::find(std::string_view name) const {
    for (const auto& header : headers)
        if (header.name == name) return &header.value;
    return nullptr;
}

std::optional<std::int32_t> Message::int32_header(std::string_view name) const {
    const auto* value = find(name);
    if (!value) return std::nullopt;
    if (const auto* number = std::get_if<std::int32_t>(value)) return *number;
    return std::nullopt;
}

std::optional<std::string> Message::string_header(std::string_view name) const {
    const auto* value = find(name);
    if (!value) return std::nullopt;
    if (const auto* text = std::get_if<std::string>(value)) return *text;
    return std::nullopt;
}

std::variant<Prelude, FrameError> check_prelude(std::string_view bytes,
                                                std::size_t max_message_bytes) {
    const auto stated = read_be<std::uint32_t>(bytes, 8);
    const auto actual = crc32(bytes.substr(0, 8));
    if (stated != actual)
        return frame_error(
            FrameErrorKind::prelude_crc_mismatch,
            "prelude CRC " + hex32(stated) + " does not match the bytes (" + hex32(actual) + ")");
    Prelude prelude{read_be<std::uint32_t>(bytes, 0), read_be<std::uint32_t>(bytes, 4)};
    if (prelude.total_length > max_message_bytes || prelude.headers_length > max_message_bytes)
        return frame_error(FrameErrorKind::message_too_long,
                           "message of " + std::to_string(prelude.total_length) +
                               " bytes is over the limit of " + std::to_string(max_message_bytes));
    if (prelude.total_length >= kMinMessageBytes &&
        prelude.headers_length > prelude.total_length - kMinMessageBytes)
        return frame_error(FrameErrorKind::invalid_headers_len,
                           "headers length " + std::to_string(prelude.headers_length) +
                               " does not fit in a message of " +
                               std::to_string(prelude.total_length) + " bytes");
    if (prelude.total_length < kMinMessageBytes)
        return frame_error(FrameErrorKind::message_too_short,
                           "message length " + std::to_string(prelude.total_length) +
                               " is below the minimum of 16");
    return prelude;
}

DecodeResult decode_checked(std::string_view whole, const Prelude& prelude) {
    const std::size_t crc_at = whole.size() - kTrailerBytes;
    const auto stated = read_be<std::uint32_t>(whole, crc_at);
    const auto actual = crc32(whole.substr(0, crc_at));
    if (stated != actual)
        return frame_error(
            FrameErrorKind::message_crc_mismatch,
            "message CRC " + hex32(stated) + " does not match the bytes (" + hex32(actual) + ")");
    auto headers = parse_headers(whole.substr(kPreludeBytes, prelude.headers_length));
    if (auto* error = std::get_if<FrameError>(&headers)) return std::move(*error);
    Message message;
    message.headers = std::move(std::get<std::vector<Header>>(headers));
    const std::size_t payload_at = kPreludeBytes + prelude.headers_length;
    message.payload.assign(whole.substr(payload_at, crc_at - payload_at));
    return message;
}

DecodeResult decode_message(std::string_view bytes, std::size_t max_message_bytes) {
    if (bytes.size() < kPreludeBytes)
        return frame_error(FrameErrorKind::truncated, "only " + std::to_string(bytes.size()) +
                                                          " bytes, fewer than the 12 of a prelude");
    auto checked = check_prelude(bytes, max_message_bytes);
    if (auto* error = std::get_if<FrameError>(&checked)) return std::move(*error);
    const auto& prelude = std::get<Prelude>(checked);
    if (bytes.size() < prelude.total_length)
        return frame_error(FrameErrorKind::truncated,
                           "message of " + std::to_string(prelude.total_length) +
                               " bytes cut off after " + std::to_string(bytes.size()));
    if (bytes.size() > prelude.total_length)
        return frame_error(FrameErrorKind::trailing_bytes,
                           std::to_string(bytes.size() - prelude.total_length) +
                               " bytes after the end of the message");
    return decode_checked(bytes, prelude);
}

std::optional<std::string> encode_message(const Message& message, std::string* why,
                                          std::size_t max_message_bytes) {
    std::string out(kPreludeBytes, '\0');
    for (const auto& header : message.headers)
        if (!append_header(out, header, why)) return std::nullopt;
    const std::size_t headers_length = out.size() - kPreludeBytes;
    out += message.payload;
    const std::size_t total = out.size() + kTrailerBytes;
    if (total > max_message_bytes) {
        if (why)
            *why = "message of " + std::to_string(total) + " bytes is over the limit of " +
                   std::to_string(max_message_bytes);
        return std::nullopt;
    }
    std::string prelude;
    append_be(prelude, static_cast<std::uint32_t>(total));
    append_be(prelude, static_cast<std::uint32_t>(headers_length));
    append_be(prelude, crc32(prelude));
    out.replace(0, kPreludeBytes, prelude);
    append_be(out, crc32(out));
    return out;
}

}  // namespace defender::eventstream
