// SPDX-License-Identifier: Apache-2.0
#include "transport/greengrass/iot_core_json.hpp"

#include <nlohmann/json.hpp>

#include "util/base64.hpp"

namespace defender::ipc {

namespace {
std::string quoted(const std::string& text) {
    return nlohmann::json(text).dump();
}
}  // namespace

std::string publish_request_json(const std::string& topic, const std::string& qos,
                                 const std::string& payload) {
    return "{\"topicName\": " + quoted(topic) + ", \"qos\": " + quoted(qos) +
           ", \"payload\": " + quoted(util::base64_encode(payload)) + "}";
}

std::string subscribe_request_json(const std::string& topic, const std::string& qos) {
    return "{\"topicName\": " + quoted(topic) + ", \"qos\": " + quoted(qos) + "}";
}

std::optional<IncomingMessage> parse_iot_core_message(const std::string& json) {
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("message")) return std::nullopt;
    const auto& message = parsed["message"];
    if (!message.is_object() || !message.contains("topicName") || !message["topicName"].is_string())
        return std::nullopt;
    IncomingMessage incoming;
    incoming.topic = message["topicName"].get<std::string>();
    if (message.contains("payload")) {
        if (!message["payload"].is_string()) return std::nullopt;
        auto bytes = util::base64_decode(message["payload"].get<std::string>());
        if (!bytes) return std::nullopt;
        incoming.payload = std::move(*bytes);
    }
    return incoming;
}

ServiceErrorInfo parse_service_error(const std::string& json) {
    ServiceErrorInfo info;
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_object()) {
        info.message = json.substr(0, 200);
        return info;
    }
    auto text = [&](const char* key) {
        return parsed.contains(key) && parsed[key].is_string() ? parsed[key].get<std::string>()
                                                               : std::string();
    };
    info.code = text("_errorCode");
    if (info.code.empty()) info.code = text("error");
    info.message = text("message");
    if (info.message.empty()) info.message = text("_message");
    return info;
}

}  // namespace defender::ipc
