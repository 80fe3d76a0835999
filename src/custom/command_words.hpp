// SPDX-License-Identifier: Apache-2.0
#pragma once
// Splits the `command=` text of a custom-metric definition into arguments, without a shell.

#include <string>
#include <string_view>
#include <vector>

#include "defender/result.hpp"

namespace defender {

/// Words separated by spaces or tabs; '...' and "..." keep spaces, a backslash outside single
/// quotes takes the next character literally. Nothing is expanded. Fails on an unclosed quote
/// or a trailing backslash.
Result<std::vector<std::string>> split_command_words(std::string_view text);

}  // namespace defender
