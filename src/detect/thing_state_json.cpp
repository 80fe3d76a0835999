// SPDX-License-Identifier: Apache-2.0
// The thing state as the store keeps it, written straight into a string (json_writer.hpp): the
// detector writes every changed thing's state with each batch. The bytes are those nlohmann's
// compact dump gives (ThingStateJson.* compares the two); thing_state_from_json
// (json_output.cpp) reads them back.
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "defender/detect.hpp"
#include "detect/json_writer.hpp"

namespace defender::detect {
namespace {

using namespace json_writer;

void append_stored_value(std::string& out, const StoredValue& value) {
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                out += "{\"count\":";
                append_integer(out, v);
                out += '}';
            } else if constexpr (std::is_same_v<T, double>) {
                out += "{\"number\":";
                append_double(out, v);
                out += '}';
            } else if constexpr (std::is_same_v<T, std::vector<std::uint16_t>>) {
                out += "{\"ports\":";
                append_list(out, v);
                out += '}';
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                out += "{\"strings\":";
                append_list(out, v);
                out += '}';
            } else if constexpr (std::is_same_v<T, PackedAddresses>) {
                out += "{\"addresses\":";
                append_list(out, unpack_addresses(v));
                out += '}';
            } else {
                out += "{\"numbers\":";
                append_list(out, v);
                out += '}';
            }
        },
        value);
}

void append_window_value(std::string& out, const WindowValue& value) {
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        out += "{\"count\":";
        append_integer(out, *count);
        out += '}';
    } else if (const auto* number = std::get_if<double>(&value)) {
        out += "{\"number\":";
        append_double(out, *number);
        out += '}';
    } else {
        out += "null";
    }
}

void append_behavior(std::string& out, const BehaviorState& b) {
    out += '{';
    append_key(out, "behavior");
    append_string(out, b.behavior);
    out += ',';
    append_key(out, "definition");
    append_integer(out, b.definition);
    out += ',';
    append_key(out, "windowStart");
    append_integer(out, b.window_start);
    out += ',';
    append_key(out, "windowValue");
    append_window_value(out, b.window_value);
    out += ',';
    append_key(out, "violatingRun");
    append_integer(out, static_cast<unsigned>(b.violating_run));
    out += ',';
    append_key(out, "conformingRun");
    append_integer(out, static_cast<unsigned>(b.conforming_run));
    out += ',';
    append_key(out, "alarms");
    append_integer(out, b.alarms);
    if (b.alarm) {
        out += ',';
        append_key(out, "alarm");
        out += '{';
        append_key(out, "start");
        append_integer(out, b.alarm->start.time_since_epoch().count());
        out += ',';
        append_key(out, "lastViolation");
        append_integer(out, b.alarm->last_violation.time_since_epoch().count());
        out += ',';
        append_key(out, "lastValue");
        append_stored_value(out, b.alarm->last_value);
        out += '}';
    }
    out += '}';
}

}  // namespace

std::string to_json(const ThingState& state) {
    std::string out;
    out.reserve(256 + 192 * (state.profiles.empty() ? 0 : state.profiles[0].behaviors.size()));
    out += '{';
    if (state.last_report) {
        append_key(out, "lastReport");
        append_integer(out, state.last_report->time_since_epoch().count());
        out += ',';
    }
    append_key(out, "profiles");
    out += '[';
    for (std::size_t p = 0; p < state.profiles.size(); ++p) {
        if (p > 0) out += ',';
        const auto& profile = state.profiles[p];
        out += '{';
        append_key(out, "profile");
        append_string(out, profile.profile);
        out += ',';
        append_key(out, "behaviors");
        out += '[';
        for (std::size_t i = 0; i < profile.behaviors.size(); ++i) {
            if (i > 0) out += ',';
            append_behavior(out, profile.behaviors[i]);
        }
        out += "]}";
    }
    out += ']';
    if (!state.recent_report_ids.empty()) {
        out += ',';
        append_key(out, "recentReportIds");
        append_list(out, state.recent_report_ids);
    }
    out += '}';
    return out;
}

}  // namespace defender::detect
