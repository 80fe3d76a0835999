// SPDX-License-Identifier: Apache-2.0
#include "custom/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "report/data_rules.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace defender {
namespace {

using Clock = std::chrono::steady_clock;
using util::UniqueFd;

constexpr std::size_t kMaxStderrBytes = 4096;
constexpr std::size_t kReadChunk = 4096;
constexpr auto kExitPollInterval = std::chrono::milliseconds(5);

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return Error{std::string("cannot create a pipe: ") + std::strerror(errno)};
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// posix_spawn attributes and file actions, destroyed on every path.
class SpawnSetup {
public:
    SpawnSetup(int stdout_fd, int stderr_fd) {
        ::posix_spawn_file_actions_init(&actions_);
        ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        ::posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
        ::posix_spawnattr_init(&attributes_);
        // Own process group, so a timeout kills the grandchildren too; the agent blocks its
        // stop signals and those masks and dispositions would otherwise be inherited.
        sigset_t none;
        sigset_t all;
        sigemptyset(&none);
        sigfillset(&all);
        ::posix_spawnattr_setsigmask(&attributes_, &none);
        ::posix_spawnattr_setsigdefault(&attributes_, &all);
        ::posix_spawnattr_setpgroup(&attributes_, 0);
        ::posix_spawnattr_setflags(
            &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions_);
        ::posix_spawnattr_destroy(&attributes_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    const posix_spawn_file_actions_t* actions() const { return &actions_; }
    const posix_spawnattr_t* attributes() const { return &attributes_; }

private:
    posix_spawn_file_actions_t actions_;
    posix_spawnattr_t attributes_;
};

// The child process: killed with its group and reaped unless it was reaped already.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (!reaped_) kill_group();
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // True once the child exited (not reaped yet, so its group id stays reserved).
    bool has_exited() const {
        siginfo_t info{};
        return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == pid_;
    }
    void kill_group() {
        ::kill(-pid_, SIGKILL);
        reap();
    }
    int last_status() const { return status_; }

private:
    void reap() {
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }

    pid_t pid_;
    bool reaped_ = false;
    int status_ = 0;
};

std::string describe(const CommandSource& command) {
    std::string text = "command";
    for (const auto& word : command.argv)
        text +=
            " " + (word.find_first_of(" \t\"'\\") == std::string::npos ? word : in_quotes(word));
    return text;
}

std::string first_line(const std::string& text) {
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) return {};
    const auto end = text.find_first_of("\r\n", start);
    return text.substr(start, end == std::string::npos ? end : end - start);
}

std::string seconds_text(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left, 1000));
}

enum class Outcome { finished, timed_out, too_much_output, cancelled };

bool cancelled(int cancel_fd) {
    if (cancel_fd < 0) return false;
    pollfd fd{cancel_fd, POLLIN, 0};
    return ::poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) != 0;
}

// Reads both pipes until they close, the deadline passes, stdout exceeds its cap or
// `cancel_fd` becomes readable.
Outcome drain(UniqueFd& out, UniqueFd& err, int cancel_fd, std::size_t max_output,
              Clock::time_point deadline, std::string& output, std::string& errors) {
    char buffer[kReadChunk];
    while (out.valid() || err.valid()) {
        pollfd fds[3] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}, {cancel_fd, POLLIN, 0}};
        if (Clock::now() >= deadline) return Outcome::timed_out;
        const int ready = ::poll(fds, 3, remaining_ms(deadline));
        if (ready < 0 && errno != EINTR) return Outcome::timed_out;
        if (fds[2].revents & POLLIN) return Outcome::cancelled;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR) continue;
            UniqueFd& fd = i == 0 ? out : err;
            if (got <= 0) {
                fd.reset();
                continue;
            }
            std::string& sink = i == 0 ? output : errors;
            const std::size_t cap = i == 0 ? max_output + 1 : kMaxStderrBytes;
            sink.append(buffer,
                        std::min(static_cast<std::size_t>(got), cap - std::min(cap, sink.size())));
            if (i == 0 && output.size() > max_output) return Outcome::too_much_output;
        }
    }
    return Outcome::finished;
}

}  // namespace

std::vector<std::string> command_environment(const CommandSource& command, char** from) {
    std::vector<std::string> names{"PATH", "LANG", "HOME", "TZ"};
    names.insert(names.end(), command.environment.begin(), command.environment.end());
    std::vector<std::string> environment;
    bool has_path = false;
    for (const auto& name : names) {
        for (char** entry = from; entry && *entry; ++entry) {
            const std::string_view variable(*entry);
            if (variable.size() > name.size() && variable.starts_with(name) &&
                variable[name.size()] == '=') {
                environment.emplace_back(variable);
                has_path = has_path || name == "PATH";
                break;
            }
        }
    }
    if (!has_path) environment.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
    return environment;
}

Result<std::string> run_command(const CommandSource& command, int cancel_fd) {
    if (cancelled(cancel_fd)) return Error{describe(command) + " not started: stopping"};
    const auto deadline = Clock::now() + command.timeout;
    auto out = make_pipe();
    if (!out) return out.error();
    auto err = make_pipe();
    if (!err) return err.error();

    std::vector<char*> argv;
    for (const auto& word : command.argv)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    // Not the agent's own environment: it may hold AWS credentials and proxy passwords.
    const auto environment = command_environment(command, environ);
    std::vector<char*> envp;
    for (const auto& variable : environment)
        envp.push_back(const_cast<char*>(variable.c_str()));
    envp.push_back(nullptr);

    pid_t pid = -1;
    {
        const SpawnSetup setup(out->write_end.get(), err->write_end.get());
        const int error = ::posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(),
                                         argv.data(), envp.data());
        if (error != 0)
            return Error{"cannot run " + describe(command) + ": " + std::strerror(error)};
    }
    Child child(pid);
    out->write_end.reset();
    err->write_end.reset();

    std::string output;
    std::string errors;
    auto outcome = drain(out->read_end, err->read_end, cancel_fd, command.max_output_bytes,
                         deadline, output, errors);
    // Output closed; the process may still run (it closed its stdout, or a grandchild holds it).
    while (outcome == Outcome::finished && !child.has_exited()) {
        if (Clock::now() >= deadline)
            outcome = Outcome::timed_out;
        else if (cancelled(cancel_fd))
            outcome = Outcome::cancelled;
        else
            std::this_thread::sleep_for(kExitPollInterval);
    }
    if (outcome == Outcome::cancelled) {
        child.kill_group();
        return Error{describe(command) + " killed: stopping"};
    }
    if (outcome == Outcome::timed_out) {
        child.kill_group();
        return Error{describe(command) + " timed out after " + seconds_text(command.timeout) +
                     " (killed)"};
    }
    if (outcome == Outcome::too_much_output) {
        child.kill_group();
        return Error{describe(command) + " printed more than " +
                     std::to_string(command.max_output_bytes) + " bytes (killed)"};
    }
    // The command exited (a zombie still, so its process group id is not reused): what it
    // left running in its group goes too.
    child.kill_group();
    const int status = child.last_status();
    const auto detail = first_line(errors);
    const auto suffix = detail.empty() ? std::string() : ": " + detail;
    if (WIFSIGNALED(status)) {
        return Error{describe(command) + " was killed by signal " +
                     std::to_string(WTERMSIG(status)) + suffix};
    }
    if (WEXITSTATUS(status) != 0) {
        return Error{describe(command) + " exited with status " +
                     std::to_string(WEXITSTATUS(status)) + suffix};
    }
    return output;
}

}  // namespace defender
