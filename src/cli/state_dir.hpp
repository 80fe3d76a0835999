// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where `defender agent` keeps its state, and where `defender status` reads it.

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace defender::cli {

/// The state file's name in the state directory.
inline constexpr const char* kStateFileName = "state.json";

/// $STATE_DIRECTORY (systemd's StateDirectory=; the first of a colon-separated list); else for
/// root /var/lib/defender, and for other users $XDG_STATE_HOME/defender (by default
/// ~/.local/state/defender), a directory they can write.
inline std::string default_state_dir() {
    if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
        const std::string dirs = dir;
        return dirs.substr(0, dirs.find(':'));
    }
    if (::geteuid() == 0) return "/var/lib/defender";
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/')
        return std::string(state) + "/defender";
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::string(home) + "/.local/state/defender";
    return "/var/lib/defender";
}

}  // namespace defender::cli
