#pragma once
// A guard for the CBOR decoder, which recurses once per nesting level: a few kilobytes of
// nested arrays would overflow the stack. Reports nest 6 levels deep.

#include <cstddef>
#include <string_view>

namespace defender {

/// Whether any item of the CBOR sequence `bytes` nests containers or tags deeper than
/// `max_depth`. Scans without recursion; stops quietly at malformed or truncated data, which
/// the decoder reports.
bool cbor_nesting_exceeds(std::string_view bytes, std::size_t max_depth);

}  // namespace defender
