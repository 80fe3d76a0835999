// SPDX-License-Identifier: Apache-2.0
// The accepted/rejected reply decoder: any bytes, as JSON and as CBOR.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "defender/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    for (const auto format : {defender::Format::json, defender::Format::cbor}) {
        const auto reply = defender::parse_reply(payload, format);
        if (!reply) continue;
        const auto again = defender::parse_reply(defender::encode_reply(*reply, format), format);
        if (!again || !(*again == *reply)) __builtin_trap();
    }
    return 0;
}
