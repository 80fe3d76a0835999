// SPDX-License-Identifier: Apache-2.0
#pragma once
// Text from peers (brokers, reports, replies) made safe for a log line or an output line:
// no control character reaches a terminal or starts a forged line.

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace defender::util {

/// `text` with every control character (bytes below 0x20, and 0x7f) written as `\n`, `\r`,
/// `\t` or `\xNN`; past `max_bytes` of input the rest is replaced by "…(N more bytes)". Bytes
/// of 0x80 and above (UTF-8) are kept, and so are backslashes: escaping them too would double
/// them in a line escaped twice (by the agent, then by the log sink).
std::string printable(std::string_view text,
                      std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

/// The limit the agent and the emulator apply to one peer string in a log line.
inline constexpr std::size_t kMaxPeerTextBytes = 256;

}  // namespace defender::util
