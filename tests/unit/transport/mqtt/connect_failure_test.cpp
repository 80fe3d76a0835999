// SPDX-License-Identifier: Apache-2.0
// The one line a failed connect becomes, for every kind of failure.

#include <gtest/gtest.h>

#include "transport/mqtt/connect_failure.hpp"

namespace defender::mqtt {
namespace {

const std::string kAwsMeaning =
    ": the policy does not allow iot:Connect for client id \"gw-1\", the certificate is "
    "inactive or not attached, or another client took this client id";

ConnectFailure failure_of(int return_code) {
    ConnectFailure failure;
    failure.target = "abc-ats.iot.eu-west-1.amazonaws.com:8883";
    failure.client_id = "gw-1";
    failure.return_code = return_code;
    return failure;
}

TEST(ConnectFailure, RefusalsAwsIotGivesForADeniedConnectSayWhatTheyMeanThere) {
    for (const auto& [code, meaning] :
         {std::pair{2, "client identifier rejected"}, std::pair{4, "bad user name or password"},
          std::pair{5, "not authorized"}}) {
        EXPECT_EQ(describe_connect_failure(failure_of(code)),
                  "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 refused by the broker: " +
                      std::string(meaning) + " (CONNACK " + std::to_string(code) + ")" +
                      kAwsMeaning);
    }
}

TEST(ConnectFailure, OtherRefusalsKeepTheirOwnMeaning) {
    EXPECT_EQ(describe_connect_failure(failure_of(3)),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 refused by the broker: server "
              "unavailable (CONNACK 3)");
    EXPECT_EQ(describe_connect_failure(failure_of(1)),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 refused by the broker: "
              "unacceptable protocol version (CONNACK 1)");
}

TEST(ConnectFailure, ACloseBeforeConnackIsAwsIotRefusingTheConnect) {
    ConnectFailure failure = failure_of(0);
    failure.closed_before_connack = true;
    EXPECT_EQ(describe_connect_failure(failure),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 failed: the broker closed the "
              "connection before CONNACK" +
                  kAwsMeaning);
    failure.diagnosis = "connection closed by the peer";
    EXPECT_EQ(describe_connect_failure(failure),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 failed: the broker closed the "
              "connection before CONNACK (connection closed by the peer)" +
                  kAwsMeaning);
}

TEST(ConnectFailure, TimeoutsAndTlsFailuresAreUnchanged) {
    ConnectFailure failure = failure_of(0);
    failure.timed_out = true;
    failure.timeout = std::chrono::seconds(4);
    EXPECT_EQ(describe_connect_failure(failure),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 timed out after 4 s (no "
              "TLS/MQTT answer)");
    failure.timed_out = false;
    failure.diagnosis = "server certificate verification failed: hostname mismatch";
    EXPECT_EQ(describe_connect_failure(failure),
              "connect to abc-ats.iot.eu-west-1.amazonaws.com:8883 failed: server certificate "
              "verification failed: hostname mismatch");
}

}  // namespace
}  // namespace defender::mqtt
