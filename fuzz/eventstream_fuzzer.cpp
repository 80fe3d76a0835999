// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the event-stream decoder: whole messages and the streaming decoder fed
// in pieces must agree, never crash, and every decoded message must re-encode to its bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "transport/greengrass/eventstream.hpp"

using namespace defender::eventstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    const auto whole = decode_message(bytes, 10'000);
    if (whole.ok()) {
        const auto encoded = encode_message(whole.message());
        if (!encoded || *encoded != bytes) std::abort();
    }

    // The first byte picks the piece size, so the corpus explores split reads.
    const std::size_t piece = size ? 1 + data[0] % 17 : 1;
    StreamDecoder decoder(10'000);
    std::vector<Message> messages;
    for (std::size_t at = 0; at < size; at += piece)
        if (decoder.feed(bytes.substr(at, piece), messages)) break;
    StreamDecoder at_once(10'000);
    std::vector<Message> all;
    const bool failed = at_once.feed(bytes, all).has_value();
    if (failed != decoder.failed() || all != messages) std::abort();
    return 0;
}
