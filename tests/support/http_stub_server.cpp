// SPDX-License-Identifier: Apache-2.0
#include "http_stub_server.hpp"

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

std::string reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        default:
            return "Status";
    }
}

HttpStubRequest parse(const std::string& head) {
    HttpStubRequest request;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    std::istringstream first(line);
    first >> request.method >> request.target;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[name] = value;
    }
    return request;
}

}  // namespace

HttpStubServer::HttpStubServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error("cannot start the HTTP stub server");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

HttpStubServer::~HttpStubServer() {
    stopping_ = true;
    thread_.join();
    ::close(fd_);
}

std::string HttpStubServer::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<HttpStubRequest> HttpStubServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

void HttpStubServer::serve() {
    while (!stopping_) {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, 50) <= 0) continue;
        const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        answer(client);
        ::close(client);
    }
}

void HttpStubServer::answer(int client) {
    std::string head;
    for (int rounds = 0; rounds < 100 && head.find("\r\n\r\n") == std::string::npos; ++rounds) {
        pollfd entry{client, POLLIN, 0};
        if (::poll(&entry, 1, 100) <= 0) continue;
        char buffer[2048];
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        head.append(buffer, static_cast<std::size_t>(n));
    }
    const HttpStubRequest request = parse(head);
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
    }
    const HttpStubResponse response = handler_(request);
    const std::string text =
        "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
        "\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n" + response.body;
    ::send(client, text.data(), text.size(), MSG_NOSIGNAL);
}

HttpStubServer::Handler imds_v2_handler(std::string token, std::string role,
                                        std::function<std::string()> credentials_json) {
    return [token, role, credentials_json](const HttpStubRequest& request) -> HttpStubResponse {
        const std::string prefix = "/latest/meta-data/iam/security-credentials/";
        if (request.method == "PUT" && request.target == "/latest/api/token") {
            if (!request.headers.contains("x-aws-ec2-metadata-token-ttl-seconds")) return {400, ""};
            return {200, token};
        }
        const auto given = request.headers.find("x-aws-ec2-metadata-token");
        if (given == request.headers.end() || given->second != token) return {401, ""};
        if (request.method == "GET" && request.target == prefix) return {200, role + "\n"};
        if (request.method == "GET" && request.target == prefix + role)
            return {200, credentials_json()};
        return {404, ""};
    };
}

}  // namespace defender::test
