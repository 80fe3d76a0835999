// SPDX-License-Identifier: Apache-2.0
#include "defender/reply.hpp"
#include "encode/document.hpp"

namespace defender {
namespace {

template <class T>
std::optional<T> optional_member(const Document& document, const char* key) {
    const auto found = document.find(key);
    if (found == document.end()) return std::nullopt;
    if constexpr (std::is_same_v<T, std::string>) {
        if (!found->is_string()) return std::nullopt;
    } else if constexpr (std::is_unsigned_v<T>) {
        if (!found->is_number_unsigned()) return std::nullopt;
    } else {
        if (!found->is_number_integer()) return std::nullopt;
    }
    return found->template get<T>();
}

}  // namespace

Result<Reply> parse_reply(std::string_view payload, Format format) {
    auto parsed = parse_document(payload, format);
    if (!parsed) return Error{"reply is " + parsed.error().message};
    const Document& document = *parsed;
    if (!document.is_object()) return Error{"reply is not an object"};
    const auto status = optional_member<std::string>(document, "status");
    Reply reply;
    if (status == "ACCEPTED") {
        reply.status = ReplyStatus::accepted;
    } else if (status == "REJECTED") {
        reply.status = ReplyStatus::rejected;
    } else {
        return Error{"reply has no status ACCEPTED or REJECTED"};
    }
    reply.thing_name = optional_member<std::string>(document, "thingName").value_or("");
    reply.report_id = optional_member<std::uint64_t>(document, "reportId");
    reply.timestamp = optional_member<std::int64_t>(document, "timestamp");
    if (const auto details = document.find("statusDetails");
        details != document.end() && details->is_object()) {
        reply.error_code = optional_member<std::string>(*details, "ErrorCode").value_or("");
        reply.error_message = optional_member<std::string>(*details, "ErrorMessage").value_or("");
    }
    return reply;
}

std::string encode_reply(const Reply& reply, Format format) {
    Document document = Document::object();
    document["thingName"] = reply.thing_name;
    if (reply.report_id) document["reportId"] = *reply.report_id;
    document["status"] = reply.status == ReplyStatus::accepted ? "ACCEPTED" : "REJECTED";
    if (reply.status == ReplyStatus::rejected) {
        document["statusDetails"] = {{"ErrorCode", reply.error_code},
                                     {"ErrorMessage", reply.error_message}};
    }
    if (reply.timestamp) document["timestamp"] = *reply.timestamp;
    return serialize_document(document, format);
}

}  // namespace defender
