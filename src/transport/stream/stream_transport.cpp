// SPDX-License-Identifier: Apache-2.0
#include <ostream>

#include "defender/stream_transport.hpp"

namespace defender {

StreamTransport::StreamTransport(std::ostream& out, bool newline_after_payload)
    : out_(out), newline_(newline_after_payload) {}

Status StreamTransport::publish(const std::string&, const std::string& payload,
                                std::chrono::milliseconds) {
    out_.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    if (newline_) out_ << '\n';
    out_.flush();
    if (!out_) return Error{"cannot write the report to the output"};
    return Done{};
}

std::unique_ptr<Transport> make_stream_transport(StreamSettings settings) {
    return std::make_unique<StreamTransport>(*settings.out, settings.newline_after_payload);
}

}  // namespace defender
