// SPDX-License-Identifier: Apache-2.0
#include "console/http_server.hpp"

#include <civetweb.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <mutex>
#include <system_error>

namespace defender::console {

struct HttpServer::Context {
    Api* api = nullptr;
    std::optional<Users> users;
    bool https = false;
    mg_context* server = nullptr;
};

namespace {

// The request line and headers: over kMaxHeaderBytes the answer is 413; civetweb's buffer is
// larger (it answers a request that overflows even that as malformed, 400).
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr const char* kCivetwebBufferBytes = "65536";

std::once_flag library_once;

void send(mg_connection* connection, const Request& request, const Response& response) {
    mg_response_header_start(connection, response.status);
    mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
    mg_response_header_add(connection, "Content-Length",
                           std::to_string(response.body.size()).c_str(), -1);
    for (const auto& [name, value] : security_headers()) {
        mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
    }
    for (const auto& [name, value] : response.headers) {
        mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
    }
    mg_response_header_send(connection);
    if (request.method != "HEAD" && !response.body.empty()) {
        mg_write(connection, response.body.data(), response.body.size());
    }
}

Response plain_error(int status, const std::string& message) {
    Response response;
    response.status = status;
    response.body = "{\"error\":\"" + message + "\"}";
    return response;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The path as sent: civetweb's request_uri, without a scheme and host (absolute form).
std::string request_path(const mg_request_info& info) {
    std::string uri = info.request_uri != nullptr ? info.request_uri : "/";
    if (const auto scheme = uri.find("://"); scheme != std::string::npos && uri.front() != '/') {
        const auto path = uri.find('/', scheme + 3);
        uri = path == std::string::npos ? "/" : uri.substr(path);
    }
    if (const auto query = uri.find('?'); query != std::string::npos) uri.resize(query);
    return uri;
}

// civetweb calls back on its worker threads, whose stacks are small (Debian's build: 100 KiB,
// its CMake default). The API (SQLite, JSON) runs on a thread with the default stack, as every
// other thread of the program; inline when none can be started.
template <typename Work>
auto on_full_stack(Work work) {
    std::future<decltype(work())> result;
    try {
        result = std::async(std::launch::async, work);
    } catch (const std::system_error&) {
        return work();
    }
    return result.get();
}

int on_request(mg_connection* connection) {
    auto* context = static_cast<HttpServer::Context*>(mg_get_user_data(mg_get_context(connection)));
    const mg_request_info* info = mg_get_request_info(connection);
    Request request;
    request.method = info->request_method != nullptr ? info->request_method : "";
    request.path = request_path(*info);
    request.query = info->query_string != nullptr ? info->query_string : "";
    request.https = context->https;
    for (int i = 0; i < info->num_headers && i < MG_MAX_HEADERS; ++i) {
        const auto& header = info->http_headers[i];
        if (header.name == nullptr || header.value == nullptr) continue;
        request.headers[lower(header.name)] = header.value;
    }
    std::size_t header_bytes = request.method.size() + request.path.size() + request.query.size();
    for (const auto& [name, value] : request.headers)
        header_bytes += name.size() + value.size() + 4;
    if (header_bytes > kMaxHeaderBytes) {
        send(connection, request, plain_error(413, "the request line and headers are over 16 KiB"));
        return 413;
    }
    if (context->users && !context->users->check(request.header("authorization"))) {
        auto response = plain_error(401, "log in: this console needs a user name and password");
        response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"defender\"");
        send(connection, request, response);
        return 401;
    }
    // The body: refused unread past the limit (the connection then closes).
    if (info->content_length > static_cast<long long>(kMaxBodyBytes)) {
        send(connection, request, plain_error(413, "the request body is over 64 KiB"));
        return 413;
    }
    char buffer[8192];
    while (true) {
        const int got = mg_read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        request.body.append(buffer, static_cast<std::size_t>(got));
        if (request.body.size() > kMaxBodyBytes) {
            send(connection, request, plain_error(413, "the request body is over 64 KiB"));
            return 413;
        }
    }
    const auto response = on_full_stack([&] { return context->api->handle(request); });
    send(connection, request, response);
    return response.status;
}

// A request civetweb refused itself (malformed, too large for its buffer): answered with the
// house's headers.
int on_error(mg_connection* connection, int status, const char* message) {
    Request request;
    request.method = "GET";
    Response response;
    response.status = status;
    response.body = std::string("{\"error\":\"") +
                    (status == 400 ? "malformed or oversized request" : "request refused") + "\"}";
    (void)message;
    send(connection, request, response);
    return 0;
}

// civetweb's own messages (a failed bind, a broken request) are not logged: the library never
// logs, and start() returns the bind failure.
int quiet(const mg_connection*, const char*) {
    return 1;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& ports, Api& api,
                                                      std::optional<Users> users, bool https) {
    std::call_once(library_once, [] { mg_init_library(0); });
    std::unique_ptr<HttpServer> server(new HttpServer());
    server->context_ = std::make_unique<Context>();
    server->context_->api = &api;
    server->context_->users = std::move(users);
    server->context_->https = https;
    const std::string threads = std::to_string(kServerThreads);
    const char* options[] = {"listening_ports",
                             ports.c_str(),
                             "num_threads",
                             threads.c_str(),
                             "max_request_size",
                             kCivetwebBufferBytes,
                             "decode_url",
                             "no",
                             "request_timeout_ms",
                             "10000",
                             "keep_alive_timeout_ms",
                             "5000",
                             "enable_keep_alive",
                             "yes",
                             "enable_directory_listing",
                             "no",
                             nullptr};
    mg_callbacks callbacks{};
    callbacks.begin_request = on_request;
    callbacks.log_message = quiet;
    callbacks.http_error = on_error;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = server->context_.get();
    init.configuration_options = options;
    char text[256] = "";
    unsigned code = 0;
    mg_error_data error{};
    error.code = &code;
    error.text = text;
    error.text_buffer_size = sizeof text;
    server->context_->server = mg_start2(&init, &error);
    if (server->context_->server == nullptr) {
        return Error{"cannot listen on " + ports + ": " + (text[0] ? text : "civetweb failed")};
    }
    mg_server_port listening[4]{};
    const int count = mg_get_server_ports(server->context_->server, 4, listening);
    if (count > 0) server->port_ = static_cast<std::uint16_t>(listening[0].port);
    return server;
}

HttpServer::~HttpServer() {
    if (context_ && context_->server != nullptr) mg_stop(context_->server);
}

}  // namespace defender::console
