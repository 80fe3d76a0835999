// SPDX-License-Identifier: Apache-2.0
#include "util/base64.hpp"

#include <array>
#include <cstdint>

namespace defender::util {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
    std::array<std::int8_t, 256> reverse{};
    reverse.fill(-1);
    for (int i = 0; i < 64; ++i)
        reverse[static_cast<std::uint8_t>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    return reverse;
}
constexpr auto kReverse = make_reverse();

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t at = 0;
    for (; at + 3 <= bytes.size(); at += 3) {
        const std::uint32_t n = static_cast<std::uint8_t>(bytes[at]) << 16 |
                                static_cast<std::uint8_t>(bytes[at + 1]) << 8 |
                                static_cast<std::uint8_t>(bytes[at + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out.push_back(kAlphabet[(n >> shift) & 63]);
    }
    const std::size_t rest = bytes.size() - at;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint8_t>(bytes[at]) << 16;
        if (rest == 2) n |= static_cast<std::uint8_t>(bytes[at + 1]) << 8;
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t at = 0; at < text.size(); at += 4) {
        const bool last = at + 4 == text.size();
        const int padding = last ? (text[at + 3] == '=') + (text[at + 2] == '=') : 0;
        if (padding == 1 && text[at + 2] == '=') return std::nullopt;
        std::uint32_t n = 0;
        for (int i = 0; i < 4; ++i) {
            const char ch = text[at + i];
            int value = 0;
            if (i >= 4 - padding) {
                if (ch != '=') return std::nullopt;
            } else {
                value = kReverse[static_cast<std::uint8_t>(ch)];
                if (value < 0) return std::nullopt;
            }
            n = n << 6 | static_cast<std::uint32_t>(value);
        }
        out.push_back(static_cast<char>(n >> 16));
        if (padding < 2) out.push_back(static_cast<char>(n >> 8 & 0xFF));
        if (padding < 1) out.push_back(static_cast<char>(n & 0xFF));
    }
    return out;
}

}  // namespace defender::util
