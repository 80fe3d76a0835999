// SPDX-License-Identifier: Apache-2.0
#include "cli/installed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "util/bounded_file.hpp"
#include "util/unique_fd.hpp"

namespace defender::cli {
namespace {

constexpr std::size_t kMaxInstalledBytes = 1024 * 1024;

Status write_whole(const std::filesystem::path& path, const std::string& content,
                   std::filesystem::perms mode) {
    util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             static_cast<mode_t>(mode)));
    if (!fd.valid()) return Error{"cannot write " + path.string() + ": " + std::strerror(errno)};
    // The umask may have taken bits away; the mode is what was asked for.
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0)
        return Error{"cannot set the mode of " + path.string() + ": " + std::strerror(errno)};
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Error{"cannot write " + path.string() + ": " + std::strerror(errno)};
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        return Error{"cannot write " + path.string() + ": " + std::strerror(errno)};
    return Done{};
}

bool is_number(const std::string& text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Status may_install(const std::filesystem::path& target, const std::string& content, bool replace) {
    struct stat status {};
    if (::lstat(target.c_str(), &status) != 0) return Done{};
    if (S_ISLNK(status.st_mode))
        return Error{target.string() +
                     " is a symbolic link; remove it or give another --config-dir"};
    if (!S_ISREG(status.st_mode)) return Error{target.string() + " is not a regular file"};
    if (replace) return Done{};
    auto current = util::read_bounded_file(target, kMaxInstalledBytes);
    if (current && *current == content) return Done{};
    return Error{target.string() + " exists with other content (--force replaces it, keeping " +
                 target.filename().string() + ".bak)"};
}

Result<InstallOutcome> install_file(const std::filesystem::path& target, const std::string& content,
                                    std::filesystem::perms mode) {
    struct stat status {};
    const bool exists = ::lstat(target.c_str(), &status) == 0;
    if (exists) {
        if (!S_ISREG(status.st_mode)) return Error{target.string() + " is not a regular file"};
        auto current = util::read_bounded_file(target, kMaxInstalledBytes);
        if (current && *current == content) {
            if (::chmod(target.c_str(), static_cast<mode_t>(mode)) != 0)
                return Error{"cannot set the mode of " + target.string() + ": " +
                             std::strerror(errno)};
            return InstallOutcome::unchanged;
        }
    }
    const auto temporary = target.parent_path() / ("." + target.filename().string() + ".new");
    ::unlink(temporary.c_str());  // a leftover of an interrupted run
    if (auto written = write_whole(temporary, content, mode); !written) {
        ::unlink(temporary.c_str());
        return written.error();
    }
    if (exists) {
        const auto backup = target.string() + ".bak";
        if (::rename(target.c_str(), backup.c_str()) != 0) {
            ::unlink(temporary.c_str());
            return Error{"cannot keep " + target.string() + " as " + backup + ": " +
                         std::strerror(errno)};
        }
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return Error{"cannot write " + target.string() + ": " + std::strerror(error)};
    }
    return InstallOutcome::written;
}

std::string agent_conf_with(const std::string& sample,
                            const std::vector<std::pair<std::string, std::string>>& settings) {
    std::vector<bool> placed(settings.size(), false);
    std::istringstream in(sample);
    std::string out;
    std::string line;
    while (std::getline(in, line)) {
        for (std::size_t i = 0; i < settings.size(); ++i) {
            const std::string commented = "# " + settings[i].first + " = ";
            if (!placed[i] && line.starts_with(commented)) {
                const auto& value = settings[i].second;
                line = settings[i].first + " = " + (is_number(value) ? value : quoted(value));
                placed[i] = true;
            }
        }
        out += line + "\n";
    }
    for (std::size_t i = 0; i < settings.size(); ++i) {
        if (placed[i]) continue;
        const auto& value = settings[i].second;
        out += settings[i].first + " = " + (is_number(value) ? value : quoted(value)) + "\n";
    }
    return out;
}

}  // namespace defender::cli
