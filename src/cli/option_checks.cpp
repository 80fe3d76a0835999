// SPDX-License-Identifier: Apache-2.0
#include "cli/option_checks.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace defender::cli {

CLI::Validator finite_range(double min, double max) {
    const CLI::Range range(min, max);
    return CLI::Validator(
        [range](std::string& text) -> std::string {
            double value = 0;
            if (!CLI::detail::lexical_cast(text, value))
                return "Value " + text + " is not a number";
            if (!std::isfinite(value)) return "Value " + text + " is not a finite number";
            return range(text);
        },
        range.get_description());
}

CLI::Validator host_name_only() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const std::string example = "e.g. abc123-ats.iot.eu-west-1.amazonaws.com";
            if (text.empty())
                return "the endpoint is empty: give the broker's host name, " + example;
            if (std::any_of(text.begin(), text.end(),
                            [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
                return "the endpoint has a space or control character: give the host name "
                       "alone, " +
                       example;
            }
            if (text.find("://") != std::string::npos) {
                return "\"" + text + "\" has a scheme: give the host name alone, " + example;
            }
            if (text.find('/') != std::string::npos) {
                return "\"" + text + "\" has a path: give the host name alone, " + example;
            }
            // One colon: host:port (IPv6 literals have several).
            if (std::count(text.begin(), text.end(), ':') == 1) {
                return "\"" + text + "\" has a port: give the host name alone and the port with " +
                       "--port";
            }
            return {};
        },
        "");
}

CLI::Validator non_empty(const std::string& what) {
    return CLI::Validator(
        [what](std::string& text) -> std::string {
            return text.empty() ? what + " is empty" : std::string{};
        },
        "");
}

}  // namespace defender::cli
