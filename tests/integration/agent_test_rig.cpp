// SPDX-License-Identifier: Apache-2.0
#include "agent_test_rig.hpp"

#include <filesystem>
#include <sstream>
#include <thread>

namespace defender::test {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

AgentRig::AgentRig(bool persistent_broker, std::vector<std::string> broker_config)
    : work_("defender-agent-test-"), pki_(std::make_unique<TestPki>()) {
    auto options = MosquittoBroker::mutual_tls(*pki_);
    options.extra_config = std::move(broker_config);
    if (persistent_broker) {
        const auto db = work_ / "mosquitto-db";
        std::filesystem::create_directories(db);
        std::filesystem::permissions(db, std::filesystem::perms::all);
        std::filesystem::permissions(work_.path(), std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::group_exec |
                                                       std::filesystem::perms::others_exec);
        options.extra_config.push_back("persistence true");
        options.extra_config.push_back("persistence_location " + db.string() + "/");
    }
    broker_ = std::make_unique<MosquittoBroker>(options);
    emulator_cert_ = pki_->issue_client("defender-emulator", "emulator");
    std::filesystem::create_directories(store_dir());
}

void AgentRig::start_emulator(unsigned min_interval_seconds,
                              const std::vector<std::string>& extra) {
    std::vector<std::string> argv{DEFENDER_BINARY,
                                  "emulate",
                                  "-e",
                                  "localhost",
                                  "-p",
                                  std::to_string(broker_->port()),
                                  "-r",
                                  pki_->ca_cert().string(),
                                  "-c",
                                  emulator_cert_.cert.string(),
                                  "-k",
                                  emulator_cert_.key.string(),
                                  "--min-interval",
                                  std::to_string(min_interval_seconds),
                                  "--store",
                                  store_dir().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    emulator_ = std::make_unique<ChildProcess>(
        ProcessOptions{argv, work_ / "emulator.out", work_ / "emulator.err", {}, {}});
    const bool ready = eventually(
        [&] { return emulator_->stderr_text().find("waiting for reports") != std::string::npos; },
        std::chrono::seconds(15));
    if (!ready) throw std::runtime_error("emulator did not subscribe: " + emulator_->stderr_text());
}

void AgentRig::stop_emulator() {
    if (emulator_) emulator_->stop(std::chrono::seconds(5));
}

std::vector<EmulatorLine> AgentRig::emulator_lines() const {
    std::vector<EmulatorLine> lines;
    if (!emulator_) return lines;
    std::istringstream text(emulator_->stdout_text());
    for (std::string line; std::getline(text, line);) {
        EmulatorLine parsed;
        std::istringstream words(line);
        std::string status;
        words >> status;
        parsed.accepted = status == "ACCEPTED";
        for (std::string word; words >> word;) {
            if (word.starts_with("thing="))
                parsed.thing = word.substr(6);
            else if (word.starts_with("format="))
                parsed.format = word.substr(7);
            else if (word.starts_with("report_id="))
                parsed.report_id = std::stoull(word.substr(10));
            else if (!word.starts_with("bytes="))
                parsed.detail += (parsed.detail.empty() ? "" : " ") + word;
        }
        lines.push_back(parsed);
    }
    return lines;
}

bool AgentRig::wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) const {
    return eventually(
        [&] {
            std::size_t accepted = 0;
            for (const auto& line : emulator_lines())
                accepted += line.accepted ? 1 : 0;
            return accepted >= count;
        },
        timeout);
}

std::vector<std::string> AgentRig::agent_tls_args() const {
    return {"-e", "localhost",
            "-p", std::to_string(broker_->port()),
            "-r", pki_->ca_cert().string(),
            "-c", pki_->client().cert.string(),
            "-k", pki_->client().key.string()};
}

ProcessOptions AgentRig::agent(const std::vector<std::string>& extra, const std::string& log_name) {
    std::vector<std::string> argv{DEFENDER_BINARY, "agent"};
    const auto tls = agent_tls_args();
    argv.insert(argv.end(), tls.begin(), tls.end());
    for (const auto& arg : {std::string("--state-dir"), (work_ / "state").string(),
                            std::string("--allow-short-interval"), std::string("--verbosity"),
                            std::string("debug")}) {
        argv.push_back(arg);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ProcessOptions{argv, work_ / (log_name + ".out"), work_ / (log_name + ".err"), {}, {}};
}

}  // namespace defender::test
