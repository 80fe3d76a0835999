// SPDX-License-Identifier: Apache-2.0
#pragma once
// What --config FILE must be before CLI11 reads it: a regular file of a sane size. CLI11
// opens the path with a plain ifstream, which blocks forever on a FIFO and reads /dev/zero
// until memory runs out, and calls a file it may not read "missing".

#include <optional>
#include <string>
#include <vector>

#include "defender/result.hpp"

namespace defender::cli {

/// Largest configuration file read.
inline constexpr long long kMaxConfigBytes = 1024 * 1024;

/// The value of --config in `arguments` (after the program name), if any.
std::optional<std::string> config_argument(const std::vector<std::string>& arguments);

/// Fails when `path` cannot be opened, is not a regular file or is larger than
/// kMaxConfigBytes; the value is a warning when group or others may write it (its
/// `command=` metrics run as the agent's user).
Result<std::optional<std::string>> check_config_file(const std::string& path);

/// The keys set in the configuration file `path` (as written, `_` spelled `-`), with their
/// line numbers: "interval" -> 4.
std::vector<std::pair<std::string, std::size_t>> config_keys(const std::string& path);

/// For a parse error about a setting that comes from the configuration file `path` (not from
/// `arguments`, which win over the file): "agent.conf:12: " and, for an unknown key, the
/// nearest of `known_keys` as " (did you mean interval?)". Empty strings when the error is
/// not about a line of the file.
struct ConfigErrorPlace {
    std::string prefix;
    std::string suggestion;
};
ConfigErrorPlace locate_config_error(const std::string& path, const std::string& message,
                                     const std::vector<std::string>& arguments,
                                     const std::vector<std::string>& known_keys);

}  // namespace defender::cli
