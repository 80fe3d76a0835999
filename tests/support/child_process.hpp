// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file child_process.hpp
/// Runs a program as a child process for tests: arguments without a shell, stdout and stderr
/// captured to files, bounded waits, and a guaranteed kill. The child gets its own process
/// group, and every signal goes to that group, so grandchildren die with it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace defender::test {

/// How a child ended.
struct ExitStatus {
    bool exited = false;  ///< true: returned `code`; false: killed by `signal`.
    int code = -1;
    int signal = 0;

    bool success() const { return exited && code == 0; }
    /// "exit code 3" / "killed by signal 9", for assertion messages.
    std::string describe() const;
};

struct ProcessOptions {
    std::vector<std::string> argv;            ///< argv[0] is looked up on PATH when it has no '/'.
    std::filesystem::path stdout_path;        ///< Truncated; "" means /dev/null.
    std::filesystem::path stderr_path;        ///< Truncated; "" means /dev/null.
    std::vector<std::string> environment;     ///< "NAME=value" added to (or replacing in) ours.
    std::filesystem::path working_directory;  ///< "" keeps ours.
};

class ChildProcess {
public:
    /// Starts the program. Throws std::runtime_error when it cannot be started (the exec
    /// failure of a missing program is reported here, not as an exit code).
    explicit ChildProcess(ProcessOptions options);
    /// Kills (SIGKILL to the group) and reaps the child if it still runs.
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    /// False once the child has ended (reaps it).
    bool running();
    /// The exit status once the child ended within `timeout`, else nullopt (still running).
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    /// Sends `signal_number` to the child's process group (no-op when it already ended).
    void send_signal(int signal_number);
    /// SIGTERM, then SIGKILL if it has not ended after `grace`; returns how it ended.
    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    /// SIGKILL at once; returns how it ended.
    ExitStatus kill();
    /// The status, once ended.
    const std::optional<ExitStatus>& status() const { return status_; }

    std::string stdout_text() const;
    std::string stderr_text() const;
    const ProcessOptions& options() const { return options_; }

private:
    void reap_if_ended(bool block);

    ProcessOptions options_;
    pid_t pid_ = -1;
    std::optional<ExitStatus> status_;
};

struct RunResult {
    ExitStatus status;
    bool timed_out = false;  ///< true: it was killed after `timeout`.
    std::string stdout_text;
    std::string stderr_text;
};

/// Runs `argv` to the end (killed after `timeout`), capturing its output.
RunResult run_process(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace defender::test
