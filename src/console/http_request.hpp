// SPDX-License-Identifier: Apache-2.0
#pragma once
// A request and a response of the console, independent of the HTTP server (so the API is tested
// and fuzzed without sockets), and the parsing of paths and query strings.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace defender::console {

/// What the API needs of a request.
struct Request {
    std::string method;  ///< GET, POST, ...
    std::string path;    ///< as sent, percent-encoded, without the query
    std::string query;   ///< after '?', percent-encoded; empty when none
    /// Headers by lower-case name (the last of repeated ones).
    std::map<std::string, std::string> headers;
    std::string body;    ///< at most kMaxBodyBytes
    bool https = false;  ///< arrived over TLS

    /// The header's value, or "" when absent.
    std::string header(const std::string& lower_case_name) const {
        const auto found = headers.find(lower_case_name);
        return found == headers.end() ? std::string() : found->second;
    }
};

/// The answer.
struct Response {
    int status = 200;                                              ///< HTTP status
    std::string content_type = "application/json; charset=utf-8";  ///< Content-Type
    std::string body;                                              ///< the bytes
    std::vector<std::pair<std::string, std::string>> headers;      ///< beyond the common ones
};

/// The largest request body the console reads (a verification state is far smaller).
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

/// Percent-decodes `text` ('+' is a space when `plus_is_space`); nullopt for a bad escape or a
/// NUL byte.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// The decoded name=value pairs of a query string; nullopt when one is badly encoded.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

/// The path split into decoded segments ("/things/a%2Fb" -> {"things", "a/b"}); nullopt for a
/// bad escape. "/" is no segment; an empty segment is kept ("/a//b").
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace defender::console
