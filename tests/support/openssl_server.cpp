// SPDX-License-Identifier: Apache-2.0
#include "openssl_server.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "ports.hpp"

namespace defender::test {

using namespace std::chrono_literals;

OpensslServer::OpensslServer(const TestPki& pki, const TempDir& dir,
                             std::vector<std::string> extra_arguments)
    : port_(find_free_port()) {
    std::vector<std::string> argv{"stdbuf",   "-o0",
                                  "-e0",      "openssl",
                                  "s_server", "-www",
                                  "-accept",  "127.0.0.1:" + std::to_string(port_),
                                  "-cert",    pki.server().cert.string(),
                                  "-key",     pki.server().key.string()};
    argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
    process_.emplace(ProcessOptions{.argv = argv,
                                    .stdout_path = dir / "s_server.out",
                                    .stderr_path = dir / "s_server.err",
                                    .environment = {},
                                    .working_directory = {}});
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (process_->stdout_text().find("ACCEPT") == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline || !process_->running()) {
            throw std::runtime_error("openssl s_server did not start: " + process_->stderr_text());
        }
        std::this_thread::sleep_for(20ms);
    }
}

std::string OpensslServer::output_once_it_shows(const std::string& text,
                                                std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((process_->stdout_text() + process_->stderr_text()).find(text) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    return output();
}

std::string OpensslServer::output() {
    process_->stop(2s);
    return process_->stdout_text() + process_->stderr_text();
}

}  // namespace defender::test
