// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs the real `defender agent` and `defender emulate` against a real mosquitto with mutual
// TLS, for the end-to-end tests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "mosquitto_broker.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace defender::test {

/// One line of `defender emulate`'s output.
struct EmulatorLine {
    bool accepted = false;
    std::string thing;
    std::string format;
    std::uint64_t report_id = 0;
    std::string detail;  ///< the rest of a REJECTED line
};

class AgentRig {
public:
    /// `persistent_broker`: mosquitto keeps sessions across restarts (persistence on);
    /// `broker_config`: more lines for mosquitto's config.
    explicit AgentRig(bool persistent_broker = false, std::vector<std::string> broker_config = {});

    TestPki& pki() { return *pki_; }
    MosquittoBroker& broker() { return *broker_; }
    const TempDir& work() const { return work_; }

    /// Starts `defender emulate` (with `extra` arguments) and waits until it is subscribed.
    void start_emulator(unsigned min_interval_seconds, const std::vector<std::string>& extra = {});
    void stop_emulator();
    /// The running `defender emulate` (after start_emulator()).
    ChildProcess& emulator() { return *emulator_; }
    std::vector<EmulatorLine> emulator_lines() const;
    /// Waits (bounded) until the emulator printed at least `count` ACCEPTED lines.
    bool wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) const;
    std::filesystem::path store_dir() const { return work_ / "store"; }

    /// The TLS options of the agent: broker, root CA, the test device's certificate.
    std::vector<std::string> agent_tls_args() const;
    /// `defender agent` with the TLS options, `--state-dir`, a short interval and `extra`.
    ProcessOptions agent(const std::vector<std::string>& extra,
                         const std::string& log_name = "agent");

private:
    TempDir work_;
    std::unique_ptr<TestPki> pki_;
    std::unique_ptr<MosquittoBroker> broker_;
    CertificateFiles emulator_cert_;
    std::unique_ptr<ChildProcess> emulator_;
};

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace defender::test
