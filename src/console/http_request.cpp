// SPDX-License-Identifier: Apache-2.0
#include "console/http_request.hpp"

namespace defender::console {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    if (out.find('\0') != std::string::npos) return std::nullopt;
    return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
    std::map<std::string, std::string> pairs;
    while (!query.empty()) {
        const auto end = query.find('&');
        const auto item = query.substr(0, end);
        query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
        if (item.empty()) continue;
        const auto equals = item.find('=');
        auto name = percent_decode(item.substr(0, equals), true);
        auto value = percent_decode(
            equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1), true);
        if (!name || !value) return std::nullopt;
        pairs[std::move(*name)] = std::move(*value);
    }
    return pairs;
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
    std::vector<std::string> segments;
    if (path.empty() || path.front() != '/') return std::nullopt;
    path.remove_prefix(1);
    if (path.empty()) return segments;
    while (true) {
        const auto end = path.find('/');
        auto segment = percent_decode(path.substr(0, end), false);
        if (!segment) return std::nullopt;
        segments.push_back(std::move(*segment));
        if (end == std::string_view::npos) break;
        path.remove_prefix(end + 1);
    }
    return segments;
}

}  // namespace defender::console
