// SPDX-License-Identifier: Apache-2.0
#include "net/http_connect.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/tcp_connect.hpp"

namespace defender::net {
namespace {

constexpr std::size_t kMaxResponseHeader = 16 * 1024;

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

std::variant<int, StepFailure> http_connect(int fd, const std::string& proxy_name,
                                            const std::string& target,
                                            const std::string& proxy_authorization,
                                            std::chrono::steady_clock::time_point deadline) {
    std::string request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    if (!proxy_authorization.empty()) {
        request += "Proxy-Authorization: " + proxy_authorization + "\r\n";
    }
    request += "\r\n";
    if (auto failure = send_all(fd, request, deadline)) {
        if (!failure->timed_out) failure->reason = proxy_name + ": " + failure->reason;
        return *failure;
    }
    auto header = read_header(fd, proxy_name, deadline);
    if (auto* failure = std::get_if<StepFailure>(&header)) return *failure;
    const int status = status_code(std::get<std::string>(header));
    if (status < 0) return StepFailure{false, proxy_name + " did not answer CONNECT with HTTP"};
    return status;
}

}  // namespace defender::net
