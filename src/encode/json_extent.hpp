// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where a JSON value ends, found without parsing it: how concatenated JSON texts are split, and
// the nesting guard that runs before anything recursive or costly sees the value.

#include <cstddef>
#include <string_view>

namespace defender {

/// The extent of one JSON value within a larger input.
struct JsonExtent {
    std::size_t begin = 0;         ///< its first byte (leading blanks skipped)
    std::size_t end = 0;           ///< one past its last byte; the input's size if it never ends
    std::size_t compact_size = 0;  ///< its bytes without the blanks between tokens
    std::size_t depth = 0;         ///< deepest nesting of arrays and objects (0 for a scalar)
    bool complete = false;         ///< false when the input ends inside the value
};

/// Scans the JSON value that starts at `at` (after any blanks): brackets are matched by count
/// and strings skipped, nothing else is checked, so malformed JSON gives some extent that the
/// parser then rejects. Linear in the value's length, constant memory, no recursion.
JsonExtent scan_json_value(std::string_view bytes, std::size_t at);

}  // namespace defender
