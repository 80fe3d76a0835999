// SPDX-License-Identifier: Apache-2.0
// Text a command printed or a file holds, as a custom-metric value.

#include <charconv>
#include <cmath>

#include "defender/custom_metrics.hpp"
#include "report/data_rules.hpp"

namespace defender {
namespace {

constexpr std::size_t kQuotedLength = 40;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string quoted_start(std::string_view text) {
    if (text.size() <= kQuotedLength) return in_quotes(text);
    return in_quotes(text.substr(0, kQuotedLength)) + "...";
}

// JSON's number syntax: from_chars alone would also take "inf", "nan" and hex digits.
bool looks_like_number(std::string_view text) {
    if (text.empty()) return false;
    bool digit = false;
    for (const char c : text) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
            return false;
        }
    }
    return digit && text.front() != '+';
}

Result<Number> parse_number(std::string_view token) {
    const char* first = token.data();
    const char* last = token.data() + token.size();
    if (looks_like_number(token)) {
        std::int64_t integer = 0;
        if (auto [end, error] = std::from_chars(first, last, integer);
            error == std::errc{} && end == last) {
            return Number{integer};
        }
        double real = 0;
        if (auto [end, error] = std::from_chars(first, last, real);
            error == std::errc{} && end == last && std::isfinite(real)) {
            return Number{real};
        }
    }
    return Error{quoted_start(token) + " is not a number"};
}

Result<CustomValue> parse_number_list(std::string_view text) {
    NumberListValue list;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find_first_of(" \t\r\n\v\f,", start);
        const auto token = text.substr(start, end == std::string_view::npos ? end : end - start);
        if (!token.empty()) {
            auto number = parse_number(token);
            if (!number) return number.error();
            list.values.push_back(*number);
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return CustomValue{std::move(list)};
}

std::vector<std::string> non_blank_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = trim(text.substr(0, end));
        if (!line.empty()) lines.emplace_back(line);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return lines;
}

}  // namespace

Result<CustomValue> parse_custom_value(std::string_view text, CustomMetricType type) {
    switch (type) {
        case CustomMetricType::number: {
            const auto token = trim(text);
            if (token.empty()) return Error{"no number in the output (it is empty)"};
            auto number = parse_number(token);
            if (!number) return number.error();
            return CustomValue{NumberValue{*number}};
        }
        case CustomMetricType::number_list:
            return parse_number_list(text);
        case CustomMetricType::string_list:
            return CustomValue{StringListValue{non_blank_lines(text)}};
        case CustomMetricType::ip_address_list:
            return CustomValue{IpListValue{non_blank_lines(text)}};
    }
    return Error{"unknown custom metric type"};
}

}  // namespace defender
