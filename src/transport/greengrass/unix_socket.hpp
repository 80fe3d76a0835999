// SPDX-License-Identifier: Apache-2.0
#pragma once
// A connected AF_UNIX stream socket with deadline-bounded reads.

#include <chrono>
#include <optional>
#include <string>

#include "defender/result.hpp"
#include "util/unique_fd.hpp"

namespace defender::ipc {

class UnixSocket {
public:
    UnixSocket() = default;
    explicit UnixSocket(int fd) : fd_(fd) {}

    /// Connects to `path` as given (relative paths resolve from the working directory, which
    /// is how the Java nucleus hands out long socket paths).
    static Result<UnixSocket> connect(const std::string& path);

    int fd() const { return fd_.get(); }
    bool is_open() const { return fd_.valid(); }
    void close() { fd_.reset(); }

    /// Writes everything (no SIGPIPE).
    Status send_all(std::string_view bytes) const;
    /// Up to `max` bytes, waiting until `deadline`: "" on end of stream, nullopt on timeout.
    Result<std::optional<std::string>> receive(std::chrono::steady_clock::time_point deadline,
                                               std::size_t max = 65536) const;

private:
    util::UniqueFd fd_;  // the project's one file-descriptor owner
};

}  // namespace defender::ipc
