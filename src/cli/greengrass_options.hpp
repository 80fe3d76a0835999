// SPDX-License-Identifier: Apache-2.0
#pragma once
// `defender agent` as an AWS IoT Greengrass V2 component: what the nucleus hands the
// component process in its environment, and the choices made from it.

#include <optional>
#include <string>
#include <vector>

#include "defender/greengrass_transport.hpp"

namespace defender::cli {

inline constexpr const char* kSocketVariable =
    "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT";
inline constexpr const char* kTokenVariable = "SVCUID";
inline constexpr const char* kThingVariable = "AWS_IOT_THING_NAME";
/// Set by the recipe from the component configuration's SampleIntervalSeconds.
inline constexpr const char* kIntervalVariable = "SAMPLE_INTERVAL_SECONDS";

/// True when the nucleus started this process (both IPC variables are set and non-empty).
bool running_under_greengrass();

/// The transport settings from the environment; the error names the missing variables.
Result<GreengrassSettings> greengrass_settings_from_environment();

/// The interval from SAMPLE_INTERVAL_SECONDS, as Greengrass's Device Defender component reads
/// SampleIntervalSeconds: unset → 300; not a number or below 300 → 300 and a warning.
/// Configuration numbers may arrive as "600.0", which counts as 600.
struct IntervalChoice {
    unsigned seconds = 300;
    std::optional<std::string> warning;
};
IntervalChoice greengrass_interval(const char* text);

/// The report budget that keeps a PublishToIoTCore message within nucleus lite's 10 000 bytes.
std::size_t greengrass_default_report_bytes(const std::string& publish_topic);

}  // namespace defender::cli
