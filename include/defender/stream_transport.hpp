// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file stream_transport.hpp
/// A transport that writes each published payload to a stream (standard output by default):
/// the agent's `--dry-run`. Always "connected"; never receives replies.
/// Target: Defender::defender (stage stream).

#include <iosfwd>
#include <memory>

#include "defender/transport.hpp"

namespace defender {

/// Where a stream transport writes.
struct StreamSettings {
    std::ostream* out = nullptr;        ///< The stream (standard output for `--dry-run`).
    bool newline_after_payload = true;  ///< A newline after each payload (JSON reports).
};

/// A Transport that writes each report to a stream (dry runs, tests); never answers.
class StreamTransport final : public Transport {
public:
    /// JSON payloads get a newline after them; binary payloads are written as they are.
    StreamTransport(std::ostream& out, bool newline_after_payload);

    void set_event_sink(EventSink) override {}
    Status connect() override { return Done{}; }
    /// Always true: a stream is always there.
    bool is_connected() const override { return true; }
    Status subscribe(const std::vector<std::string>&) override { return Done{}; }
    Status publish(const std::string& topic, const std::string& payload,
                   std::chrono::milliseconds timeout) override;
    void disconnect(std::chrono::milliseconds) override {}

private:
    std::ostream& out_;
    bool newline_;
};

/// A StreamTransport writing to `*settings.out`, as the Transport interface.
std::unique_ptr<Transport> make_stream_transport(StreamSettings settings);

}  // namespace defender
