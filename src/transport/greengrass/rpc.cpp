// SPDX-License-Identifier: Apache-2.0
#include "transport/greengrass/rpc.hpp"

namespace defender::ipc {

using eventstream::Header;
using eventstream::Message;

std::string_view name_of(MessageType type) {
    switch (type) {
        case MessageType::application_message:
            return "ApplicationMessage";
        case MessageType::application_error:
            return "ApplicationError";
        case MessageType::ping:
            return "Ping";
        case MessageType::ping_response:
            return "PingResponse";
        case MessageType::connect:
            return "Connect";
        case MessageType::connect_ack:
            return "ConnectAck";
        case MessageType::protocol_error:
            return "ProtocolError";
        case MessageType::internal_error:
            return "InternalError";
    }
    return "unknown";
}

std::variant<RpcFields, std::string> rpc_fields(const Message& message) {
    const auto type = message.int32_header(":message-type");
    const auto flags = message.int32_header(":message-flags");
    const auto stream = message.int32_header(":stream-id");
    if (!type || !flags || !stream)
        return std::string("message without int32 :message-type, :message-flags and :stream-id");
    if (*type < 0 || *type > 7) return "unknown :message-type " + std::to_string(*type);
    const auto kind = static_cast<MessageType>(*type);
    const bool stream_level =
        kind == MessageType::application_message || kind == MessageType::application_error;
    if (*stream < 0) return "negative :stream-id " + std::to_string(*stream);
    if (!stream_level && *stream != 0)
        return std::string(name_of(kind)) + " on stream " + std::to_string(*stream) +
               " (connection-level messages belong on stream 0)";
    if (stream_level && *stream == 0)
        return std::string(name_of(kind)) + " on stream 0 (needs a stream id above 0)";
    return RpcFields{kind, *flags, *stream};
}

Message rpc_message(std::vector<Header> headers, MessageType type, std::int32_t flags,
                    std::int32_t stream_id, std::string payload) {
    headers.push_back({":message-type", static_cast<std::int32_t>(type)});
    headers.push_back({":message-flags", flags});
    headers.push_back({":stream-id", stream_id});
    return {std::move(headers), std::move(payload)};
}

Message connect_message(const std::string& token) {
    // The token is 16 characters of [A-Z0-9]; escape anyway so no input breaks the JSON.
    std::string escaped;
    for (const char ch : token) {
        if (ch == '"' || ch == '\\') escaped.push_back('\\');
        escaped.push_back(ch);
    }
    return rpc_message({{":version", std::string(kProtocolVersion)}}, MessageType::connect, 0, 0,
                       "{\"authToken\":\"" + escaped + "\"}");
}

Message request_message(std::int32_t stream_id, const std::string& operation,
                        std::string json_payload) {
    auto message =
        rpc_message({{":content-type", std::string("application/json")},
                     {"service-model-type", operation + "Request"}},
                    MessageType::application_message, 0, stream_id, std::move(json_payload));
    message.headers.push_back({"operation", operation});
    return message;
}

}  // namespace defender::ipc
