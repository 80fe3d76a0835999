// SPDX-License-Identifier: Apache-2.0
#include "encode/json_extent.hpp"

#include <algorithm>

namespace defender {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// `at` is on an opening quote; returns the index of the closing one, or the input's size.
std::size_t skip_string(std::string_view bytes, std::size_t at) {
    for (++at; at < bytes.size(); ++at) {
        if (bytes[at] == '\\') {
            ++at;  // whatever follows a backslash cannot end the string
        } else if (bytes[at] == '"') {
            return at;
        }
    }
    return bytes.size();
}

bool ends_scalar(char c) {
    return is_blank(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == '"' || c == ',' ||
           c == ':';
}

}  // namespace

JsonExtent scan_json_value(std::string_view bytes, std::size_t at) {
    JsonExtent extent;
    while (at < bytes.size() && is_blank(bytes[at]))
        ++at;
    extent.begin = at;
    extent.end = bytes.size();
    if (at == bytes.size()) return extent;
    const char first = bytes[at];
    if (first == '"') {
        const std::size_t close = skip_string(bytes, at);
        extent.complete = close < bytes.size();
        extent.end = std::min(close + 1, bytes.size());
    } else if (first != '{' && first != '[') {
        // A number or literal (or garbage): up to the next blank or structural character, at
        // least one byte so that a split always moves on.
        std::size_t end = at + 1;
        while (end < bytes.size() && !ends_scalar(bytes[end]))
            ++end;
        extent.end = end;
        extent.complete = true;
    } else {
        std::size_t depth = 0;
        std::size_t blanks = 0;
        for (std::size_t i = at; i < bytes.size(); ++i) {
            const char c = bytes[i];
            if (c == '"') {
                i = skip_string(bytes, i);
            } else if (c == '{' || c == '[') {
                extent.depth = std::max(extent.depth, ++depth);
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    extent.end = i + 1;
                    extent.complete = true;
                    break;
                }
            } else if (is_blank(c)) {
                ++blanks;
            }
        }
        extent.compact_size = extent.end - at - blanks;
        return extent;
    }
    extent.compact_size = extent.end - at;
    return extent;
}

}  // namespace defender
