#include "cli/config_file_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "util/file_mode.hpp"
#include "util/unique_fd.hpp"

namespace defender::cli {
namespace {

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

}  // namespace

std::optional<std::string> config_argument(const std::vector<std::string>& arguments) {
    std::optional<std::string> found;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        if (arguments[i] == "--") break;
        if (arguments[i] == "--config" && i + 1 < arguments.size()) {
            found = arguments[++i];
        } else if (arguments[i].starts_with("--config=")) {
            found = arguments[i].substr(9);
        }
    }
    return found;
}

Result<std::optional<std::string>> check_config_file(const std::string& path) {
    const std::string prefix = "--config " + path + ": ";
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) {
        const int error = errno;
        if (error == ENOENT) return Error{prefix + "no such file"};
        if (error == EACCES) return Error{prefix + "permission denied (not readable by this user)"};
        return Error{prefix + "cannot open: " + std::strerror(error)};
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0)
        return Error{prefix + "cannot read: " + std::strerror(errno)};
    if (!S_ISREG(status.st_mode))
        return Error{prefix + kind_of(status.st_mode) + ", not a configuration file"};
    if (status.st_size > kMaxConfigBytes) {
        return Error{prefix + "larger than 1 MiB (" + std::to_string(status.st_size) +
                     " bytes), not a configuration file"};
    }
    if (auto access = util::access_by_others(status.st_mode, false, true)) {
        return std::optional<std::string>("configuration file " + path + " is " + *access +
                                          " (mode " + util::octal_mode(status.st_mode) +
                                          "); its custom-metric commands run as this user: "
                                          "chmod go-w it");
    }
    return std::optional<std::string>{};
}

}  // namespace defender::cli
