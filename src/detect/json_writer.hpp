// SPDX-License-Identifier: Apache-2.0
#pragma once
// Compact JSON written straight into a string, for what the detector writes with every report
// (datapoints, thing states): building an nlohmann tree first cost more than the evaluation.
// Strings and doubles that need care go through nlohmann, so the bytes are those of its
// compact dump (escapes, invalid UTF-8 replaced, number format).

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace defender::detect::json_writer {

/// A JSON string: printable ASCII as is, anything else as nlohmann's dump escapes it.
inline void append_string(std::string& out, std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') {
            using Json = nlohmann::ordered_json;
            out += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
            return;
        }
    }
    out += '"';
    out += text;
    out += '"';
}

/// An integer in decimal.
template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
}

/// A double as nlohmann writes it.
inline void append_double(std::string& out, double value) {
    out += nlohmann::ordered_json(value).dump();
}

/// `"key":` for a key known to need no escaping.
inline void append_key(std::string& out, std::string_view key) {
    out += '"';
    out += key;
    out += "\":";
}

/// An array of strings, doubles or integers.
template <typename T>
void append_list(std::string& out, const std::vector<T>& values) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        if constexpr (std::is_same_v<T, std::string>) {
            append_string(out, values[i]);
        } else if constexpr (std::is_same_v<T, double>) {
            append_double(out, values[i]);
        } else {
            append_integer(out, values[i]);
        }
    }
    out += ']';
}

}  // namespace defender::detect::json_writer
