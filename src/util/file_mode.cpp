// SPDX-License-Identifier: Apache-2.0
#include "util/file_mode.hpp"

#include <sys/stat.h>

#include <cstdio>

namespace defender::util {
namespace {

std::optional<std::string> who(bool group, bool others) {
    if (!group && !others) return std::nullopt;
    return group && others ? "group and others" : group ? "group" : "others";
}

}  // namespace

std::optional<std::string> access_by_others(mode_t mode, bool read, bool write) {
    std::string text;
    if (read) {
        if (auto readers = who(mode & S_IRGRP, mode & S_IROTH)) text = "readable by " + *readers;
    }
    if (write) {
        if (auto writers = who(mode & S_IWGRP, mode & S_IWOTH))
            text += (text.empty() ? "" : ", ") + std::string("writable by ") + *writers;
    }
    if (text.empty()) return std::nullopt;
    return text;
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace defender::util
