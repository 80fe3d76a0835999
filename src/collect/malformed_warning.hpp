// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

namespace defender {

/// `skipped 2 malformed lines in /proc/net/tcp` (singular for one line).
inline std::string malformed_warning(std::size_t lines, const std::string& path) {
    return "skipped " + std::to_string(lines) +
           (lines == 1 ? " malformed line in " : " malformed lines in ") + path;
}

}  // namespace defender
