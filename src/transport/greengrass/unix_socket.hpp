// SPDX-License-Identifier: Apache-2.0
#pragma once
// A connected AF_UNIX stream socket with deadline-bounded reads.

#include <chrono>
#include <optional>
#include <string>

#include "defender/result.hpp"

namespace defender::ipc {

class UnixSocket {
public:
    UnixSocket() = default;
    explicit UnixSocket(int fd) : fd_(fd) {}
    ~UnixSocket() { close(); }
    UnixSocket(UnixSocket&& other) noexcept : fd_(other.release()) {}
    UnixSocket& operator=(UnixSocket&& other) noexcept;
    UnixSocket(const UnixSocket&) = delete;
    UnixSocket& operator=(const UnixSocket&) = delete;

    /// Connects to `path` as given (relative paths resolve from the working directory, which
    /// is how the Java nucleus hands out long socket paths).
    static Result<UnixSocket> connect(const std::string& path);

    int fd() const { return fd_; }
    bool is_open() const { return fd_ >= 0; }
    void close();
    int release();

    /// Writes everything (no SIGPIPE).
    Status send_all(std::string_view bytes) const;
    /// Up to `max` bytes, waiting until `deadline`: "" on end of stream, nullopt on timeout.
    Result<std::optional<std::string>> receive(std::chrono::steady_clock::time_point deadline,
                                               std::size_t max = 65536) const;

private:
    int fd_ = -1;
};

}  // namespace defender::ipc
