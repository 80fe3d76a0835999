// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/auth/http_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace defender::auth {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd entry{fd, events, 0};
    for (;;) {
        const int ready = ::poll(&entry, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        return ready > 0;
    }
}

Result<int> connect_to(const HttpUrl& url, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.port);
    if (const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return Error{"cannot resolve " + url.host + ": " + ::gai_strerror(rc)};
    }
    std::string last_error = "no address";
    for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
        const int fd =
            ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline))) {
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error == 0) {
                ::freeaddrinfo(found);
                return fd;
            }
            last_error = std::strerror(error);
        } else {
            last_error = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
        }
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return Error{"cannot connect to " + url.host + ":" + port + ": " + last_error};
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
    auto fd = connect_to(url, deadline);
    if (!fd) return fd.error();
    Socket socket(*fd);
    const bool ipv6 = url.host.find(':') != std::string::npos;
    const std::string authority =
        (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
    std::string request = method + " " + url.path_and_query + " HTTP/1.1\r\nHost: " + authority +
                          "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (method == "PUT" || method == "POST") request += "Content-Length: 0\r\n";
    request += "\r\n";
    for (std::size_t sent = 0; sent < request.size();) {
        if (!wait_for(socket.fd(), POLLOUT, deadline)) return Error{"timed out sending request"};
        const ssize_t n =
            ::send(socket.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return Error{std::string("send failed: ") + std::strerror(errno)};
        if (n > 0) sent += static_cast<std::size_t>(n);
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
        if (!wait_for(socket.fd(), POLLIN, deadline))
            return Error{"no complete answer within " + std::to_string(timeout.count()) + " ms"};
        char buffer[4096];
        const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
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
