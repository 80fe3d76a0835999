// SPDX-License-Identifier: Apache-2.0
#pragma once
// CRC-32 of zlib/gzip (ISO-HDLC): reflected polynomial 0xEDB88320, init and final XOR ~0. It
// checks event-stream frames (Greengrass IPC) and the agent's state file.

#include <cstdint>
#include <string_view>

namespace defender::util {

/// CRC-32 of `bytes`; `crc` continues a running value (crc32(b, crc32(a)) == crc32(a + b)).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace defender::util
