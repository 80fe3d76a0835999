// SPDX-License-Identifier: Apache-2.0
#pragma once
// `targets` of a profile (our extension): thing names or globs where `*` matches any run of
// characters; no targets means every thing.

#include <string>
#include <string_view>
#include <vector>

namespace defender::detect {

/// True when `text` matches `pattern` (`*` is any run of characters, nothing else is special).
bool glob_match(std::string_view pattern, std::string_view text);

/// True when a profile with these targets applies to `thing`.
bool applies_to(const std::vector<std::string>& targets, std::string_view thing);

}  // namespace defender::detect
