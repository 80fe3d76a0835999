// SPDX-License-Identifier: Apache-2.0
#pragma once
// Why one step of a connect attempt (TCP, proxy tunnel, TLS, MQTT) did not complete.

#include <string>

namespace defender::mqtt {

struct StepFailure {
    bool timed_out = false;  ///< the attempt's deadline passed first
    std::string reason;      ///< one line; empty when timed_out
};

}  // namespace defender::mqtt
