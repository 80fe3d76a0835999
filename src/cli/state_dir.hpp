#pragma once
// Where `defender agent` keeps its state, and where `defender status` reads it.

#include <cstdlib>
#include <string>

namespace defender::cli {

/// The state file's name in the state directory.
inline constexpr const char* kStateFileName = "state.json";

/// $STATE_DIRECTORY (systemd's StateDirectory=; the first of a colon-separated list), else
/// /var/lib/defender.
inline std::string default_state_dir() {
    if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
        const std::string dirs = dir;
        return dirs.substr(0, dirs.find(':'));
    }
    return "/var/lib/defender";
}

}  // namespace defender::cli
