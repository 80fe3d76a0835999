// SPDX-License-Identifier: Apache-2.0
#pragma once
// The connect steps' failure (net/step_failure.hpp), by its name in the MQTT transport.

#include "net/step_failure.hpp"

namespace defender::mqtt {

using net::StepFailure;

}  // namespace defender::mqtt
