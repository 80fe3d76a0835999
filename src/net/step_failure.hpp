// SPDX-License-Identifier: Apache-2.0
#pragma once
// Why one step of a connect attempt (resolve and TCP, proxy tunnel, TLS, MQTT) did not
// complete.

#include <string>

namespace defender::net {

struct StepFailure {
    bool timed_out = false;  ///< the attempt's deadline passed first
    std::string reason;      ///< one line; empty when timed_out
};

}  // namespace defender::net
