// SPDX-License-Identifier: Apache-2.0
// The web console in a real browser (docs/console.md, "Browser tests"): mosquitto with mutual
// TLS, `defender detect --http` with a profile that alarms on a listening port, a real
// `defender agent`, `defender simulate --things 50`, and a thing whose name is markup, seeded
// into the store. Headless Chromium, driven by tests/browser/console_driver.py, checks every
// page; then the port closes and the thing page shows the alarm cleared.
//
// Exits 77 (CTest's SKIP_RETURN_CODE) when python3-selenium, chromium or chromium-driver is
// missing (scripts/deps/console.list).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent_test_rig.hpp"
#include "defender/detect_store.hpp"
#include "ports.hpp"

namespace defender::test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kSkip = 77;
const char* const kPython = "/usr/bin/python3";
// Not a valid AWS thing name (the detector drops reports of such things), so it is written into
// the store before the detector starts: the pages must show whatever the store holds as text.
const char* const kScriptThing = "<script>alert(1)</script>";

// Why the browser tests cannot run here; empty when they can.
std::string missing_prerequisite() {
    namespace fs = std::filesystem;
    if (!fs::exists(kPython)) return "/usr/bin/python3 is not installed";
    if (!fs::exists("/usr/bin/chromium") && !fs::exists("/usr/bin/chromium-browser")) {
        return "chromium is not installed";
    }
    if (!fs::exists("/usr/bin/chromedriver") && !fs::exists("/usr/lib/chromium/chromedriver")) {
        return "chromium-driver is not installed";
    }
    const auto probe = run_process({kPython, "-c", "import selenium.webdriver"}, 30s);
    if (!probe.status.success()) return "python3-selenium is not installed";
    return {};
}

// A TCP socket listening on 127.0.0.1 (the port the profile forbids), closed on close().
class Listener {
public:
    Listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(fd_, 1) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
    }
    ~Listener() { close(); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

class ConsoleRig {
public:
    ConsoleRig() : detect_cert_(rig_.pki().issue_client("defender-detect", "detect")) {}

    AgentRig& agents() { return rig_; }
    std::filesystem::path store() const { return rig_.work() / "detect.db"; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }

    // The markup-named thing, as if a detector had rejected one report of it.
    void seed_script_thing() {
        auto store = detect::open_sqlite_store(this->store());
        ASSERT_TRUE(store.ok()) << store.error().message;
        detect::Evaluation evaluation;
        detect::ReportTally tally;
        tally.thing_name = kScriptThing;
        tally.format = "json";
        tally.rejected = 1;
        tally.last_received = std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
        evaluation.tallies.push_back(tally);
        evaluation.states.emplace_back(kScriptThing, detect::ThingState{});
        const auto recorded = (*store)->record(evaluation);
        ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    }

    void start_detect(const std::filesystem::path& profile) {
        http_port_ = find_free_port();
        std::vector<std::string> argv{DEFENDER_BINARY,
                                      "detect",
                                      "--client-id",
                                      "detect-console",
                                      "--store",
                                      store().string(),
                                      "--profile",
                                      profile.string(),
                                      "--time-scale",
                                      "0.01",
                                      "--http",
                                      "127.0.0.1:" + std::to_string(http_port_),
                                      "-e",
                                      "localhost",
                                      "-p",
                                      std::to_string(rig_.broker().port()),
                                      "-r",
                                      rig_.pki().ca_cert().string(),
                                      "-c",
                                      detect_cert_.cert.string(),
                                      "-k",
                                      detect_cert_.key.string()};
        const auto log = rig_.work() / "detect";
        detect_ = std::make_unique<ChildProcess>(
            ProcessOptions{argv, log.string() + ".out", log.string() + ".err", {}, {}});
        const bool ready = eventually(
            [&] {
                return detect_->stderr_text().find("detecting: subscribed") != std::string::npos;
            },
            15s);
        if (!ready) throw std::runtime_error("detect did not subscribe: " + detect_->stderr_text());
        if (!wait_until_accepting(http_port_, 15s)) {
            throw std::runtime_error("the console does not answer: " + detect_->stderr_text());
        }
    }
    ChildProcess& detect() { return *detect_; }

    // A query subcommand's stdout as JSON (null when it fails).
    Json query(const std::vector<std::string>& args) {
        std::vector<std::string> argv{DEFENDER_BINARY, "detect"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--store");
        argv.push_back(store().string());
        const auto result = run_process(argv, 30s);
        if (!result.status.success()) return nullptr;
        return Json::parse(result.stdout_text, nullptr, false);
    }
    bool has_event(const std::string& thing, const std::string& type) {
        const auto events = query({"list-violation-events", "--start-time", "0", "--end-time",
                                   "99999999999", "--thing-name", thing});
        if (!events.is_object()) return false;
        for (const auto& event : events.value("violationEvents", Json::array())) {
            if (event.value("violationEventType", "") == type) return true;
        }
        return false;
    }

    // Runs the browser driver; its exit code (77: skipped), output shown on failure.
    int drive(const std::vector<std::string>& extra) {
        std::vector<std::string> argv{kPython, DEFENDER_CONSOLE_DRIVER, url()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        const char* dir = std::getenv("DEFENDER_SCREENSHOT_DIR");
        const auto screenshots = dir && *dir ? std::filesystem::path(dir) : rig_.work() / "screens";
        const auto log = rig_.work() / ("driver-" + std::to_string(++drives_));
        ChildProcess driver(ProcessOptions{argv,
                                           log.string() + ".out",
                                           log.string() + ".err",
                                           {"DEFENDER_SCREENSHOT_DIR=" + screenshots.string()},
                                           {}});
        const auto status = driver.wait_for(300s);
        const auto code = status && status->exited ? status->code : -1;
        std::cout << driver.stdout_text();
        if (code != 0) {
            std::cout << driver.stderr_text() << "\n--- detect log ---\n"
                      << detect_->stderr_text().substr(0, 8000) << "\n";
        }
        return code;
    }

private:
    AgentRig rig_;
    CertificateFiles detect_cert_;
    std::unique_ptr<ChildProcess> detect_;
    std::uint16_t http_port_ = 0;
    int drives_ = 0;
};

bool skipped = false;

TEST(ConsoleBrowser, TheFleetAThingAndItsViolationsInChromium) {
    ConsoleRig rig;
    Listener listener;
    const auto profile = rig.agents().work() / "profile.json";
    std::ofstream(profile)
        << R"({"securityProfileName": "no-extra-ports", "behaviors": [{"name": "OnlyKnownPorts",)"
           R"( "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator":)"
           R"( "not-in-port-set", "value": {"ports": [)"
        << listener.port() << "]}}}]}";
    rig.seed_script_thing();
    rig.agents().start_emulator(0);
    rig.start_detect(profile);
    ChildProcess agent(rig.agents().agent({"-t", "gateway-1", "-i", "1"}));

    std::vector<std::string> simulate{DEFENDER_BINARY, "simulate"};
    for (const auto& arg : rig.agents().agent_tls_args())
        simulate.push_back(arg);
    for (const char* arg : {"--things", "50", "--interval", "0.5", "--reports", "100",
                            "--misbehaving", "0.1", "--format", "cbor"}) {
        simulate.push_back(arg);
    }
    const auto simulated = run_process(simulate, 120s);
    ASSERT_TRUE(simulated.status.success()) << simulated.stderr_text;
    ASSERT_TRUE(eventually([&] { return rig.has_event("gateway-1", "in-alarm"); }, 60s))
        << rig.detect().stderr_text();

    const auto alarm = rig.drive({"--phase", "alarm", "--alarm-thing", "gateway-1",
                                  "--script-thing", kScriptThing, "--min-things", "52"});
    if (alarm == kSkip) {
        skipped = true;
        GTEST_SKIP() << "the browser driver skipped";
    }
    EXPECT_EQ(alarm, 0) << "the browser checks failed (output above)";

    listener.close();
    ASSERT_TRUE(eventually([&] { return rig.has_event("gateway-1", "alarm-cleared"); }, 60s))
        << rig.detect().stderr_text();
    EXPECT_EQ(rig.drive({"--phase", "cleared", "--alarm-thing", "gateway-1"}), 0)
        << "the browser checks failed (output above)";

    agent.stop();
    const auto stopped = rig.detect().stop();
    EXPECT_TRUE(stopped.success()) << stopped.describe() << "\n" << rig.detect().stderr_text();
}

}  // namespace
}  // namespace defender::test

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (const auto missing = defender::test::missing_prerequisite(); !missing.empty()) {
        std::cout << "SKIP: " << missing << " (scripts/deps/console.list)\n";
        return defender::test::kSkip;
    }
    const int result = RUN_ALL_TESTS();
    return result == 0 && defender::test::skipped ? defender::test::kSkip : result;
}
