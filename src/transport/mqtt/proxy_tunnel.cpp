// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/proxy_tunnel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "transport/mqtt/basic_auth.hpp"
#include "transport/mqtt/tcp_connect.hpp"

namespace defender::mqtt {
namespace {

constexpr std::size_t kMaxResponseHeader = 16 * 1024;

std::string request_for(const ProxySettings& proxy, const std::string& target) {
    std::string request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    if (!proxy.username.empty()) {
        request += "Proxy-Authorization: " + mqtt::basic_authorization(proxy) + "\r\n";
    }
    return request + "\r\n";
}

// "" when all was sent, else why not ("timed out" at the deadline).
std::string send_all(int fd, const std::string& bytes,
                     std::chrono::steady_clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!wait_ready(fd, POLLOUT, deadline)) return "timed out";
        } else {
            return std::strerror(errno);
        }
    }
    return "";
}

// Reads the response header byte by byte, so that nothing of the tunnel's first bytes is
// taken from the socket; a CONNECT answer is short.
std::variant<std::string, StepFailure> read_header(int fd, const std::string& name,
                                                   std::chrono::steady_clock::time_point deadline) {
    std::string header;
    while (header.size() < kMaxResponseHeader) {
        char byte = 0;
        const ssize_t n = ::recv(fd, &byte, 1, 0);
        if (n == 1) {
            header += byte;
            if (header.ends_with("\r\n\r\n")) return header;
        } else if (n == 0) {
            return StepFailure{false, name + " closed the connection before answering CONNECT"};
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (!wait_ready(fd, POLLIN, deadline)) return StepFailure{true, ""};
        } else {
            return StepFailure{false, name + ": " + std::strerror(errno)};
        }
    }
    return StepFailure{false, name + " sent an over-long answer to CONNECT"};
}

// The status code of "HTTP/1.x NNN reason", or -1.
int status_code(const std::string& header) {
    if (!header.starts_with("HTTP/1.") || header.size() < 12 || header[8] != ' ') return -1;
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (header[i] < '0' || header[i] > '9') return -1;
        code = code * 10 + (header[i] - '0');
    }
    return code;
}

}  // namespace

std::optional<StepFailure> open_proxy_tunnel(int fd, const ProxySettings& proxy,
                                             const std::string& target,
                                             std::chrono::steady_clock::time_point deadline) {
    const std::string name = "proxy " + describe_proxy(proxy);
    if (const auto problem = send_all(fd, request_for(proxy, target), deadline); !problem.empty()) {
        if (problem == "timed out") return StepFailure{true, ""};
        return StepFailure{false, name + ": " + problem};
    }
    auto header = read_header(fd, name, deadline);
    if (auto* failure = std::get_if<StepFailure>(&header)) return *failure;
    const int status = status_code(std::get<std::string>(header));
    if (status < 0) return StepFailure{false, name + " did not answer CONNECT with HTTP"};
    if (status < 200 || status > 299) {
        return StepFailure{false, mqtt::describe_proxy_refusal(proxy, target, status)};
    }
    return std::nullopt;
}

}  // namespace defender::mqtt
