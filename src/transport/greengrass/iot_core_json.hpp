// SPDX-License-Identifier: Apache-2.0
#pragma once
// The JSON payloads of PublishToIoTCore and SubscribeToIoTCore (Greengrass IPC model).

#include <optional>
#include <string>

#include "defender/transport.hpp"

namespace defender::ipc {

/// `{"topicName": "...", "qos": "1", "payload": "<base64>"}`, in py-sdk spacing.
std::string publish_request_json(const std::string& topic, const std::string& qos,
                                 const std::string& payload);
/// `{"topicName": "...", "qos": "1"}`.
std::string subscribe_request_json(const std::string& topic, const std::string& qos);

/// The message of an IoTCoreMessage stream event: `{"message":{"topicName","payload"}}`.
std::optional<IncomingMessage> parse_iot_core_message(const std::string& json);

/// An ApplicationError's `_errorCode` and message (`message` or `_message`), best effort.
struct ServiceErrorInfo {
    std::string code;
    std::string message;
};
ServiceErrorInfo parse_service_error(const std::string& json);

}  // namespace defender::ipc
