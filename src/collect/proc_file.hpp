// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading procfs files: whole (small files) or line by line in fixed-size chunks (large ones),
// with open/read and no stdio buffering.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "defender/result.hpp"

namespace defender {

/// Longer lines are cut to this length (procfs lines are far shorter), bounding memory.
inline constexpr std::size_t kMaxLineLength = 64 * 1024;
/// Larger files are refused by read_small_file.
inline constexpr std::size_t kMaxSmallFileSize = 16 * 1024 * 1024;

/// `cannot read <path>: <strerror(error_number)>`.
std::string cannot_read_message(const std::string& path, int error_number);

/// Calls `on_line` for every line of the file (without its '\n'; a last line without one
/// included), reading `chunk_size` bytes at a time so memory stays bounded
/// (lines longer than kMaxLineLength are cut).
/// Returns 0 on success, else the errno of the failed open or read.
int for_each_line(const std::string& path, const std::function<void(std::string_view)>& on_line,
                  std::size_t chunk_size = 64 * 1024);

/// The whole file; for small files such as `/proc/stat` and `/proc/net/dev`.
/// Fails with `cannot read <path>: <reason>` (`File too large` above kMaxSmallFileSize).
Result<std::string> read_small_file(const std::string& path);

}  // namespace defender
