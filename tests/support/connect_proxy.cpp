// SPDX-License-Identifier: Apache-2.0
#include "connect_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace defender::test {
namespace {

std::string base64(const std::string& text) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < text.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(text[i]) << 16) |
                           (static_cast<unsigned char>(text[i + 1]) << 8) |
                           static_cast<unsigned char>(text[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += kAlphabet[(n >> shift) & 63];
    }
    if (i < text.size()) {
        unsigned n = static_cast<unsigned char>(text[i]) << 16;
        if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < text.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

void send_all(int fd, const std::string& text) {
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

int connect_local(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        return fd;
    }
    if (fd >= 0) ::close(fd);
    return -1;
}

}  // namespace

ConnectProxy::ConnectProxy(ConnectProxyOptions options) : options_(std::move(options)) {
    fd_ = defender::util::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (!fd_.valid() ||
        ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_.get(), 64) != 0 ||
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot start the CONNECT proxy");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

ConnectProxy::~ConnectProxy() {
    stopping_ = true;
    thread_.join();
    for (auto& worker : workers_)
        worker.join();
}

std::vector<ProxiedConnect> ConnectProxy::connects() const {
    std::lock_guard lock(mutex_);
    return connects_;
}

std::size_t ConnectProxy::tunnels() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(connects_.begin(), connects_.end(),
                                                  [](const auto& c) { return c.status == 200; }));
}

void ConnectProxy::serve() {
    while (!stopping_) {
        pollfd entry{fd_.get(), POLLIN, 0};
        if (::poll(&entry, 1, 50) <= 0) continue;
        const int client = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        workers_.emplace_back([this, client] {
            handle(client);
            ::close(client);
        });
    }
}

void ConnectProxy::handle(int client) {
    std::string head;
    for (int rounds = 0; rounds < 100 && head.find("\r\n\r\n") == std::string::npos; ++rounds) {
        pollfd entry{client, POLLIN, 0};
        if (::poll(&entry, 1, 100) <= 0) {
            if (stopping_) return;
            continue;
        }
        char buffer[2048];
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        head.append(buffer, static_cast<std::size_t>(n));
    }
    const auto head_end = head.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    const std::string early_data = head.substr(head_end + 4);
    ProxiedConnect record;
    std::istringstream lines(head.substr(0, head_end));
    std::string line, method;
    std::getline(lines, line);
    std::istringstream(line) >> method >> record.target;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "proxy-authorization") {
            record.proxy_authorization = line.substr(line.find_first_not_of(' ', colon + 1));
        }
    }
    const auto port_at = record.target.rfind(':');
    const std::string host = record.target.substr(0, port_at);
    int upstream = -1;
    if (method != "CONNECT" || port_at == std::string::npos) {
        record.status = 405;
    } else if (options_.refuse) {
        record.status = 403;
    } else if (!options_.username.empty() &&
               record.proxy_authorization !=
                   "Basic " + base64(options_.username + ":" + options_.password)) {
        record.status = 407;
    } else if (host != "localhost" && host != "127.0.0.1") {
        record.status = 403;
    } else if ((upstream = connect_local(static_cast<std::uint16_t>(
                    std::stoi(record.target.substr(port_at + 1))))) < 0) {
        record.status = 502;
    } else {
        record.status = 200;
    }
    {
        std::lock_guard lock(mutex_);
        connects_.push_back(record);
    }
    if (record.status != 200) {
        send_all(client, "HTTP/1.1 " + std::to_string(record.status) +
                             (record.status == 407
                                  ? " Proxy Authentication Required\r\nProxy-Authenticate: Basic "
                                    "realm=\"test\"\r\n"
                                  : " Refused\r\n") +
                             "Content-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");
    if (!early_data.empty()) send_all(upstream, early_data);
    pollfd ends[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    char buffer[16384];
    while (!stopping_) {
        if (::poll(ends, 2, 100) <= 0) continue;
        bool closed = false;
        for (int i = 0; i < 2; ++i) {
            if ((ends[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = ::recv(ends[i].fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            send_all(ends[1 - i].fd, std::string(buffer, static_cast<std::size_t>(n)));
        }
        if (closed) break;
    }
    ::close(upstream);
}

}  // namespace defender::test
