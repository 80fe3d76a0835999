// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file http_stub_server.hpp
/// A tiny HTTP/1.1 server on 127.0.0.1 for tests, standing in for the AWS container
/// credentials endpoint and EC2 instance metadata (IMDSv2). One thread; each connection gets
/// one request (head only, bodies are ignored) and one answer from the handler, then closes.
/// Every request is recorded.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace defender::test {

struct HttpStubRequest {
    std::string method;
    std::string target;                          ///< path and query
    std::map<std::string, std::string> headers;  ///< names lower-cased
};

struct HttpStubResponse {
    int status = 200;
    std::string body;
};

class HttpStubServer {
public:
    using Handler = std::function<HttpStubResponse(const HttpStubRequest&)>;

    explicit HttpStubServer(Handler handler);
    ~HttpStubServer();
    HttpStubServer(const HttpStubServer&) = delete;
    HttpStubServer& operator=(const HttpStubServer&) = delete;

    std::uint16_t port() const { return port_; }
    /// "http://127.0.0.1:<port>"
    std::string base_url() const;
    std::vector<HttpStubRequest> requests() const;

private:
    void serve();
    void answer(int client);

    Handler handler_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<HttpStubRequest> requests_;
    std::thread thread_;
};

/// An IMDSv2 stand-in: PUT /latest/api/token gives `token`; the credential GETs need it in
/// X-aws-ec2-metadata-token (401 otherwise) and answer role `role` with `credentials_json`.
HttpStubServer::Handler imds_v2_handler(std::string token, std::string role,
                                        std::function<std::string()> credentials_json);

}  // namespace defender::test
