// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns what the steps of a failed connect (TCP, proxy, TLS, WebSocket upgrade, CONNACK)
// report into one line that says what failed. Pure, so the wording can be tested without a
// network.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace defender::mqtt {

struct ConnectFailure {
    std::string target;                    ///< "host:port"
    int return_code = 0;                   ///< The CONNACK return code (1..5); 0: none.
    std::optional<std::string> diagnosis;  ///< Which step failed and why.
    bool timed_out = false;                ///< The attempt used up the whole connect timeout.
    std::chrono::seconds timeout{0};
    /// TLS was set up, then the broker closed the connection without a CONNACK (AWS IoT's
    /// answer to a CONNECT its policy denies); `diagnosis` may say how it closed.
    bool closed_before_connack = false;
    std::string client_id;  ///< The client id the CONNECT carried.
};

/// E.g. "connect to localhost:8883 failed: server certificate verification failed: hostname
/// mismatch", "connect to localhost:8883 timed out after 10 s",
/// "connect to localhost:8883 refused by the broker: not authorized (CONNACK 5): the policy
/// does not allow iot:Connect for client id "x", ...". Refusals AWS IoT gives for a denied
/// CONNECT (a close before CONNACK, CONNACK 2, 4 or 5) say what they mean there.
std::string describe_connect_failure(const ConnectFailure& failure);

}  // namespace defender::mqtt
