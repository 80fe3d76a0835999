// SPDX-License-Identifier: Apache-2.0
// `defender init`: from a new device's credentials to a running agent. Asks for what is missing
// (on a terminal), checks the settings by publishing one report and waiting for Device
// Defender's answer, and only then installs the credentials and agent.conf and starts the
// service.

#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "agent/state_file.hpp"
#include "cli/commands.hpp"
#include "cli/config_file_check.hpp"
#include "cli/help_dump.hpp"
#include "cli/installed_file.hpp"
#include "cli/option_checks.hpp"
#include "cli/state_dir.hpp"
#include "defender/topics.hpp"
#include "util/bounded_file.hpp"

extern char** environ;

namespace defender::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Where the packaged defender-agent.service loads the credentials from (LoadCredential=).
constexpr const char* kServiceConfigDir = "/etc/defender";
constexpr const char* kServiceUnit = "defender-agent.service";
constexpr const char* kRootCaName = "AmazonRootCA1.pem";
constexpr const char* kCertName = "device.pem.crt";
constexpr const char* kKeyName = "private.pem.key";

struct InitArgs {
    std::string endpoint;
    unsigned port = 0;
    std::string thing_name;
    std::string client_id;
    std::string cert;
    std::string key;
    std::string root_ca;
    std::string config_dir = kServiceConfigDir;
    bool interactive = false;
    bool no_check = false;
    unsigned check_timeout = 90;
    bool no_start = false;
    bool force = false;
};

struct Question {
    const char* option;  ///< e.g. "--endpoint"
    const char* prompt;
    std::string* value;
};

std::string check_endpoint(std::string value) {
    return host_name_only()(value);
}

std::string check_thing(const std::string& value) {
    if (value.empty()) return "the thing name is empty";
    auto topic = make_topic(value, Format::json, TopicKind::publish);
    return topic ? "" : topic.error().message;
}

std::string check_pem(const std::string& option, const std::string& path, const char* marker) {
    if (path.empty()) return option + " is empty";
    auto text = util::read_bounded_file(path, 1024 * 1024);
    if (!text) return option + " " + path + ": " + text.error().message;
    if (text->find(marker) == std::string::npos)
        return option + " " + path + ": not a PEM file with " + marker;
    return {};
}

std::string check_answer(const std::string& option, const std::string& value) {
    if (option == "--endpoint") return check_endpoint(value);
    if (option == "--thing-name") return check_thing(value);
    if (option == "--key") return check_pem(option, value, "PRIVATE KEY-----");
    return check_pem(option, value, "-----BEGIN CERTIFICATE-----");
}

// Asks for each missing value on standard input (three tries each); false when input ended.
bool ask(const std::vector<Question>& questions) {
    for (const auto& question : questions) {
        if (!question.value->empty()) continue;
        for (int attempt = 0;; ++attempt) {
            std::cerr << question.prompt << ": " << std::flush;
            std::string answer;
            if (!std::getline(std::cin, answer)) {
                std::cerr << "\n";
                spdlog::error("init: no answer for {}", question.option);
                return false;
            }
            answer.erase(0, answer.find_first_not_of(" \t"));
            answer.erase(answer.find_last_not_of(" \t\r") + 1);
            const std::string problem = check_answer(question.option, answer);
            if (problem.empty()) {
                *question.value = answer;
                break;
            }
            std::cerr << "  " << problem << "\n";
            if (attempt == 2) {
                spdlog::error("init: {}", problem);
                return false;
            }
        }
    }
    return true;
}

std::string self_executable() {
    std::error_code error;
    const auto path = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("defender") : path.string();
}

// Runs `argv` with our standard output and error, calling `while_running` every 50 ms; its
// exit code, or nothing when it had to be stopped at `timeout` (or could not start).
std::optional<int> run_for(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                           const std::function<void()>& while_running = {}) {
    std::vector<char*> pointers;
    for (const auto& word : argv)
        pointers.push_back(const_cast<char*>(word.c_str()));
    pointers.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, pointers[0], nullptr, nullptr, pointers.data(), environ) != 0)
        return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    bool stopped = false;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) return std::nullopt;
        if (!stopped && std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGTERM);
            stopped = true;
        }
        if (while_running) while_running();
        std::this_thread::sleep_for(50ms);
    }
    if (stopped || !WIFEXITED(status)) return std::nullopt;
    return WEXITSTATUS(status);
}

// A private temporary directory, removed at the end of the scope.
class TemporaryDir {
public:
    TemporaryDir() {
        std::string pattern = (fs::temp_directory_path() / "defender-init-XXXXXX").string();
        if (::mkdtemp(pattern.data())) path_ = pattern;
    }
    ~TemporaryDir() {
        std::error_code ignored;
        if (!path_.empty()) fs::remove_all(path_, ignored);
    }
    TemporaryDir(const TemporaryDir&) = delete;
    TemporaryDir& operator=(const TemporaryDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Publishes one report with the given settings through `defender agent` and reads the
// outcome from its state file: kExitOk only when Device Defender accepted it.
int run_check(const InitArgs& args) {
    TemporaryDir state;
    if (state.path().empty()) {
        spdlog::error("init: cannot make a temporary directory: {}", std::strerror(errno));
        return kExitCannotRun;
    }
    std::vector<std::string> argv{self_executable(), "agent",
                                  "--endpoint",      args.endpoint,
                                  "--thing-name",    args.thing_name,
                                  "--root-ca",       args.root_ca,
                                  "--cert",          args.cert,
                                  "--key",           args.key,
                                  "--exit-after",    "1",
                                  "--reply-timeout", std::to_string(args.check_timeout),
                                  "--state-dir",     state.path().string()};
    if (args.port) argv.insert(argv.end(), {"--port", std::to_string(args.port)});
    if (!args.client_id.empty()) argv.insert(argv.end(), {"--client-id", args.client_id});
    spdlog::info("checking: publishing one report to {} as thing {} (up to {} s)", args.endpoint,
                 args.thing_name, args.check_timeout);
    // The agent clears its last error when it stops: it is read while the agent runs.
    std::string last_error;
    const auto state_file = state.path() / kStateFileName;
    const auto code = run_for(argv, std::chrono::seconds(args.check_timeout + 5), [&] {
        auto running = load_state(state_file);
        if (running && running->status && !running->status->status.last_error.empty())
            last_error = running->status->status.last_error;
    });
    if (code == kExitUsage) {
        spdlog::error("init: the agent refused these settings (see above); nothing was installed");
        return kExitUsage;
    }
    auto saved = load_state(state_file);
    const AgentStatus* status = saved && saved->status ? &saved->status->status : nullptr;
    if (status && status->last_outcome == ReportOutcome::accepted) {
        spdlog::info("check passed: report {} was accepted by Device Defender",
                     status->last_report_id);
        return kExitOk;
    }
    if (status && status->last_outcome == ReportOutcome::rejected) {
        spdlog::error("init: check failed: report {} was rejected: {}; nothing was installed",
                      status->last_report_id, status->last_report_detail);
    } else if (status && status->last_outcome == ReportOutcome::unanswered) {
        spdlog::error(
            "init: check failed: the broker took the report but no reply came within {} s (is "
            "Device Defender reachable for this account and region?); nothing was installed",
            args.check_timeout);
    } else {
        spdlog::error(
            "init: check failed: no report reached Device Defender within {} s{}; nothing was "
            "installed",
            args.check_timeout, last_error.empty() ? "" : " (" + last_error + ")");
    }
    // The same settings, step by step: where the path breaks and what to do about it.
    std::string doctor = "defender doctor -e " + args.endpoint + " -t " + args.thing_name + " -r " +
                         args.root_ca + " -c " + args.cert + " -k " + args.key;
    if (args.port) doctor += " -p " + std::to_string(args.port);
    if (!args.client_id.empty()) doctor += " --client-id " + args.client_id;
    spdlog::info("to see which step fails and why: {}", doctor);
    return kExitInvalid;
}

bool unit_installed() {
    for (const char* dir :
         {"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}) {
        if (fs::exists(fs::path(dir) / kServiceUnit)) return true;
    }
    return false;
}

int install(const InitArgs& args, const CLI::App& root, bool for_service) {
    const fs::path dir = args.config_dir;
    const fs::path certs = dir / "certs";
    std::error_code error;
    fs::create_directories(certs, error);
    if (error) {
        spdlog::error("init: cannot create {}: {}", certs.string(), error.message());
        return kExitCannotRun;
    }
    fs::permissions(certs, fs::perms::owner_all, error);
    const auto readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::others_read;
    struct Copy {
        std::string from;
        const char* name;
        fs::perms mode;
    };
    struct Planned {
        fs::path target;
        std::string content;
        fs::perms mode;
        bool replace;
    };
    std::vector<Planned> planned;
    const Copy copies[] = {{args.root_ca, kRootCaName, readable},
                           {args.cert, kCertName, readable},
                           {args.key, kKeyName, fs::perms::owner_read | fs::perms::owner_write}};
    for (const auto& copy : copies) {
        auto content = util::read_bounded_file(copy.from, 1024 * 1024);
        if (!content) {
            spdlog::error("init: cannot read {}: {}", copy.from, content.error().message);
            return kExitCannotRun;
        }
        planned.push_back({certs / copy.name, std::move(*content), copy.mode, args.force});
    }

    std::vector<std::pair<std::string, std::string>> settings{{"endpoint", args.endpoint},
                                                              {"thing-name", args.thing_name}};
    if (args.port) settings.emplace_back("port", std::to_string(args.port));
    if (!args.client_id.empty()) settings.emplace_back("client-id", args.client_id);
    // The packaged unit passes the credentials itself (LoadCredential=): naming them here too
    // would only earn a warning at every start.
    if (!for_service) {
        settings.emplace_back("root-ca", (certs / kRootCaName).string());
        settings.emplace_back("cert", (certs / kCertName).string());
        settings.emplace_back("key", (certs / kKeyName).string());
    }
    std::ostringstream sample;
    write_sample_config(root, sample);
    const fs::path conf = dir / "agent.conf";
    // The packaged file, all commented out, is replaced without --force (kept as .bak).
    const bool untouched = fs::is_regular_file(conf) && config_keys(conf.string()).empty();
    planned.push_back(
        {conf, agent_conf_with(sample.str(), settings), readable, args.force || untouched});

    // Every conflict is found before anything is written.
    for (const auto& file : planned) {
        if (auto allowed = may_install(file.target, file.content, file.replace); !allowed) {
            spdlog::error("init: {}", allowed.error().message);
            return kExitUsage;
        }
    }
    for (const auto& file : planned) {
        auto done = install_file(file.target, file.content, file.mode);
        if (!done) {
            spdlog::error("init: {}", done.error().message);
            return kExitCannotRun;
        }
        spdlog::info("{} {}", *done == InstallOutcome::written ? "wrote" : "kept",
                     file.target.string());
    }
    return kExitOk;
}

int start_service() {
    // A running agent (an earlier set-up) must read the new files: it is restarted. One that
    // is not running is only started (restarting it right after its start would throw away
    // its first connection and report).
    const bool running =
        run_for({"/bin/systemctl", "is-active", "--quiet", kServiceUnit}, 120s) == 0;
    spdlog::info("enabling and {} {}", running ? "restarting" : "starting", kServiceUnit);
    const auto code = run_for({"/bin/systemctl", "enable", "--now", kServiceUnit}, 120s);
    if (code != 0) {
        spdlog::error("init: systemctl enable --now {} failed; `systemctl status {}` says why",
                      kServiceUnit, kServiceUnit);
        return kExitCannotRun;
    }
    if (running) run_for({"/bin/systemctl", "try-restart", kServiceUnit}, 120s);
    spdlog::info(
        "started: `systemctl status {}` and `defender status` show how it goes (its first "
        "report may be throttled, coming less than 5 min after the check's; the next one "
        "follows an interval later)",
        kServiceUnit);
    return kExitOk;
}

int run_init(InitArgs args, const CLI::App& root) {
    const std::vector<Question> questions{
        {"--endpoint", "AWS IoT endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS)",
         &args.endpoint},
        {"--thing-name", "Thing name", &args.thing_name},
        {"--cert", "Device certificate file (PEM)", &args.cert},
        {"--key", "Private key file (PEM)", &args.key},
        {"--root-ca", "Root CA file (PEM, e.g. AmazonRootCA1.pem)", &args.root_ca},
    };
    if (args.interactive || ::isatty(STDIN_FILENO)) {
        if (!ask(questions)) return kExitUsage;
    }
    std::string missing;
    for (const auto& question : questions) {
        if (question.value->empty())
            missing += std::string(missing.empty() ? "" : ", ") + question.option;
    }
    if (!missing.empty()) {
        spdlog::error(
            "init needs --endpoint, --thing-name, --cert, --key and --root-ca (missing: {}); on "
            "a terminal it asks for them",
            missing);
        return kExitUsage;
    }
    for (const auto& question : questions) {
        if (auto problem = check_answer(question.option, *question.value); !problem.empty()) {
            spdlog::error("init: {}", problem);
            return kExitUsage;
        }
    }
    if (!args.no_check) {
        if (const int checked = run_check(args); checked != kExitOk) return checked;
    }
    const bool systemd = fs::exists("/run/systemd/system");
    const bool for_service = fs::path(args.config_dir) == kServiceConfigDir && unit_installed();
    if (const int installed = install(args, root, for_service); installed != kExitOk)
        return installed;
    if (for_service && systemd && !args.no_start) return start_service();
    const fs::path conf = fs::path(args.config_dir) / "agent.conf";
    if (for_service) {
        spdlog::info("done; start the agent with: systemctl enable --now {}", kServiceUnit);
    } else {
        spdlog::info("done; start the agent with: defender agent --config {}", conf.string());
    }
    return kExitOk;
}

}  // namespace

void add_init_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<InitArgs>();
    CLI::App* command = app.add_subcommand(
        "init",
        "Set up the agent: check the endpoint and credentials by publishing one report, then "
        "install them and agent.conf and start the service");
    command
        ->add_option("-e,--endpoint", args->endpoint,
                     "AWS IoT data endpoint (asked for on a terminal)")
        ->check(host_name_only());
    command->add_option("-p,--port", args->port, "Broker port (default 8883)")
        ->check(CLI::Range(1, 65535));
    command->add_option("-t,--thing-name", args->thing_name, "Thing name (asked for on a terminal)")
        ->check(non_empty("thing name"));
    command->add_option("--client-id", args->client_id, "MQTT client id (default: the thing name)")
        ->check(non_empty("client id"));
    command->add_option("-c,--cert", args->cert, "Device certificate (PEM) to install");
    command->add_option("-k,--key", args->key, "Its private key (PEM) to install");
    command->add_option("-r,--root-ca", args->root_ca, "Root CA certificate (PEM) to install");
    command
        ->add_option("--config-dir", args->config_dir,
                     "Where agent.conf and certs/ go (the packaged service reads "
                     "/etc/defender)")
        ->capture_default_str();
    command->add_flag("--interactive", args->interactive,
                      "Ask for missing values even when standard input is not a terminal");
    command->add_flag("--no-check", args->no_check, "Install without publishing a report first");
    command
        ->add_option("--check-timeout", args->check_timeout,
                     "Seconds the check waits for Device Defender's reply")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    command->add_flag("--no-start", args->no_start, "Do not enable and start the service");
    command->add_flag("--force", args->force,
                      "Replace existing files with other content (kept as <name>.bak)");
    command->footer(
        "Exit codes: 0 set up, 1 the check failed (nothing installed), 2 bad or missing "
        "settings, 3 files could not be written or the service not started.");
    command->callback([args, &app, &exit_code] { exit_code = run_init(*args, app); });
}

}  // namespace defender::cli
