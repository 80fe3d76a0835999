#include "custom/source_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collect/netlink_fd.hpp"

namespace defender {

Result<std::string> read_source_file(const FileSource& file) {
    const auto cannot_read = [&](int error) {
        return Error{"cannot read file " + file.path + ": " + std::strerror(error)};
    };
    netlink::UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return cannot_read(errno);
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return cannot_read(errno);
    if (!S_ISREG(status.st_mode))
        return Error{"cannot read file " + file.path + ": not a regular file"};

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
        if (content.size() > file.max_bytes) {
            return Error{"file " + file.path + " holds more than " +
                         std::to_string(file.max_bytes) + " bytes"};
        }
    }
}

}  // namespace defender
