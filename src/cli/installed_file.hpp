// SPDX-License-Identifier: Apache-2.0
#pragma once
// Files `defender init` puts in place: written whole or not at all (a temporary file renamed
// over the target), with the mode asked for, never through a symbolic link.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "defender/result.hpp"

namespace defender::cli {

/// What install_file() did.
enum class InstallOutcome { written, unchanged };

/// Whether install_file() may write `content` to `target`: an error for a symbolic link, a
/// non-regular file, or (without `replace`) a file with other content, e.g.
/// "/etc/defender/agent.conf exists with other content (--force replaces it, keeping
/// agent.conf.bak)". Checked for every file before any is written.
Status may_install(const std::filesystem::path& target, const std::string& content, bool replace);

/// Writes `content` to `target` with `mode` (temporary file in the same directory, fsync,
/// rename). An existing target with the same content is left as it is (its mode corrected);
/// one with other content is renamed to `<target>.bak` first (may_install() decides whether
/// that is allowed). Error: one line naming the file.
Result<InstallOutcome> install_file(const std::filesystem::path& target, const std::string& content,
                                    std::filesystem::perms mode);

/// `sample` (the commented-out agent.conf of `defender help-dump conf`) with `settings` set:
/// each `# key = ...` line of a given key becomes `key = value`; keys the sample lacks are
/// appended. Values are written as quoted strings unless they are numbers.
std::string agent_conf_with(const std::string& sample,
                            const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace defender::cli
