// SPDX-License-Identifier: Apache-2.0
#pragma once
// `--log-reports DIR`: the last N reports the agent published, byte for byte, each with what
// became of it, so a user sees what was sent without subscribing to the metrics topic (which
// AWS IoT documents as publish-only). Bounded: older reports are removed as new ones come.
//
//   DIR/<report id>.json or .cbor   the payload as published
//   DIR/<report id>.reply.json      {"report_id", "outcome": "accepted" | "rejected" |
//                                    "unanswered" | "lost", "error_code", "error_message",
//                                    "at": epoch seconds}

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "defender/encode.hpp"
#include "defender/result.hpp"

namespace defender {

class ReportLog {
public:
    /// Keeps the newest `count` reports in `directory` (created if missing).
    ReportLog(std::filesystem::path directory, std::size_t count);

    /// A report the broker acknowledged: its payload, then older reports beyond the count go.
    Status published(std::uint64_t report_id, Format format, const std::string& payload);
    /// What became of a report: "accepted", "rejected" (with the service's code and message),
    /// "unanswered" or "lost".
    Status settled(std::uint64_t report_id, const std::string& outcome,
                   const std::string& error_code = {}, const std::string& error_message = {});

private:
    Status prune();

    std::filesystem::path directory_;
    std::size_t count_;
};

}  // namespace defender
