// SPDX-License-Identifier: Apache-2.0
#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "temp_dir.hpp"

extern char** environ;

namespace defender::test {
namespace {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

private:
    int fd_;
};

FileDescriptor open_output(const std::filesystem::path& path) {
    const std::string target = path.empty() ? "/dev/null" : path.string();
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + target + ": " + std::strerror(errno));
    }
    return FileDescriptor(fd);
}

std::vector<std::string> merged_environment(const std::vector<std::string>& additions) {
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string variable = *entry;
        const std::string name = variable.substr(0, variable.find('=') + 1);
        bool replaced = false;
        for (const auto& addition : additions) {
            replaced = replaced || addition.starts_with(name);
        }
        if (!replaced) {
            result.push_back(std::move(variable));
        }
    }
    result.insert(result.end(), additions.begin(), additions.end());
    return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& text : strings) {
        pointers.push_back(text.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

ExitStatus decode(int wait_status) {
    ExitStatus status;
    if (WIFEXITED(wait_status)) {
        status.exited = true;
        status.code = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status)) {
        status.signal = WTERMSIG(wait_status);
    }
    return status;
}

}  // namespace

std::string ExitStatus::describe() const {
    return exited ? "exit code " + std::to_string(code)
                  : "killed by signal " + std::to_string(signal);
}

ChildProcess::ChildProcess(ProcessOptions options) : options_(std::move(options)) {
    if (options_.argv.empty()) {
        throw std::runtime_error("ChildProcess: empty argv");
    }
    FileDescriptor out = open_output(options_.stdout_path);
    FileDescriptor err = open_output(options_.stderr_path);
    // The child reports an exec failure through this pipe; exec closes it on success.
    int exec_pipe[2];
    if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    FileDescriptor exec_read(exec_pipe[0]);
    FileDescriptor exec_write(exec_pipe[1]);

    // Everything the child needs is prepared before fork: only async-signal-safe calls after.
    std::vector<std::string> arguments = options_.argv;
    std::vector<std::string> environment = merged_environment(options_.environment);
    std::vector<char*> argv = c_strings(arguments);
    std::vector<char*> envp = c_strings(environment);
    const std::string directory = options_.working_directory.string();

    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid_ == 0) {
        ::setpgid(0, 0);
        int null_input = ::open("/dev/null", O_RDONLY);
        ::dup2(null_input, STDIN_FILENO);
        ::dup2(out.get(), STDOUT_FILENO);
        ::dup2(err.get(), STDERR_FILENO);
        if (directory.empty() || ::chdir(directory.c_str()) == 0) {
            ::execvpe(argv[0], argv.data(), envp.data());
        }
        int error = errno;
        [[maybe_unused]] auto written = ::write(exec_write.get(), &error, sizeof error);
        ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here, so signals to the group work at once
    exec_write.reset();
    int exec_error = 0;
    ssize_t got = 0;
    do {
        got = ::read(exec_read.get(), &exec_error, sizeof exec_error);
    } while (got < 0 && errno == EINTR);
    if (got == sizeof exec_error) {
        reap_if_ended(true);
        throw std::runtime_error("cannot run " + options_.argv[0] + ": " +
                                 std::strerror(exec_error));
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !status_) {
        kill();
    }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : options_(std::move(other.options_)),
      pid_(std::exchange(other.pid_, -1)),
      status_(std::move(other.status_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !status_) {
            kill();
        }
        options_ = std::move(other.options_);
        pid_ = std::exchange(other.pid_, -1);
        status_ = std::move(other.status_);
    }
    return *this;
}

void ChildProcess::reap_if_ended(bool block) {
    if (pid_ <= 0 || status_) {
        return;
    }
    int wait_status = 0;
    pid_t reaped = 0;
    do {
        reaped = ::waitpid(pid_, &wait_status, block ? 0 : WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == pid_) {
        status_ = decode(wait_status);
    }
}

bool ChildProcess::running() {
    reap_if_ended(false);
    return pid_ > 0 && !status_;
}

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

void ChildProcess::send_signal(int signal_number) {
    if (running()) {
        ::kill(-pid_, signal_number);
    }
}

ExitStatus ChildProcess::stop(std::chrono::milliseconds grace) {
    send_signal(SIGTERM);
    if (auto ended = wait_for(grace)) {
        return *ended;
    }
    return kill();
}

ExitStatus ChildProcess::kill() {
    if (pid_ <= 0) {
        return ExitStatus{};
    }
    if (!status_) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);  // in case it left its group
        reap_if_ended(true);
    }
    return status_.value_or(ExitStatus{});
}

std::string ChildProcess::stdout_text() const {
    return read_file(options_.stdout_path);
}

std::string ChildProcess::stderr_text() const {
    return read_file(options_.stderr_path);
}

RunResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    TempDir output_dir("defender-run-");
    ChildProcess child(ProcessOptions{.argv = argv,
                                      .stdout_path = output_dir / "stdout",
                                      .stderr_path = output_dir / "stderr",
                                      .environment = {},
                                      .working_directory = {}});
    RunResult result;
    if (auto ended = child.wait_for(timeout)) {
        result.status = *ended;
    } else {
        result.timed_out = true;
        result.status = child.kill();
    }
    result.stdout_text = child.stdout_text();
    result.stderr_text = child.stderr_text();
    return result;
}

}  // namespace defender::test
