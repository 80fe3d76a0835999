// SPDX-License-Identifier: Apache-2.0
#include "defender/service_emulator.hpp"

#include <cstdio>
#include <fstream>

#include "defender/limits.hpp"
#include "defender/reply.hpp"
#include "defender/topics.hpp"
#include "defender/validate.hpp"
#include "encode/document.hpp"
#include "report/field_names.hpp"
#include "util/printable.hpp"
#include "validate/report_checker.hpp"

namespace defender {
namespace {

std::int64_t epoch_milliseconds() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The report id, when the document is readable enough to have one.
std::optional<std::uint64_t> report_id_of(const Document& document) {
    if (!document.is_object()) return std::nullopt;
    for (const auto style : {KeyStyle::long_names, KeyStyle::short_names}) {
        const auto header = document.find(field_name(Field::header, style));
        if (header == document.end() || !header->is_object()) continue;
        const auto id = header->find(field_name(Field::report_id, style));
        if (id != header->end() && id->is_number_unsigned()) return id->get<std::uint64_t>();
    }
    return std::nullopt;
}

}  // namespace

ServiceEmulator::ServiceEmulator(ServiceEmulatorOptions options) : options_(std::move(options)) {}

std::vector<std::string> ServiceEmulator::subscriptions() {
    return {"$aws/things/+/defender/metrics/json", "$aws/things/+/defender/metrics/cbor"};
}

std::optional<ServiceAnswer> ServiceEmulator::handle(const IncomingMessage& message,
                                                     std::chrono::steady_clock::time_point now) {
    const auto topic = parse_topic(message.topic);
    if (!topic || topic->kind != TopicKind::publish) return std::nullopt;
    ++received_;
    const std::string store_problem =
        store(topic->thing_name, message, std::string(to_string(topic->format)));

    const std::string where = "thing=" + topic->thing_name +
                              " format=" + std::string(to_string(topic->format)) +
                              " bytes=" + std::to_string(message.payload.size());
    if (message.payload.size() > kMaxPayloadBytes) {
        // AWS IoT Core refuses the publish itself (PAYLOAD_LIMIT_EXCEEDED, spec §3.1): Device
        // Defender never sees the report, so no reply comes. Not parsed.
        return ServiceAnswer{"", "", false,
                             "REFUSED " + where + " above AWS IoT Core's payload limit of " +
                                 std::to_string(kMaxPayloadBytes) + " bytes: no reply",
                             store_problem};
    }

    Reply reply;
    reply.thing_name = topic->thing_name;
    reply.timestamp = epoch_milliseconds();
    Document document;  // read once, for the checks and the report id
    auto validation = validate_report(message.payload, document);
    const auto report_id = report_id_of(document);
    if (validation.valid() && validation.format != topic->format) {
        validation.violations.push_back(
            {"", "payload is not " + std::string(to_string(topic->format))});
    }
    if (!validation.valid()) {
        // As the documented example: rejections carry no reportId.
        reply.status = ReplyStatus::rejected;
        reply.error_code = "InvalidPayload";
        reply.error_message = "Malformed metrics report";
        const auto& first = validation.violations.front();
        // The report's keys and values are the sender's: escaped, so that a key with a newline
        // cannot forge an ACCEPTED line in emulate's output.
        const std::string detail = util::printable(
            (first.pointer.empty() ? "(document)" : first.pointer) + ": " + first.reason,
            util::kMaxPeerTextBytes);
        auto reply_topic = *make_topic(topic->thing_name, topic->format, TopicKind::rejected);
        return ServiceAnswer{reply_topic, encode_reply(reply, topic->format), false,
                             "REJECTED " + where + " InvalidPayload: " + detail, store_problem};
    }

    const auto last = last_accepted_.find(topic->thing_name);
    if (last != last_accepted_.end() && now - last->second < options_.min_interval) {
        reply.status = ReplyStatus::rejected;
        reply.error_code = "Throttled";
        reply.error_message = "Report was throttled";
        auto reply_topic = *make_topic(topic->thing_name, topic->format, TopicKind::rejected);
        return ServiceAnswer{reply_topic, encode_reply(reply, topic->format), false,
                             "REJECTED " + where + " report_id=" +
                                 std::to_string(report_id.value_or(0)) + " Throttled",
                             store_problem};
    }
    last_accepted_[topic->thing_name] = now;
    reply.status = ReplyStatus::accepted;
    reply.report_id = report_id;
    auto reply_topic = *make_topic(topic->thing_name, topic->format, TopicKind::accepted);
    return ServiceAnswer{
        reply_topic, encode_reply(reply, topic->format), true,
        "ACCEPTED " + where + " report_id=" + std::to_string(report_id.value_or(0)), store_problem};
}

std::string ServiceEmulator::store(const std::string& thing, const IncomingMessage& message,
                                   const std::string& extension) {
    if (options_.store_dir.empty()) return {};
    char sequence[24];
    std::snprintf(sequence, sizeof sequence, "%06llu", static_cast<unsigned long long>(received_));
    const auto path = options_.store_dir / (thing + "-" + sequence + "." + extension);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(message.payload.data(), static_cast<std::streamsize>(message.payload.size()));
    out.close();
    return out ? std::string() : "cannot write " + path.string();
}

}  // namespace defender
