// SPDX-License-Identifier: Apache-2.0
// Event-stream messages from a byte stream that arrives in arbitrary pieces.

#include "transport/greengrass/eventstream.hpp"
#include "transport/greengrass/eventstream_frame.hpp"

namespace defender::eventstream {

std::optional<FrameError> StreamDecoder::feed(std::string_view bytes, std::vector<Message>& out) {
    if (failed_) return failed_;
    buffer_.append(bytes);
    std::size_t at = 0;
    while (buffer_.size() - at >= kPreludeBytes) {
        const std::string_view rest = std::string_view(buffer_).substr(at);
        auto checked = check_prelude(rest, max_message_bytes_);
        if (auto* error = std::get_if<FrameError>(&checked)) {
            failed_ = *error;
            break;
        }
        const auto& prelude = std::get<Prelude>(checked);
        if (rest.size() < prelude.total_length) break;
        auto decoded = decode_checked(rest.substr(0, prelude.total_length), prelude);
        if (!decoded.ok()) {
            failed_ = decoded.error();
            break;
        }
        out.push_back(std::move(decoded.message()));
        at += prelude.total_length;
    }
    if (failed_) {
        buffer_.clear();
        return failed_;
    }
    buffer_.erase(0, at);
    return std::nullopt;
}

}  // namespace defender::eventstream
