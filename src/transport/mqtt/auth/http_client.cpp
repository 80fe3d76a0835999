// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/auth/http_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <variant>

#include "net/tcp_connect.hpp"
#include "util/unique_fd.hpp"

namespace defender::auth {
namespace {

using Clock = std::chrono::steady_clock;

Result<util::UniqueFd> connect_to(const HttpUrl& url, Clock::time_point deadline) {
    auto connected = net::tcp_connect(url.host, url.port, deadline);
    if (auto* failure = std::get_if<net::StepFailure>(&connected)) {
        return Error{"cannot connect to " + url.host + ":" + std::to_string(url.port) + ": " +
                     (failure->timed_out ? std::string("timed out") : failure->reason)};
    }
    return std::move(std::get<util::UniqueFd>(connected));
}

Result<HttpResponse> parse_response(const std::string& raw) {
    const auto head_end = raw.find("\r\n\r\n");
    if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) {
        return Error{"malformed HTTP answer"};
    }
    HttpResponse response;
    const auto space = raw.find(' ');
    if (space == std::string::npos || space > head_end) return Error{"malformed HTTP status"};
    response.status = std::atoi(raw.c_str() + space + 1);
    response.body = raw.substr(head_end + 4);
    return response;
}

/// Content-Length of a complete header block, or -1.
long content_length(const std::string& raw, std::size_t head_end) {
    std::string head = raw.substr(0, head_end);
    for (auto& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = head.find("\r\ncontent-length:");
    if (at == std::string::npos) return -1;
    return std::atol(head.c_str() + at + 17);
}

}  // namespace

Result<HttpUrl> parse_http_url(const std::string& url) {
    constexpr std::string_view kScheme = "http://";
    if (url.rfind(kScheme, 0) != 0) {
        return Error{"unsupported URL " + url + " (only http:// is supported here)"};
    }
    HttpUrl parsed;
    std::string rest = url.substr(kScheme.size());
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    parsed.path_and_query = slash == std::string::npos ? "/" : rest.substr(slash);
    std::string port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return Error{"bad URL " + url};
        parsed.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            port = authority.substr(close + 2);
    } else {
        const auto colon = authority.find(':');
        parsed.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (parsed.host.empty()) return Error{"bad URL " + url + ": no host"};
    if (!port.empty()) {
        char* end = nullptr;
        const long number = std::strtol(port.c_str(), &end, 10);
        if (*end != '\0' || number < 1 || number > 65535) return Error{"bad port in URL " + url};
        parsed.port = static_cast<std::uint16_t>(number);
    }
    return parsed;
}

Result<HttpResponse> http_request(const std::string& method, const HttpUrl& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    auto connected = connect_to(url, deadline);
    if (!connected) return connected.error();
    const util::UniqueFd socket = std::move(*connected);
    const bool ipv6 = url.host.find(':') != std::string::npos;
    const std::string authority =
        (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
    std::string request = method + " " + url.path_and_query + " HTTP/1.1\r\nHost: " + authority +
                          "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (method == "PUT" || method == "POST") request += "Content-Length: 0\r\n";
    request += "\r\n";
    if (auto failure = net::send_all(socket.get(), request, deadline)) {
        if (failure->timed_out) return Error{"timed out sending request"};
        return Error{"send failed: " + failure->reason};
    }
    std::string raw;
    constexpr std::size_t kMaxAnswer = 64 * 1024;
    for (;;) {
        const auto head_end = raw.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            const long length = content_length(raw, head_end);
            if (length >= 0 && raw.size() >= head_end + 4 + static_cast<std::size_t>(length)) {
                raw.resize(head_end + 4 + static_cast<std::size_t>(length));
                break;
            }
        }
        if (raw.size() > kMaxAnswer) return Error{"HTTP answer larger than 64 KiB"};
        if (!net::wait_ready(socket.get(), POLLIN, deadline))
            return Error{"no complete answer within " + std::to_string(timeout.count()) + " ms"};
        char buffer[4096];
        const ssize_t n = ::recv(socket.get(), buffer, sizeof buffer, 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return Error{std::string("receive failed: ") + std::strerror(errno)};
        }
        raw.append(buffer, static_cast<std::size_t>(n));
    }
    return parse_response(raw);
}

}  // namespace defender::auth
