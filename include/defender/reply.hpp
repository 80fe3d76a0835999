// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file reply.hpp
/// The service's answers on `.../accepted` and `.../rejected`, in the format of the topic.
/// Target: Defender::defender (stage encode).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "defender/format.hpp"
#include "defender/result.hpp"

namespace defender {

/// ACCEPTED or REJECTED.
enum class ReplyStatus { accepted, rejected };

/// `{thingName, reportId, status, timestamp}` plus, when rejected,
/// `statusDetails: {ErrorCode, ErrorMessage}`. Rejections may lack `reportId`.
struct Reply {
    ReplyStatus status = ReplyStatus::accepted;  ///< Whether the service accepted the report.
    std::string thing_name;                      ///< Thing the reply is for.
    /// Report the reply answers, when the reply names it.
    std::optional<std::uint64_t> report_id;
    std::optional<std::int64_t> timestamp;  ///< epoch milliseconds
    std::string error_code;                 ///< e.g. InvalidPayload, Throttled
    std::string error_message;              ///< The service's explanation of a rejection.
    friend bool operator==(const Reply&, const Reply&) = default;
};

/// Decodes a reply; fields other than `status` are optional and type-checked when present.
Result<Reply> parse_reply(std::string_view payload, Format format);

/// Encodes a reply as the service does (used by `defender emulate`).
std::string encode_reply(const Reply& reply, Format format);

}  // namespace defender
