// SPDX-License-Identifier: Apache-2.0
#pragma once
// The two steps of decoding shared by decode_message() and StreamDecoder: trust the prelude,
// then check and parse the whole message.

#include <variant>

#include "transport/greengrass/eventstream.hpp"

namespace defender::eventstream {

struct Prelude {
    std::uint32_t total_length = 0;
    std::uint32_t headers_length = 0;
};

/// Checks the first 12 bytes in aws-c-event-stream's order: prelude CRC, the size limit,
/// the headers length against the total, the minimum total.
std::variant<Prelude, FrameError> check_prelude(std::string_view first_12_bytes,
                                                std::size_t max_message_bytes);

/// `whole` is exactly prelude.total_length bytes: checks the message CRC, parses headers.
DecodeResult decode_checked(std::string_view whole, const Prelude& prelude);

}  // namespace defender::eventstream
