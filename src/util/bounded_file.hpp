// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a small file whole without ever blocking on it or reading it without end: FIFOs,
// devices and directories are refused, and reading stops past a size limit.

#include <cstddef>
#include <string>

#include "defender/result.hpp"

namespace defender::util {

/// Appends what `fd` holds, to its end, to `content`, and stops early once `content` holds
/// more than `max_bytes` (the caller tells by its size). False, with errno set, on a read
/// error.
bool read_up_to(int fd, std::size_t max_bytes, std::string& content);

/// The content of the regular file `path`, or an error naming the file: "cannot read file P:
/// <reason>" (not a regular file, permission denied, ...) or "file P holds more than N bytes".
Result<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes);

}  // namespace defender::util
