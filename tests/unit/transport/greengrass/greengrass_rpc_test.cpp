// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "defender/greengrass_transport.hpp"
#include "eventstream_vectors.hpp"
#include "transport/greengrass/iot_core_json.hpp"
#include "transport/greengrass/rpc.hpp"
#include "util/base64.hpp"

namespace defender::ipc {
namespace {

using eventstream::decode_message;
using eventstream::encode_message;
using eventstream::test::read_bin;

const std::string kReport1 = R"({"header":{"report_id":1,"version":"1.0"}})";
const std::string kTopic = "$aws/things/MyThing/defender/metrics/json";

TEST(GreengrassRpc, ConnectIsByteIdenticalToTheSdkCapture) {
    EXPECT_EQ(encode_message(connect_message("0123456789ABCDEF")).value(),
              read_bin("02_connect_compact"));
}

TEST(GreengrassRpc, PublishRequestIsByteIdenticalToThePythonSdkLayout) {
    const auto message =
        request_message(1, kPublishOperation, publish_request_json(kTopic, "0", kReport1));
    EXPECT_EQ(encode_message(message).value(), read_bin("07_publish_request_py_stream1_qos0"));
}

TEST(GreengrassRpc, ReadsTheRpcFieldsOfTheVectors) {
    const auto ack = decode_message(read_bin("03_connect_ack_accepted")).message();
    const auto fields = std::get<RpcFields>(rpc_fields(ack));
    EXPECT_EQ(fields.type, MessageType::connect_ack);
    EXPECT_EQ(fields.flags, kConnectionAccepted);
    EXPECT_EQ(fields.stream_id, 0);

    const auto error = decode_message(read_bin("11_publish_unauthorized_stream1")).message();
    const auto error_fields = std::get<RpcFields>(rpc_fields(error));
    EXPECT_EQ(error_fields.type, MessageType::application_error);
    EXPECT_EQ(error_fields.flags, kTerminateStream);
    EXPECT_EQ(error_fields.stream_id, 1);
    const auto info = parse_service_error(error.payload);
    EXPECT_EQ(info.code, "UnauthorizedError");
    EXPECT_EQ(info.message, "Not Authorized");
}

TEST(GreengrassRpc, RefusesMessagesThatBreakTheRpcRules) {
    using eventstream::Message;
    EXPECT_TRUE(std::holds_alternative<std::string>(rpc_fields(Message{})));
    EXPECT_TRUE(std::holds_alternative<std::string>(
        rpc_fields(rpc_message({}, MessageType::ping, 0, 3))));  // stream id on a ping
    EXPECT_TRUE(std::holds_alternative<std::string>(
        rpc_fields(rpc_message({}, MessageType::application_message, 0, 0))));
    Message unknown_type = rpc_message({}, MessageType::ping, 0, 0);
    unknown_type.headers[0].value = std::int32_t{8};
    EXPECT_TRUE(std::holds_alternative<std::string>(rpc_fields(unknown_type)));
    Message string_typed = rpc_message({}, MessageType::ping, 0, 0);
    string_typed.headers[0].value = std::string("2");
    EXPECT_TRUE(std::holds_alternative<std::string>(rpc_fields(string_typed)));
}

TEST(GreengrassRpc, ParsesIoTCoreMessages) {
    const auto message = parse_iot_core_message(R"({"message":{"topicName":"a/b","payload":")" +
                                                util::base64_encode("hi") + R"("}})");
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->topic, "a/b");
    EXPECT_EQ(message->payload, "hi");
    EXPECT_FALSE(parse_iot_core_message(R"({"message":{"topicName":"a","payload":"!"}})"));
    EXPECT_FALSE(parse_iot_core_message("not json"));
    EXPECT_FALSE(parse_iot_core_message(R"({"message":{}})"));
}

TEST(GreengrassRpc, ReportBudgetFillsTheMessageLimitExactly) {
    const std::size_t budget = greengrass_report_budget(kTopic, 10'000);
    const auto fits = encode_message(request_message(
        7, kPublishOperation, publish_request_json(kTopic, "1", std::string(budget, 'r'))));
    ASSERT_TRUE(fits.has_value());
    EXPECT_LE(fits->size(), 10'000u);
    const auto over = encode_message(request_message(
        7, kPublishOperation, publish_request_json(kTopic, "1", std::string(budget + 3, 'r'))));
    EXPECT_GT(over->size(), 10'000u);
    EXPECT_GT(budget, 7000u);
    EXPECT_EQ(greengrass_report_budget(kTopic, 100), 0u);
}

}  // namespace
}  // namespace defender::ipc
