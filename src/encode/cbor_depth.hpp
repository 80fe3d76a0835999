// SPDX-License-Identifier: Apache-2.0
#pragma once
// A guard for the CBOR decoder, which recurses once per nesting level: a few kilobytes of
// nested arrays would overflow the stack. Reports nest 6 levels deep.

#include <cstddef>
#include <string_view>

namespace defender {

/// The extent of the first CBOR item of a sequence.
struct CborExtent {
    enum class Problem {
        none,
        truncated,  ///< the input ends inside the item
        reserved,   ///< a header uses additional information 28-30 (at `at`)
        too_deep,   ///< containers or tags nest deeper than the limit (at `at`)
    };
    std::size_t size = 0;  ///< its bytes; 0 when there is a problem
    Problem problem = Problem::none;
    std::size_t at = 0;  ///< the offset of the problem
};

/// Finds where the first item of `bytes` ends, without recursion, stopping at the first header
/// that nests containers or tags deeper than `max_depth` (memory stays within the limit).
/// Checks only the framing: the decoder checks the rest within the extent.
CborExtent scan_cbor_item(std::string_view bytes, std::size_t max_depth);

/// Whether any item of the CBOR sequence `bytes` nests containers or tags deeper than
/// `max_depth`. Scans item by item (linear); stops quietly at malformed or truncated data,
/// which the decoder reports.
bool cbor_nesting_exceeds(std::string_view bytes, std::size_t max_depth);

}  // namespace defender
