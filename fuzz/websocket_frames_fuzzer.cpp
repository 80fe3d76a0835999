// SPDX-License-Identifier: Apache-2.0
// The WebSocket frame decoder: any bytes, fed in chunks whose sizes the input chooses. It must
// never hold more than a header and a control payload, never hand on more data than it was fed,
// and an error must stick.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transport/mqtt/websocket_frames.hpp"

namespace {

using defender::mqtt::websocket::ControlFrame;
using defender::mqtt::websocket::FrameDecoder;
using defender::mqtt::websocket::kMaxControlPayload;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte seeds the chunk sizes (1..64 bytes); the rest is the stream.
    std::uint32_t chunk_state = data[0];
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    FrameDecoder decoder;
    std::size_t offset = 0;
    while (offset < stream.size()) {
        chunk_state = chunk_state * 1'103'515'245u + 12'345u;
        const std::size_t chunk = 1 + (chunk_state >> 16) % 64;
        const std::string_view piece = stream.substr(offset, chunk);
        offset += chunk;
        std::string payload;
        std::vector<ControlFrame> controls;
        const auto fed = decoder.feed(piece, payload, controls);
        if (payload.size() > piece.size()) __builtin_trap();
        if (decoder.held_bytes() > 14 + kMaxControlPayload) __builtin_trap();
        for (const auto& control : controls) {
            if (control.payload.size() > kMaxControlPayload) __builtin_trap();
        }
        if (!fed) {
            std::string more;
            std::vector<ControlFrame> more_controls;
            const auto again = decoder.feed(piece, more, more_controls);
            if (again || again.error().message != fed.error().message || !more.empty())
                __builtin_trap();
            break;
        }
    }
    return 0;
}
