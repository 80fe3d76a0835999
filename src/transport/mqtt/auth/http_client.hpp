// SPDX-License-Identifier: Apache-2.0
#pragma once
// A minimal blocking HTTP/1.1 client over plain TCP, for the link-local credential services
// (container endpoint, EC2 instance metadata): one request per connection, bounded by a
// timeout, body read by Content-Length or to the end of the connection.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "defender/result.hpp"

namespace defender::auth {

struct HttpUrl {
    std::string host;
    std::uint16_t port = 80;
    std::string path_and_query = "/";
};

/// Parses "http://host[:port][/path]" (IPv6 literals in brackets). https is refused.
Result<HttpUrl> parse_http_url(const std::string& url);

struct HttpResponse {
    int status = 0;
    std::string body;
};

/// One request; the error says what failed (resolve, connect, timeout, malformed answer).
Result<HttpResponse> http_request(const std::string& method, const HttpUrl& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::chrono::milliseconds timeout);

}  // namespace defender::auth
