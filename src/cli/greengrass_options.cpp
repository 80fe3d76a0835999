// SPDX-License-Identifier: Apache-2.0
#include "cli/greengrass_options.hpp"

#include <cmath>
#include <cstdlib>

namespace defender::cli {
namespace {

constexpr unsigned kMinimumInterval = 300;

std::string variable(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

}  // namespace

bool running_under_greengrass() {
    return !variable(kSocketVariable).empty() && !variable(kTokenVariable).empty();
}

Result<GreengrassSettings> greengrass_settings_from_environment() {
    GreengrassSettings settings;
    settings.socket_path = variable(kSocketVariable);
    settings.token = variable(kTokenVariable);
    std::string missing;
    if (settings.socket_path.empty()) missing = kSocketVariable;
    if (settings.token.empty())
        missing += std::string(missing.empty() ? "" : " and ") + kTokenVariable;
    if (!missing.empty())
        return Error{"--greengrass needs " + missing +
                     " in the environment, which the Greengrass nucleus sets for the processes "
                     "of a component"};
    return settings;
}

IntervalChoice greengrass_interval(const char* text) {
    IntervalChoice choice;
    if (!text || !*text) return choice;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !std::isfinite(value) || value != std::floor(value)) {
        choice.warning = std::string(kIntervalVariable) + " (SampleIntervalSeconds) '" + text +
                         "' is not a whole number of seconds; using 300";
        return choice;
    }
    if (value < kMinimumInterval) {
        choice.warning = std::string(kIntervalVariable) + " (SampleIntervalSeconds) " + text +
                         " is below Device Defender's minimum of 300 s; using 300";
        return choice;
    }
    if (value > 86400) {
        choice.warning = std::string(kIntervalVariable) + " (SampleIntervalSeconds) " + text +
                         " is above a day; using 300";
        return choice;
    }
    choice.seconds = static_cast<unsigned>(value);
    return choice;
}

std::size_t greengrass_default_report_bytes(const std::string& publish_topic) {
    return greengrass_report_budget(publish_topic, GreengrassSettings{}.max_message_bytes);
}

}  // namespace defender::cli
