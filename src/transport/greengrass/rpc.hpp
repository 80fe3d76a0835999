// SPDX-License-Identifier: Apache-2.0
#pragma once
// The event-stream RPC layer of Greengrass IPC (protocol version 0.1.0): the reserved headers,
// message types and flags, and the messages a client sends.

#include <cstdint>
#include <string>
#include <variant>

#include "transport/greengrass/eventstream.hpp"

namespace defender::ipc {

enum class MessageType : std::int32_t {
    application_message = 0,
    application_error = 1,
    ping = 2,
    ping_response = 3,
    connect = 4,
    connect_ack = 5,
    protocol_error = 6,
    internal_error = 7,
};

inline constexpr std::int32_t kConnectionAccepted = 1;
inline constexpr std::int32_t kTerminateStream = 2;
inline constexpr const char* kProtocolVersion = "0.1.0";
/// Greengrass nucleus lite closes the connection on larger IPC messages.
inline constexpr std::size_t kNucleusLiteMaxMessageBytes = 10'000;

inline constexpr const char* kPublishOperation = "aws.greengrass#PublishToIoTCore";
inline constexpr const char* kSubscribeOperation = "aws.greengrass#SubscribeToIoTCore";

/// The three headers every RPC message carries.
struct RpcFields {
    MessageType type;
    std::int32_t flags;
    std::int32_t stream_id;
};

/// The RPC fields, or why the message is not a valid RPC message (a missing or non-int32
/// field, an unknown type, a stream id on a connection-level type or a negative one).
std::variant<RpcFields, std::string> rpc_fields(const eventstream::Message& message);

std::string_view name_of(MessageType type);

/// Connect with `{"authToken":"<token>"}` (the layout of the Node, C++ and Java SDKs).
eventstream::Message connect_message(const std::string& token);

/// A server-side or test helper: RPC headers appended after `headers`, as the CRT does.
eventstream::Message rpc_message(std::vector<eventstream::Header> headers, MessageType type,
                                 std::int32_t flags, std::int32_t stream_id,
                                 std::string payload = {});

/// The first message of a new stream in the py/java layout: `:content-type`,
/// `service-model-type` (`<operation>Request`), the RPC headers, then `operation`.
eventstream::Message request_message(std::int32_t stream_id, const std::string& operation,
                                     std::string json_payload);

}  // namespace defender::ipc
