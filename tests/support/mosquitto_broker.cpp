// SPDX-License-Identifier: Apache-2.0
#include "mosquitto_broker.hpp"

#include <signal.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ports.hpp"

namespace defender::test {
namespace {

namespace fs = std::filesystem;

std::string mosquitto_executable() {
    const fs::path debian_location = "/usr/sbin/mosquitto";
    return fs::exists(debian_location) ? debian_location.string() : "mosquitto";
}

}  // namespace

BrokerOptions MosquittoBroker::mutual_tls(const TestPki& pki) {
    BrokerOptions options;
    options.ca_cert = pki.ca_cert();
    options.server = pki.server();
    return options;
}

MosquittoBroker::MosquittoBroker(BrokerOptions options, bool start_now)
    : options_(std::move(options)), dir_("defender-broker-") {
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    if (options_.port == 0) {
        options_.port = find_free_port();
    }
    write_config();
    if (start_now) {
        start();
    }
}

MosquittoBroker::~MosquittoBroker() {
    stop();
}

void MosquittoBroker::write_config() const {
    std::ostringstream config;
    config << "# written by the defender test fixture\n"
           << "log_dest stderr\n"
           << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
           << "connection_messages true\n"
           << "persistence false\n"
           << "listener " << options_.port << " 127.0.0.1\n"
           << "cafile " << options_.ca_cert.string() << "\n"
           << "certfile " << options_.server.cert.string() << "\n"
           << "keyfile " << options_.server.key.string() << "\n"
           << "tls_version " << options_.tls_version << "\n"
           << "require_certificate " << (options_.require_certificate ? "true" : "false") << "\n"
           << "use_identity_as_username " << (options_.use_identity_as_username ? "true" : "false")
           << "\n";
    for (const auto& line : options_.extra_config) {
        config << line << "\n";
    }
    write_file(config_path(), config.str(),
               fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                   fs::perms::others_read);
}

void MosquittoBroker::start() {
    if (running()) {
        return;
    }
    process_.emplace(ProcessOptions{.argv = {mosquitto_executable(), "-c", config_path().string()},
                                    .stdout_path = dir_ / "mosquitto.stdout",
                                    .stderr_path = log_path(),
                                    .environment = {},
                                    .working_directory = dir_.path()});
    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process_->running()) {
            throw std::runtime_error("mosquitto exited at start (" +
                                     process_->status()->describe() + "): " + log());
        }
        if (accepts_connections(options_.port)) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process_->kill();
    throw std::runtime_error("mosquitto did not accept connections on port " +
                             std::to_string(options_.port) + " in time: " + log());
}

void MosquittoBroker::stop(std::chrono::milliseconds grace) {
    if (process_) {
        resume();  // a paused broker would not act on SIGTERM
        process_->stop(grace);
    }
}

void MosquittoBroker::pause() {
    if (process_) {
        process_->send_signal(SIGSTOP);
    }
}

void MosquittoBroker::resume() {
    if (process_) {
        process_->send_signal(SIGCONT);
    }
}

void MosquittoBroker::kill() {
    if (process_) {
        process_->kill();
    }
}

void MosquittoBroker::restart() {
    stop();
    start();
}

bool MosquittoBroker::running() {
    return process_ && process_->running();
}

std::string MosquittoBroker::log() const {
    return read_file(log_path());
}

}  // namespace defender::test
