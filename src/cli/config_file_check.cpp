// SPDX-License-Identifier: Apache-2.0
#include "cli/config_file_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <algorithm>

#include "cli/suggestions.hpp"
#include "util/bounded_file.hpp"
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

std::vector<std::pair<std::string, std::size_t>> config_keys(const std::string& path) {
    std::vector<std::pair<std::string, std::size_t>> keys;
    auto text = util::read_bounded_file(path, static_cast<std::size_t>(kMaxConfigBytes));
    if (!text) return keys;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text->size()) {
        const auto end = text->find('\n', start);
        const std::string line = text->substr(start, end == std::string::npos ? end : end - start);
        ++number;
        const auto first = line.find_first_not_of(" \t");
        const auto equals = line.find('=');
        if (first != std::string::npos && line[first] != '#' && line[first] != ';' &&
            line[first] != '[' && equals != std::string::npos && equals > first) {
            std::string name = line.substr(first, equals - first);
            name.erase(name.find_last_not_of(" \t") + 1);
            std::replace(name.begin(), name.end(), '_', '-');
            keys.emplace_back(name, number);
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return keys;
}

ConfigErrorPlace locate_config_error(const std::string& path, const std::string& message,
                                     const std::vector<std::string>& arguments,
                                     const std::vector<std::string>& known_keys) {
    // CLI11's words: "INI was not able to parse agent.intervl" (unknown key, with the section
    // it was filed under) or "--interval: Value abc is not a number" (a bad value).
    std::string key;
    bool unknown = false;
    if (const auto at = message.find("not able to parse "); at != std::string::npos) {
        key = message.substr(at + 18);
        key = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
        unknown = true;
    } else if (message.starts_with("--")) {
        key = message.substr(2, message.find(':') - 2);
        for (const auto& argument : arguments) {
            if (argument == "--" + key || argument.starts_with("--" + key + "=")) return {};
        }
    }
    std::replace(key.begin(), key.end(), '_', '-');
    if (key.empty() || key.find_first_of(" \t") != std::string::npos) return {};
    for (const auto& [name, number] : config_keys(path)) {
        if (name != key) continue;
        ConfigErrorPlace place{path + ":" + std::to_string(number) + ": ", ""};
        if (unknown) {
            place.suggestion = removed_option_hint(key);
            if (auto near = nearest_name(key, known_keys); near && place.suggestion.empty())
                place.suggestion = " (did you mean " + *near + "?)";
        }
        return place;
    }
    return {};
}

}  // namespace defender::cli
