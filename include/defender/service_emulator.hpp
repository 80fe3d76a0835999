// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file service_emulator.hpp
/// A local stand-in for the Device Defender service: validates reports arriving on the
/// publish topics and answers as the service does, on `/accepted` or `/rejected` in the
/// format of the topic. Transport-free, so it can be driven by any broker client or a test.
/// Target: Defender::defender (stage emulator).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "defender/transport.hpp"

namespace defender {

/// How the emulator answers.
struct ServiceEmulatorOptions {
    /// A thing reporting sooner than this after its last accepted report is `Throttled`.
    std::chrono::milliseconds min_interval = std::chrono::seconds(300);
    /// When set, every received report is written there as `<thing>-<n>.<json|cbor>`.
    std::filesystem::path store_dir;
};

/// The reply to publish for one received report.
struct ServiceAnswer {
    /// Topic the reply goes to (`…/accepted` or `…/rejected`); empty when no reply is due (a
    /// payload above AWS IoT Core's limit, which the service never sees).
    std::string reply_topic;
    std::string reply_payload;  ///< reply document, in the report's format
    bool accepted = false;      ///< whether the report was accepted
    std::string summary;        ///< one line for a human, e.g. "ACCEPTED thing=T report_id=5 ..."
    std::string store_problem;  ///< non-empty when the report could not be stored
};

/// Answers reports as Device Defender does: validation, throttling, replies.
class ServiceEmulator {
public:
    /// An emulator with no thing seen yet.
    explicit ServiceEmulator(ServiceEmulatorOptions options);

    /// The answer to a message on a Device Defender publish topic; nullopt for any other topic.
    std::optional<ServiceAnswer> handle(const IncomingMessage& message,
                                        std::chrono::steady_clock::time_point now);

    /// Topic filters to subscribe to: every thing's json and cbor publish topics.
    static std::vector<std::string> subscriptions();

private:
    std::string store(const std::string& thing, const IncomingMessage& message,
                      const std::string& extension);

    ServiceEmulatorOptions options_;
    std::map<std::string, std::chrono::steady_clock::time_point> last_accepted_;
    std::uint64_t received_ = 0;
};

}  // namespace defender
