// SPDX-License-Identifier: Apache-2.0
#include "report/data_rules.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "defender/ip_address.hpp"

namespace defender {
namespace {

constexpr std::size_t kMaxMetricNameLength = 128;
constexpr int kMaxSignificantDigits = 15;
constexpr std::uint64_t kIntegerLimit = 1'000'000'000'000'000;  // 10^15

bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_metric_name_char(char c) {
    return is_ascii_letter(c) || is_ascii_digit(c) || c == ':' || c == '_' || c == '-';
}

// The C++ v2 SDK's rule lists letters and `: _ - / .` only, but the documentation's own example
// value is "value_1", so digits are allowed too.
bool is_string_list_char(char c) {
    return is_ascii_letter(c) || is_ascii_digit(c) || c == ':' || c == '_' || c == '-' ||
           c == '/' || c == '.';
}

std::string describe_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == ' ') return "space";
    if (byte < 0x20 || byte >= 0x7f) {
        std::array<char, 8> buffer{};
        std::snprintf(buffer.data(), buffer.size(), "\\x%02x", byte);
        return std::string("byte ") + buffer.data();
    }
    return std::string("'") + c + "'";
}

std::optional<std::string> check_integer_magnitude(std::uint64_t magnitude, std::string text) {
    if (magnitude < kIntegerLimit) return std::nullopt;
    return text + " has more than 15 digits (Device Defender keeps 15 digits of precision)";
}

// Significant digits of a number in scientific notation (e.g. "-1.25e-07"); trailing zeros of
// the mantissa are not significant.
int significant_digits(std::string_view text) {
    const auto exponent = text.find_first_of("eE");
    std::string digits;
    for (const char c : text.substr(0, exponent)) {
        if (is_ascii_digit(c)) digits += c;
    }
    const auto first = digits.find_first_not_of('0');
    if (first == std::string::npos) return 1;  // zero
    const auto last = digits.find_last_not_of('0');
    return static_cast<int>(last - first + 1);
}

// The shortest text that reads back as `number` (64 bytes hold any double).
std::string shortest_decimal(double number, std::chars_format format) {
    std::array<char, 64> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number, format);
    return std::string(buffer.data(), result.ptr);
}

}  // namespace

std::string in_quotes(std::string_view text) {
    std::string result = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\\') {
            std::array<char, 8> buffer{};
            std::snprintf(buffer.data(), buffer.size(), "\\x%02x", byte);
            result += buffer.data();
        } else {
            result += c;
        }
    }
    return result + "\"";
}

std::optional<std::string> check_metric_name(std::string_view name) {
    if (name.empty()) return "metric name is empty";
    if (name.size() > kMaxMetricNameLength) {
        return "metric name is " + std::to_string(name.size()) +
               " characters long, above the limit of 128";
    }
    for (const char c : name) {
        if (!is_metric_name_char(c)) {
            return "metric name contains " + describe_char(c) +
                   " (only letters, digits, ':', '_' and '-' are allowed)";
        }
    }
    if (name.starts_with("aws:")) return "metric names starting with \"aws:\" are reserved";
    return std::nullopt;
}

std::optional<std::string> check_number(std::int64_t number) {
    const std::uint64_t magnitude =
        number < 0 ? 0 - static_cast<std::uint64_t>(number) : static_cast<std::uint64_t>(number);
    return check_integer_magnitude(magnitude, std::to_string(number));
}

std::optional<std::string> check_number(std::uint64_t number) {
    return check_integer_magnitude(number, std::to_string(number));
}

std::optional<std::string> check_number(double number) {
    if (!std::isfinite(number)) return "number is not finite (NaN and infinity are not allowed)";
    // Counted in scientific form: the fixed form of a large integral double spells out all its
    // digits (1234567890123450000.0 prints as "1234567890123450112").
    const int digits = significant_digits(shortest_decimal(number, std::chars_format::scientific));
    if (digits <= kMaxSignificantDigits) return std::nullopt;
    return shortest_decimal(number, std::chars_format::general) + " has " + std::to_string(digits) +
           " significant digits (Device Defender keeps 15 digits of precision)";
}

std::optional<std::string> check_number(const Number& number) {
    return std::visit([](auto value) { return check_number(value); }, number);
}

std::optional<std::string> check_string_list_item(std::string_view item) {
    if (item.empty()) return "string is empty";
    for (const char c : item) {
        if (!is_string_list_char(c)) {
            return in_quotes(item) + " contains " + describe_char(c) +
                   " (only letters, digits, ':', '_', '-', '/' and '.' are allowed)";
        }
    }
    return std::nullopt;
}

std::optional<std::string> check_ip_literal(std::string_view text) {
    if (IpAddress::parse(text)) return std::nullopt;
    return in_quotes(text) + " is not an IPv4 or IPv6 address";
}

}  // namespace defender
