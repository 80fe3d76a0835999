// SPDX-License-Identifier: Apache-2.0
#include "util/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.hpp"

namespace defender::util {

bool read_up_to(int fd, std::size_t max_bytes, std::string& content) {
    char buffer[4096];
    while (content.size() <= max_bytes) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (got == 0) break;
        content.append(buffer, static_cast<std::size_t>(got));
    }
    return true;
}

Result<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes) {
    const auto cannot_read = [&](int error) {
        return Error{"cannot read file " + path + ": " + std::strerror(error)};
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return cannot_read(errno);
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return cannot_read(errno);
    if (!S_ISREG(status.st_mode)) return Error{"cannot read file " + path + ": not a regular file"};

    // sysfs reports 4096 bytes for every attribute, so the size is learnt by reading.
    std::string content;
    if (!read_up_to(fd.get(), max_bytes, content)) return cannot_read(errno);
    if (content.size() > max_bytes)
        return Error{"file " + path + " holds more than " + std::to_string(max_bytes) + " bytes"};
    return content;
}

}  // namespace defender::util
