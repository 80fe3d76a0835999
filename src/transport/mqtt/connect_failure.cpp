// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/connect_failure.hpp"

#include <array>

namespace defender::mqtt {
namespace {

// MQTT 3.1.1 CONNACK return codes 1..5.
std::string connack_meaning(int code) {
    static constexpr std::array<const char*, 6> kMeanings{
        "",
        "unacceptable protocol version",
        "client identifier rejected",
        "server unavailable",
        "bad user name or password",
        "not authorized",
    };
    return code > 0 && code < static_cast<int>(kMeanings.size()) ? kMeanings[code] : "refused";
}

// What AWS IoT means when it closes the connection before CONNACK or refuses the CONNECT.
std::string aws_refusal_meaning(const std::string& client_id) {
    return ": the policy does not allow iot:Connect for client id \"" + client_id +
           "\", the certificate is inactive or not attached, or another client took this "
           "client id";
}

}  // namespace

std::string describe_connect_failure(const ConnectFailure& failure) {
    const std::string prefix = "connect to " + failure.target;
    if (failure.return_code > 0) {
        const bool denied =
            failure.return_code == 2 || failure.return_code == 4 || failure.return_code == 5;
        return prefix + " refused by the broker: " + connack_meaning(failure.return_code) +
               " (CONNACK " + std::to_string(failure.return_code) + ")" +
               (denied ? aws_refusal_meaning(failure.client_id) : "");
    }
    if (failure.closed_before_connack) {
        const std::string detail = failure.diagnosis ? " (" + *failure.diagnosis + ")" : "";
        return prefix + " failed: the broker closed the connection before CONNACK" + detail +
               aws_refusal_meaning(failure.client_id);
    }
    if (failure.timed_out) {
        return prefix + " timed out after " + std::to_string(failure.timeout.count()) +
               " s (no TLS/MQTT answer)";
    }
    return prefix + " failed" + (failure.diagnosis ? ": " + *failure.diagnosis : "");
}

}  // namespace defender::mqtt
