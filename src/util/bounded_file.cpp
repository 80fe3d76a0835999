#include "util/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.hpp"

namespace defender::util {

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
    char buffer[4096];
    while (true) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) continue;
            return cannot_read(errno);
        }
        if (got == 0) return content;
        content.append(buffer, static_cast<std::size_t>(got));
        if (content.size() > max_bytes) {
            return Error{"file " + path + " holds more than " + std::to_string(max_bytes) +
                         " bytes"};
        }
    }
}

}  // namespace defender::util
