// SPDX-License-Identifier: Apache-2.0
// net::http_connect, the one HTTP CONNECT client, against a proxy played over a socketpair.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <variant>

#include "net/http_connect.hpp"
#include "net/tcp_connect.hpp"
#include "util/unique_fd.hpp"

namespace defender::net {
namespace {

using namespace std::chrono_literals;

struct Pair {
    util::UniqueFd client;
    util::UniqueFd proxy;
};

Pair socket_pair() {
    int fds[2] = {-1, -1};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    return {util::UniqueFd(fds[0]), util::UniqueFd(fds[1])};
}

std::string read_all(int fd) {
    std::string text;
    char buffer[512];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, n);
    return text;
}

void write_text(int fd, const std::string& text) {
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

TEST(HttpConnect, SendsTheRequestAndKeepsTheTunnelBytes) {
    auto pair = socket_pair();
    // The answer is there before the request: http_connect must read only its header.
    write_text(pair.proxy.get(), "HTTP/1.1 200 Connection established\r\nX: y\r\n\r\nTUNNEL");
    const auto answer = http_connect(pair.client.get(), "proxy p:3128", "broker:8883", "Basic dTpw",
                                     std::chrono::steady_clock::now() + 5s);
    ASSERT_TRUE(std::holds_alternative<int>(answer));
    EXPECT_EQ(std::get<int>(answer), 200);
    EXPECT_EQ(read_all(pair.proxy.get()),
              "CONNECT broker:8883 HTTP/1.1\r\nHost: broker:8883\r\n"
              "Proxy-Authorization: Basic dTpw\r\n\r\n");
    EXPECT_EQ(read_all(pair.client.get()), "TUNNEL");
}

TEST(HttpConnect, ReturnsARefusalsStatusForItsCallerToWord) {
    auto pair = socket_pair();
    write_text(pair.proxy.get(), "HTTP/1.0 407 Proxy Authentication Required\r\n\r\n");
    const auto answer = http_connect(pair.client.get(), "proxy p:3128", "broker:8883", "",
                                     std::chrono::steady_clock::now() + 5s);
    ASSERT_TRUE(std::holds_alternative<int>(answer));
    EXPECT_EQ(std::get<int>(answer), 407);
    EXPECT_EQ(read_all(pair.proxy.get()),
              "CONNECT broker:8883 HTTP/1.1\r\nHost: broker:8883\r\n\r\n");
}

TEST(HttpConnect, NamesTheProxyWhenTheAnswerIsNotHttpOrMissing) {
    {
        auto pair = socket_pair();
        write_text(pair.proxy.get(), "SSH-2.0-OpenSSH\r\n\r\n");
        const auto answer = http_connect(pair.client.get(), "proxy p:3128", "b:1", "",
                                         std::chrono::steady_clock::now() + 5s);
        ASSERT_TRUE(std::holds_alternative<StepFailure>(answer));
        EXPECT_EQ(std::get<StepFailure>(answer).reason,
                  "proxy p:3128 did not answer CONNECT with HTTP");
    }
    {
        auto pair = socket_pair();
        pair.proxy.reset();
        const auto answer = http_connect(pair.client.get(), "proxy p:3128", "b:1", "",
                                         std::chrono::steady_clock::now() + 5s);
        ASSERT_TRUE(std::holds_alternative<StepFailure>(answer));
        EXPECT_FALSE(std::get<StepFailure>(answer).timed_out);
        EXPECT_TRUE(std::get<StepFailure>(answer).reason.starts_with("proxy p:3128"))
            << std::get<StepFailure>(answer).reason;
    }
}

TEST(HttpConnect, TimesOutAtTheDeadlineWithoutAnAnswer) {
    auto pair = socket_pair();
    const auto answer = http_connect(pair.client.get(), "proxy p:3128", "b:1", "",
                                     std::chrono::steady_clock::now());
    ASSERT_TRUE(std::holds_alternative<StepFailure>(answer));
    EXPECT_TRUE(std::get<StepFailure>(answer).timed_out);
}

}  // namespace
}  // namespace defender::net
