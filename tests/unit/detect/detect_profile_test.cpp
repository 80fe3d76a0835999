// SPDX-License-Identifier: Apache-2.0
// Security profiles: loading what the AWS CLI prints, and ValidateSecurityProfileBehaviors with
// the service's wording (AWS CLI examples iot/validate-security-profile-behaviors).
#include <gtest/gtest.h>

#include "defender/detect.hpp"
#include "detect_test_support.hpp"

namespace defender::detect {
namespace {

using test::profile_with;

std::vector<std::string> errors_of(std::string_view json) {
    std::vector<std::string> out;
    for (const auto& error : validate_security_profile_behaviors(json).validation_errors) {
        out.push_back(error.error_message);
    }
    return out;
}

std::string first_error(std::string_view behaviors) {
    auto errors = errors_of(behaviors);
    return errors.empty() ? "" : errors.front();
}

TEST(DetectProfile, AwsCliValidateExampleOneIsValid) {
    const auto result = validate_security_profile_behaviors(
        R"([{"name":"CellularBandwidth","metric":"aws:message-byte-size","criteria":{"comparisonOperator":"greater-than","value":{"count":128},"consecutiveDatapointsToAlarm":1,"consecutiveDatapointsToClear":1}},{"name":"Authorization","metric":"aws:num-authorization-failures","criteria":{"comparisonOperator":"greater-than","value":{"count":12},"durationSeconds":300,"consecutiveDatapointsToAlarm":1,"consecutiveDatapointsToClear":1}}])");
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(to_json(result), R"({"valid":true,"validationErrors":[]})");
}

TEST(DetectProfile, AwsCliValidateExampleTwoHasTheServiceMessage) {
    const auto result = validate_security_profile_behaviors(
        R"([{"name":"CellularBandwidth","metric":"aws:message-byte-size","criteria":{"comparisonOperator":"greater-than","value":{"count":128},"consecutiveDatapointsToAlarm":1,"consecutiveDatapointsToClear":1}},{"name":"Authorization","metric":"aws:num-authorization-failures","criteria":{"comparisonOperator":"greater-than","value":{"count":12},"durationSeconds":300,"consecutiveDatapointsToAlarm":100000,"consecutiveDatapointsToClear":1}}])");
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(
        to_json(result),
        R"({"valid":false,"validationErrors":[{"errorMessage":"Behavior Authorization is malformed. consecutiveDatapointsToAlarm 100000 should be in range[1,10]"}]})");
}

TEST(DetectProfile, ValidatesARequestBodyOrAWholeProfileToo) {
    EXPECT_TRUE(
        validate_security_profile_behaviors(
            R"({"behaviors": [{"name": "a", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}}]})")
            .valid);
    EXPECT_EQ(errors_of(R"({"securityProfileName": "x"})"),
              std::vector<std::string>{"Missing required parameter in input: \"behaviors\""});
    EXPECT_EQ(first_error("[1, 2"), "behaviors is not valid JSON (at byte 6)");
    EXPECT_EQ(first_error("42"),
              "behaviors should be a JSON list of behaviors or an object with a \"behaviors\" "
              "list");
}

TEST(DetectProfile, LoadsDescribeSecurityProfileOutputUnchanged) {
    const auto camera = parse_security_profile(R"({
        "securityProfileName": "Camera",
        "securityProfileArn": "arn:aws:iot:us-west-2:123456789012:securityprofile/Camera",
        "securityProfileDescription": "cameras talk to one server",
        "behaviors": [
            {"name": "ListeningTCPPorts", "metric": "aws:listening-tcp-ports",
             "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [8888]}}},
            {"name": "great-than-75", "metric": "batteryPercentage",
             "criteria": {"comparisonOperator": "greater-than", "value": {"number": 75},
                          "consecutiveDatapointsToAlarm": 5, "consecutiveDatapointsToClear": 1}}
        ],
        "alertTargets": {"SNS": {"alertTargetArn": "arn:aws:sns:us-west-2:123456789012:t",
                                 "roleArn": "arn:aws:iam::123456789012:role/r"}},
        "additionalMetricsToRetainV2": [{"metric": "aws:num-listening-tcp-ports"}],
        "version": 3,
        "creationDate": 1560278102.528,
        "lastModifiedDate": "2019-06-11T11:35:02.528000-07:00"
    })");
    ASSERT_TRUE(camera.ok()) << camera.error().message;
    EXPECT_EQ(camera->name, "Camera");
    EXPECT_EQ(camera->description, "cameras talk to one server");
    ASSERT_EQ(camera->behaviors.size(), 2u);
    EXPECT_EQ(camera->behaviors[0].criteria->comparison_operator, ComparisonOperator::in_port_set);
    EXPECT_EQ(camera->behaviors[0].criteria->value->ports, std::vector<std::uint16_t>{8888});
    EXPECT_EQ(camera->behaviors[1].criteria->consecutive_datapoints_to_alarm, 5);
    EXPECT_TRUE(camera->has_alert_targets);
    EXPECT_EQ(camera->version, 3);
    EXPECT_TRUE(camera->targets.empty());
}

TEST(DetectProfile, BehaviorJsonRoundTrips) {
    const auto profile = profile_with(R"([{"name": "b", "metric": "aws:all-bytes-out",
        "criteria": {"comparisonOperator": "less-than-equals", "statisticalThreshold": {"statistic": "p90"},
                     "durationSeconds": 900, "consecutiveDatapointsToAlarm": 2, "consecutiveDatapointsToClear": 3},
        "suppressAlerts": true, "exportMetric": false}])");
    ASSERT_EQ(profile.behaviors.size(), 1u);
    const std::string json = to_json(profile.behaviors[0]);
    EXPECT_EQ(
        json,
        R"({"name":"b","metric":"aws:all-bytes-out","criteria":{"comparisonOperator":"less-than-equals","durationSeconds":900,"consecutiveDatapointsToAlarm":2,"consecutiveDatapointsToClear":3,"statisticalThreshold":{"statistic":"p90"}},"suppressAlerts":true,"exportMetric":false})");
    EXPECT_EQ(test::profile_with("[" + json + "]").behaviors[0], profile.behaviors[0]);
}

TEST(DetectProfile, TargetsAreOurExtension) {
    const auto profile = test::profile_from(
        R"({"securityProfileName": "p", "targets": ["camera-*", "gateway-1"], "behaviors": []})");
    EXPECT_EQ(profile.targets, (std::vector<std::string>{"camera-*", "gateway-1"}));
    EXPECT_EQ(parse_security_profile(R"({"securityProfileName": "p", "targets": ["a b"]})")
                  .error()
                  .message,
              "targets: \"a b\" is not a thing name or a glob of one (1 to 128 characters of "
              "[a-zA-Z0-9:_-] and *)");
    EXPECT_EQ(
        parse_security_profile(R"({"securityProfileName": "p", "targets": [1]})").error().message,
        "Invalid type for parameter targets[0], value: 1, type: integer, valid types: "
        "string");
}

TEST(DetectProfile, ProfileMembersAreChecked) {
    EXPECT_EQ(parse_security_profile(R"({"behaviors": []})").error().message,
              "Missing required parameter in input: \"securityProfileName\"");
    EXPECT_EQ(parse_security_profile(R"({"securityProfileName": "a b"})").error().message,
              "1 validation error detected: Value 'a b' at 'securityProfileName' failed to "
              "satisfy constraint: Member must satisfy regular expression pattern: "
              "[a-zA-Z0-9:_-]+");
    EXPECT_EQ(parse_security_profile("[]").error().message,
              "a security profile is a JSON object (as aws iot describe-security-profile prints "
              "it)");
    EXPECT_EQ(parse_security_profile(std::string(40, '[') + std::string(40, ']')).error().message,
              "security profile nests deeper than 32 levels");
    EXPECT_EQ(parse_security_profile(std::string(1024 * 1024 + 1, ' ')).error().message,
              "security profile is larger than 1048576 bytes");
}

TEST(DetectProfile, ShapeErrorsUseTheAwsCliWording) {
    EXPECT_EQ(first_error(R"([{"metric": "aws:all-bytes-in"}])"),
              "Missing required parameter in behaviors[0]: \"name\"");
    EXPECT_EQ(
        first_error(
            R"([{"name": "a", "metric": "aws:all-bytes-in", "criteria": {"durationSecond": 300}}])"),
        "Unknown parameter in behaviors[0].criteria: \"durationSecond\", must be one of: "
        "comparisonOperator, value, durationSeconds, consecutiveDatapointsToAlarm, "
        "consecutiveDatapointsToClear, statisticalThreshold, mlDetectionConfig");
    EXPECT_EQ(
        first_error(
            R"([{"name": "a", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": "1"}}}])"),
        "Invalid type for parameter behaviors[0].criteria.value.count, value: \"1\", type: "
        "string, valid types: integer");
    EXPECT_EQ(
        first_error(
            R"([{"name": "a", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": -1}}}])"),
        "Invalid range for parameter behaviors[0].criteria.value.count, value: -1, valid "
        "min value: 0");
    EXPECT_EQ(
        first_error(
            R"([{"name": "a", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [70000]}}}])"),
        "Invalid range for parameter behaviors[0].criteria.value.ports[0], value: 70000, "
        "valid range: 0-65535");
    EXPECT_EQ(first_error("[3]"),
              "Invalid type for parameter behaviors[0], value: 3, type: integer, valid types: "
              "object");
    // One problem of shape, one message: its meaning is not checked as well.
    EXPECT_EQ(errors_of(R"([{"name": "a", "metric": 5}])").size(), 1u);
}

TEST(DetectProfile, OperatorsAreTheApiEnum) {
    EXPECT_EQ(
        first_error(
            R"([{"name": "a", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than-equal", "value": {"count": 4096}, "durationSeconds": 300}}])"),
        "1 validation error detected: Value 'less-than-equal' at "
        "'behaviors.1.member.criteria.comparisonOperator' failed to satisfy constraint: Member "
        "must satisfy enum value set: [less-than, less-than-equals, greater-than, "
        "greater-than-equals, in-cidr-set, not-in-cidr-set, in-port-set, not-in-port-set, "
        "in-set, not-in-set] (\"less-than-equal\" is a typo of AWS's documentation: write "
        "\"less-than-equals\")");
    for (const char* name :
         {"less-than", "less-than-equals", "greater-than", "greater-than-equals", "in-cidr-set",
          "not-in-cidr-set", "in-port-set", "not-in-port-set", "in-set", "not-in-set"}) {
        const auto op = parse_comparison_operator(name);
        ASSERT_TRUE(op) << name;
        EXPECT_STREQ(to_string(*op), name);
    }
}

TEST(DetectProfile, MeaningErrorsUseTheServiceWording) {
    const auto behavior = [](std::string_view metric, std::string_view criteria) {
        return first_error(R"([{"name": "B", "metric": ")" + std::string(metric) +
                           R"(", "criteria": )" + std::string(criteria) + "}]");
    };
    EXPECT_EQ(behavior("aws:num-connections",
                       R"({"comparisonOperator": "less-than", "value": {"count": 1}})"),
              "Behavior B is malformed. metric aws:num-connections is not supported");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "in-port-set", "value": {"ports": [1]}, "durationSeconds": 300})"),
        "Behavior B is malformed. comparisonOperator in-port-set is not supported for "
        "metric aws:all-bytes-in");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"number": 1}, "durationSeconds": 300})"),
        "Behavior B is malformed. value should have count for metric aws:all-bytes-in");
    EXPECT_EQ(behavior("aws:all-bytes-in",
                       R"({"comparisonOperator": "less-than", "durationSeconds": 300})"),
              "Behavior B is malformed. value or statisticalThreshold is required");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 1}, "statisticalThreshold": {"statistic": "p50"}, "durationSeconds": 300})"),
        "Behavior B is malformed. value and statisticalThreshold cannot both be set");
    EXPECT_EQ(behavior("aws:all-bytes-in", R"({"value": {"count": 1}, "durationSeconds": 300})"),
              "Behavior B is malformed. comparisonOperator is required");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 100})"),
        "Behavior B is malformed. durationSeconds 100 should be one of [300, 600, 900, "
        "1800, 3600]");
    EXPECT_EQ(
        behavior(
            "aws:listening-tcp-ports",
            R"({"comparisonOperator": "in-port-set", "value": {"ports": [1]}, "durationSeconds": 300})"),
        "Behavior B is malformed. durationSeconds is not supported for metric "
        "aws:listening-tcp-ports");
    EXPECT_EQ(
        behavior("aws:destination-ip-addresses",
                 R"({"comparisonOperator": "in-cidr-set", "value": {"cidrs": ["10.0.0.0/33"]}})"),
        "Behavior B is malformed. cidr 10.0.0.0/33 is not a valid CIDR");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "statisticalThreshold": {"statistic": "p95"}, "durationSeconds": 300})"),
        "1 validation error detected: Value 'p95' at "
        "'behaviors.1.member.criteria.statisticalThreshold.statistic' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "(p0|p0\\.1|p0\\.01|p1|p10|p50|p90|p99|p99\\.9|p99\\.99|p100)");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "statisticalThreshold": {"statistic": "p50"}})"),
        "Behavior B is malformed. statisticalThreshold needs durationSeconds");
    EXPECT_EQ(
        behavior(
            "aws:listening-tcp-ports",
            R"({"comparisonOperator": "in-port-set", "statisticalThreshold": {"statistic": "p50"}})"),
        "Behavior B is malformed. statisticalThreshold is not supported for metric "
        "aws:listening-tcp-ports");
    EXPECT_EQ(
        behavior(
            "aws:all-bytes-in",
            R"({"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300, "consecutiveDatapointsToClear": 0})"),
        "Behavior B is malformed. consecutiveDatapointsToClear 0 should be in range[1,10]");
    EXPECT_EQ(
        behavior("aws:all-bytes-in",
                 R"({"mlDetectionConfig": {"confidenceLevel": "HIGH"}, "durationSeconds": 300})"),
        "Behavior B is malformed. mlDetectionConfig cannot be combined with "
        "comparisonOperator, value, statisticalThreshold or durationSeconds");
    EXPECT_EQ(behavior("aws:all-bytes-in", R"({"mlDetectionConfig": {"confidenceLevel": "SURE"}})"),
              "1 validation error detected: Value 'SURE' at "
              "'behaviors.1.member.criteria.mlDetectionConfig.confidenceLevel' failed to satisfy "
              "constraint: Member must satisfy enum value set: [LOW, MEDIUM, HIGH]");
    EXPECT_EQ(behavior("battery", R"({"comparisonOperator": "less-than", "value": {"count": 1}})"),
              "Behavior B is malformed. value of custom metric battery should have number, "
              "numbers, strings or cidrs");
    EXPECT_EQ(behavior("battery", R"({"comparisonOperator": "in-set", "value": {"number": 1}})"),
              "Behavior B is malformed. comparisonOperator in-set is not supported for metric "
              "battery");
    EXPECT_EQ(first_error(R"([{"name": "B", "metric": "aws:all-bytes-in"}])"),
              "Behavior B is malformed. criteria is required");
    EXPECT_EQ(
        first_error(
            R"([{"name": "B", "metric": "aws:all-bytes-in", "metricDimension": {"dimensionName": "TopicFilter"}, "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}}])"),
        "Behavior B is malformed. metricDimension is not supported for metric "
        "aws:all-bytes-in");
    EXPECT_EQ(first_error(R"([{"name": "Bad name", "metric": "aws:all-bytes-in"}])"),
              "1 validation error detected: Value 'Bad name' at 'behaviors.1.member.name' failed "
              "to satisfy constraint: Member must satisfy regular expression pattern: "
              "[a-zA-Z0-9:_-]+");
}

TEST(DetectProfile, TheListIsCheckedAsAWhole) {
    EXPECT_EQ(
        first_error(
            R"([{"name": "B", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}},
                             {"name": "B", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300}}])"),
        "Behavior B is malformed. Behavior names must be unique within a profile");
    std::string many = "[";
    for (int i = 0; i < 101; ++i) {
        many +=
            std::string(i ? "," : "") + R"({"name": "b)" + std::to_string(i) +
            R"(", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22]}}})";
    }
    EXPECT_EQ(first_error(many + "]"),
              "1 validation error detected: Value '101 behaviors' at 'behaviors' failed to "
              "satisfy constraint: Member must have length less than or equal to 100");
}

TEST(DetectProfile, EveryErrorIsReturnedByValidateAndTheFirstByParse) {
    const std::string behaviors =
        R"([{"name": "A", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 301}},
            {"name": "B", "metric": "aws:all-bytes-in", "criteria": {"comparisonOperator": "less-than", "value": {"count": 1}, "durationSeconds": 300, "consecutiveDatapointsToAlarm": 11}}])";
    EXPECT_EQ(errors_of(behaviors),
              (std::vector<std::string>{
                  "Behavior A is malformed. durationSeconds 301 should be one of [300, 600, 900, "
                  "1800, 3600]",
                  "Behavior B is malformed. consecutiveDatapointsToAlarm 11 should be in "
                  "range[1,10]"}));
    EXPECT_EQ(
        parse_security_profile(R"({"securityProfileName": "p", "behaviors": )" + behaviors + "}")
            .error()
            .message,
        "Behavior A is malformed. durationSeconds 301 should be one of [300, 600, 900, "
        "1800, 3600]");
}

TEST(DetectProfile, AwsDocumentedExamplesAreValid) {
    // Developer guide, "Device-side metrics" and "Custom metrics" (operators corrected to the
    // API's spelling; the guide writes less-than-equal), ML and statistical forms included.
    const auto result = validate_security_profile_behaviors(R"([
      {"name": "TCPOutbound", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": 4096}, "durationSeconds": 300, "consecutiveDatapointsToAlarm": 1, "consecutiveDatapointsToClear": 1}, "suppressAlerts": true},
      {"name": "TCPOutboundP50", "metric": "aws:all-bytes-out", "criteria": {"comparisonOperator": "less-than-equals", "statisticalThreshold": {"statistic": "p50"}, "durationSeconds": 900, "consecutiveDatapointsToAlarm": 1, "consecutiveDatapointsToClear": 1}, "suppressAlerts": true},
      {"name": "OutboundML", "metric": "aws:all-bytes-out", "criteria": {"consecutiveDatapointsToAlarm": 1, "consecutiveDatapointsToClear": 1, "mlDetectionConfig": {"confidenceLevel": "HIGH"}}, "suppressAlerts": true},
      {"name": "MaxTCPPorts", "metric": "aws:num-listening-tcp-ports", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": 5}, "durationSeconds": 300}},
      {"name": "DeniedIPs", "metric": "aws:destination-ip-addresses", "criteria": {"comparisonOperator": "not-in-cidr-set", "value": {"cidrs": ["12.8.0.0/16", "15.102.16.0/24"]}}},
      {"name": "ListeningTCP", "metric": "aws:listening-tcp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [443, 80]}}},
      {"name": "ListeningUDP", "metric": "aws:listening-udp-ports", "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [1025, 2000]}}},
      {"name": "TCPConnections", "metric": "aws:num-established-tcp-connections", "criteria": {"comparisonOperator": "less-than-equals", "value": {"count": 3}}},
      {"name": "TCPConnectionsP90", "metric": "aws:num-established-tcp-connections", "criteria": {"comparisonOperator": "less-than-equals", "statisticalThreshold": {"statistic": "p90"}, "durationSeconds": 900}},
      {"name": "great-than-75", "metric": "batteryPercentage", "criteria": {"comparisonOperator": "greater-than", "value": {"number": 75}, "consecutiveDatapointsToAlarm": 5, "consecutiveDatapointsToClear": 1}},
      {"name": "cellularBandwidth", "metric": "aws:message-byte-size", "criteria": {"comparisonOperator": "less-than", "value": {"count": 128}}},
      {"name": "TopicMessages", "metric": "aws:num-messages-sent", "metricDimension": {"dimensionName": "TopicFilterForAuthMessages", "operator": "IN"}, "criteria": {"comparisonOperator": "less-than", "value": {"count": 10}, "durationSeconds": 300}}
    ])");
    EXPECT_TRUE(result.valid) << to_json(result);
}

}  // namespace
}  // namespace defender::detect
