// SPDX-License-Identifier: Apache-2.0
#include "websocket_rig.hpp"

#include <filesystem>
#include <sstream>
#include <thread>

#include "ports.hpp"

namespace defender::test {

ConnectivityRig::ConnectivityRig() : work_("defender-connectivity-") {
    auto options = MosquittoBroker::mutual_tls(pki_);
    options.port = find_free_port();
    do {
        ws_port_ = find_free_port();
        wss_port_ = find_free_port();
    } while (ws_port_ == wss_port_ || ws_port_ == options.port || wss_port_ == options.port);
    // mosquitto refuses anonymous clients by default; WebSocket clients here have neither a
    // certificate nor a password (AWS IoT would check their SigV4 signature instead).
    options.extra_config = {"allow_anonymous true",
                            "listener " + std::to_string(ws_port_) + " 127.0.0.1",
                            "protocol websockets",
                            "listener " + std::to_string(wss_port_) + " 127.0.0.1",
                            "protocol websockets",
                            "certfile " + pki_.server().cert.string(),
                            "keyfile " + pki_.server().key.string(),
                            "tls_version tlsv1.2"};
    broker_ = std::make_unique<MosquittoBroker>(options);
    if (!wait_until_accepting(ws_port_, std::chrono::seconds(5)) ||
        !wait_until_accepting(wss_port_, std::chrono::seconds(5))) {
        throw std::runtime_error("websocket listeners did not come up: " + broker_->log());
    }
    emulator_cert_ = pki_.issue_client("defender-emulator", "emulator");
    std::filesystem::create_directories(work_ / "home");
}

void ConnectivityRig::start_emulator() {
    emulator_ = std::make_unique<ChildProcess>(ProcessOptions{
        {DEFENDER_BINARY, "emulate", "-e", "localhost", "-p", std::to_string(mtls_port()), "-r",
         pki_.ca_cert().string(), "-c", emulator_cert_.cert.string(), "-k",
         emulator_cert_.key.string(), "--min-interval", "0"},
        work_ / "emulator.out",
        work_ / "emulator.err",
        {},
        {}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (emulator_->stderr_text().find("waiting for reports") == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline || !emulator_->running())
            throw std::runtime_error("emulator did not subscribe: " + emulator_->stderr_text());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::size_t ConnectivityRig::accepted() const {
    if (!emulator_) return 0;
    std::istringstream text(emulator_->stdout_text());
    std::size_t count = 0;
    for (std::string line; std::getline(text, line);)
        count += line.starts_with("ACCEPTED") ? 1 : 0;
    return count;
}

bool ConnectivityRig::wait_for_accepted(std::size_t count,
                                        std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (accepted() >= count) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return accepted() >= count;
}

std::vector<std::string> ConnectivityRig::credentials_environment() {
    return {std::string("AWS_ACCESS_KEY_ID=") + kTestAccessKeyId,
            std::string("AWS_SECRET_ACCESS_KEY=") + kTestSecretKey,
            std::string("AWS_SESSION_TOKEN=") + kTestSessionToken};
}

ProcessOptions ConnectivityRig::agent(const std::string& thing,
                                      const std::vector<std::string>& args,
                                      std::vector<std::string> environment,
                                      const std::string& log_name) {
    std::vector<std::string> argv{DEFENDER_BINARY,
                                  "agent",
                                  "-t",
                                  thing,
                                  "--client-id",
                                  thing,
                                  "-i",
                                  "1",
                                  "--allow-short-interval",
                                  "--state-dir",
                                  (work_ / ("state-" + log_name)).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env{"HOME=" + (work_ / "home").string(),
                                 "AWS_EC2_METADATA_DISABLED=true",
                                 "AWS_ACCESS_KEY_ID=",
                                 "AWS_SECRET_ACCESS_KEY=",
                                 "AWS_SESSION_TOKEN=",
                                 "AWS_PROFILE=",
                                 "AWS_SHARED_CREDENTIALS_FILE=",
                                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=",
                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI=",
                                 "https_proxy=",
                                 "HTTPS_PROXY=",
                                 "http_proxy=",
                                 "HTTP_PROXY=",
                                 "no_proxy=",
                                 "NO_PROXY="};
    for (const auto& entry : environment) {
        const std::string name = entry.substr(0, entry.find('=') + 1);
        std::erase_if(env, [&](const std::string& old) { return old.starts_with(name); });
        env.push_back(entry);
    }
    return ProcessOptions{argv, work_ / (log_name + ".out"), work_ / (log_name + ".err"), env, {}};
}

}  // namespace defender::test
