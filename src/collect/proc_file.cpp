// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/unique_fd.hpp"

namespace defender {
namespace {

int open_for_reading(const std::string& path) {
    int fd;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

/// read(2) retrying EINTR; -1 with errno set on failure.
ssize_t read_some(int fd, char* buffer, std::size_t size) {
    ssize_t count;
    do {
        count = ::read(fd, buffer, size);
    } while (count < 0 && errno == EINTR);
    return count;
}

/// Appends as much of `piece` as fits within kMaxLineLength.
void append_capped(std::string& line, std::string_view piece) {
    line.append(piece.substr(0, kMaxLineLength - std::min(kMaxLineLength, line.size())));
}

}  // namespace

std::string cannot_read_message(const std::string& path, int error_number) {
    return "cannot read " + path + ": " + std::strerror(error_number);
}

int for_each_line(const std::string& path, const std::function<void(std::string_view)>& on_line,
                  std::size_t chunk_size) {
    const util::UniqueFd file(open_for_reading(path));
    if (file.get() < 0) {
        return errno;
    }
    std::vector<char> buffer(chunk_size == 0 ? 1 : chunk_size);
    // The start of a line that continues in the next chunk.
    std::string partial;
    for (;;) {
        const ssize_t count = read_some(file.get(), buffer.data(), buffer.size());
        if (count < 0) {
            return errno;
        }
        if (count == 0) {
            break;
        }
        std::string_view chunk(buffer.data(), static_cast<std::size_t>(count));
        for (auto newline = chunk.find('\n'); newline != std::string_view::npos;
             newline = chunk.find('\n')) {
            if (partial.empty()) {
                on_line(chunk.substr(0, std::min(newline, kMaxLineLength)));
            } else {
                append_capped(partial, chunk.substr(0, newline));
                on_line(partial);
                partial.clear();
            }
            chunk.remove_prefix(newline + 1);
        }
        append_capped(partial, chunk);
    }
    if (!partial.empty()) {
        on_line(partial);
    }
    return 0;
}

Result<std::string> read_small_file(const std::string& path) {
    const util::UniqueFd file(open_for_reading(path));
    if (file.get() < 0) {
        return Error{cannot_read_message(path, errno)};
    }
    std::string content;
    constexpr std::size_t kStep = 16 * 1024;
    for (;;) {
        if (content.size() > kMaxSmallFileSize) {
            return Error{cannot_read_message(path, EFBIG)};
        }
        const auto used = content.size();
        content.resize(used + kStep);
        const ssize_t count = read_some(file.get(), content.data() + used, kStep);
        if (count < 0) {
            return Error{cannot_read_message(path, errno)};
        }
        content.resize(used + static_cast<std::size_t>(count));
        if (count == 0) {
            return content;
        }
    }
}

}  // namespace defender
