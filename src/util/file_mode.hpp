// SPDX-License-Identifier: Apache-2.0
#pragma once
// Words for file modes that let other users in: one wording for every file the program
// checks (private key, configuration, custom-metric programs).

#include <sys/types.h>

#include <optional>
#include <string>

namespace defender::util {

/// "readable by group and others", "writable by others", "readable by group, writable by
/// group and others": what `mode` grants group and others of reading (`read`) and writing
/// (`write`); nullopt when it grants neither.
std::optional<std::string> access_by_others(mode_t mode, bool read, bool write);

/// "0644": the permission bits of `mode` in octal.
std::string octal_mode(mode_t mode);

}  // namespace defender::util
