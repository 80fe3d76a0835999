// SPDX-License-Identifier: Apache-2.0
#pragma once
// A forward-only cursor over one line of procfs text, with hand-written hex and decimal
// parsing (no sscanf, iostreams or regex: these run once per socket on large tables).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace defender {

class TextCursor {
public:
    explicit TextCursor(std::string_view text) : text_(text) {}

    bool at_end() const { return position_ == text_.size(); }
    std::size_t position() const { return position_; }
    std::string_view rest() const { return text_.substr(position_); }

    /// Skips spaces and tabs; true if at least one was skipped.
    bool skip_blanks() {
        const auto start = position_;
        while (position_ < text_.size() && is_blank(text_[position_])) {
            ++position_;
        }
        return position_ != start;
    }

    /// At the end of the text or just before a blank: a token ends here.
    bool at_token_end() const { return at_end() || is_blank(text_[position_]); }

    bool consume(char expected) {
        if (position_ < text_.size() && text_[position_] == expected) {
            ++position_;
            return true;
        }
        return false;
    }

    /// Number of hex digits starting at the cursor (not consumed).
    std::size_t count_hex_digits() const {
        auto end = position_;
        while (end < text_.size() && hex_value(text_[end]) >= 0) {
            ++end;
        }
        return end - position_;
    }

    /// Exactly `digits` (1..8) hex digits, consumed.
    bool hex32(std::size_t digits, std::uint32_t& value) {
        if (text_.size() - position_ < digits) {
            return false;
        }
        std::uint32_t result = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const int digit = hex_value(text_[position_ + i]);
            if (digit < 0) {
                return false;
            }
            result = (result << 4) | static_cast<std::uint32_t>(digit);
        }
        position_ += digits;
        value = result;
        return true;
    }

    /// One or more hex digits of any value, skipped.
    bool skip_hex() {
        const auto digits = count_hex_digits();
        position_ += digits;
        return digits > 0;
    }

    /// One or more decimal digits, optionally after a '-', skipped.
    bool skip_integer() {
        consume('-');
        const auto start = position_;
        while (position_ < text_.size() && is_digit(text_[position_])) {
            ++position_;
        }
        return position_ != start;
    }

    /// An unsigned 64-bit decimal number; fails on overflow or no digits.
    bool decimal64(std::uint64_t& value) {
        const auto start = position_;
        std::uint64_t result = 0;
        while (position_ < text_.size() && is_digit(text_[position_])) {
            const auto digit = static_cast<std::uint64_t>(text_[position_] - '0');
            if (result > (UINT64_MAX - digit) / 10) {
                return false;
            }
            result = result * 10 + digit;
            ++position_;
        }
        value = result;
        return position_ != start;
    }

private:
    static bool is_blank(char c) { return c == ' ' || c == '\t'; }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }
    static int hex_value(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    std::string_view text_;
    std::size_t position_ = 0;
};

}  // namespace defender
