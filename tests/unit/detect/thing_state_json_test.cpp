// SPDX-License-Identifier: Apache-2.0
// The thing state's hand-written JSON writer against nlohmann's tree-and-dump (what it
// replaced, kept here as the reference): same bytes for every kind of value, and read back;
// the packed addresses an alarm keeps.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "defender/detect.hpp"

namespace defender::detect {
namespace {

using Json = nlohmann::ordered_json;

Json reference_value(const StoredValue& value) {
    if (const auto* count = std::get_if<std::uint64_t>(&value)) return {{"count", *count}};
    if (const auto* number = std::get_if<double>(&value)) return {{"number", *number}};
    if (const auto* ports = std::get_if<std::vector<std::uint16_t>>(&value)) {
        return {{"ports", *ports}};
    }
    if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) {
        return {{"strings", *strings}};
    }
    if (const auto* numbers = std::get_if<std::vector<double>>(&value)) {
        return {{"numbers", *numbers}};
    }
    if (const auto* packed = std::get_if<PackedAddresses>(&value)) {
        return {{"addresses", unpack_addresses(*packed)}};
    }
    return nullptr;
}

Json reference_window(const WindowValue& value) {
    if (const auto* count = std::get_if<std::uint64_t>(&value)) return {{"count", *count}};
    if (const auto* number = std::get_if<double>(&value)) return {{"number", *number}};
    return nullptr;
}

std::string reference_json(const ThingState& state) {
    Json profiles = Json::array();
    for (const auto& profile : state.profiles) {
        Json behaviors = Json::array();
        for (const auto& b : profile.behaviors) {
            Json entry = {{"behavior", b.behavior},
                          {"definition", b.definition},
                          {"windowStart", b.window_start},
                          {"windowValue", reference_window(b.window_value)},
                          {"violatingRun", b.violating_run},
                          {"conformingRun", b.conforming_run},
                          {"alarms", b.alarms}};
            if (b.alarm) {
                entry["alarm"] = {
                    {"start", b.alarm->start.time_since_epoch().count()},
                    {"lastViolation", b.alarm->last_violation.time_since_epoch().count()},
                    {"lastValue", reference_value(b.alarm->last_value)}};
            }
            behaviors.push_back(std::move(entry));
        }
        profiles.push_back({{"profile", profile.profile}, {"behaviors", std::move(behaviors)}});
    }
    Json out = Json::object();
    if (state.last_report) out["lastReport"] = state.last_report->time_since_epoch().count();
    out["profiles"] = std::move(profiles);
    if (!state.recent_report_ids.empty()) out["recentReportIds"] = state.recent_report_ids;
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Time at(std::int64_t ms) {
    return Time(std::chrono::milliseconds(ms));
}

BehaviorState behavior(std::string name, WindowValue window, std::optional<StoredValue> alarm) {
    BehaviorState b;
    b.behavior = std::move(name);
    b.definition = 0xfedcba98u;
    b.alarms = 7;
    b.window_start = 1'700'000'000'000;
    b.window_value = std::move(window);
    b.violating_run = 255;
    b.conforming_run = 3;
    if (alarm) b.alarm = AlarmState{at(1'700'000'100'000), at(-5), std::move(*alarm)};
    return b;
}

ThingState every_kind_of_value() {
    ThingState state;
    state.last_report = at(1'765'000'000'123);
    state.recent_report_ids = {0, 1, std::numeric_limits<std::uint64_t>::max()};
    ProfileState first{"fleet \"A\" \\ \u00e9\u6f22 \x01", {}};
    first.behaviors.push_back(behavior("none", {}, std::nullopt));
    first.behaviors.push_back(behavior("count", std::uint64_t{42}, StoredValue{std::uint64_t{9}}));
    first.behaviors.push_back(behavior("number", 0.1, StoredValue{-1.5e300}));
    first.behaviors.push_back(
        behavior("ports", {}, StoredValue{std::vector<std::uint16_t>{0, 22, 65535}}));
    first.behaviors.push_back(
        behavior("strings", {},
                 StoredValue{std::vector<std::string>{"10.0.0.1", "", "tab\there", "bad \xff utf-8",
                                                      "<script>alert(1)</script>"}}));
    first.behaviors.push_back(
        behavior("numbers", 3.0, StoredValue{std::vector<double>{1, 2.5, 1e-9, 123456789.125}}));
    first.behaviors.push_back(behavior("no value", {}, StoredValue{}));
    first.behaviors.push_back(behavior(
        "addresses", {},
        StoredValue{*pack_addresses({"10.0.0.1", "2001:db8::7", "255.255.255.255", "::"})}));
    state.profiles.push_back(std::move(first));
    state.profiles.push_back(ProfileState{"empty", {}});
    return state;
}

TEST(ThingStateJson, SameBytesAsNlohmannForEveryKindOfValue) {
    const ThingState state = every_kind_of_value();
    EXPECT_EQ(to_json(state), reference_json(state));
}

TEST(ThingStateJson, SameBytesForAnEmptyState) {
    EXPECT_EQ(to_json(ThingState{}), reference_json(ThingState{}));
    EXPECT_EQ(to_json(ThingState{}), R"({"profiles":[]})");
}

TEST(ThingStateJson, ReadsBackWhatItWrites) {
    ThingState state = every_kind_of_value();
    // Invalid UTF-8 is written replaced (as nlohmann does), so it reads back replaced.
    auto& strings =
        std::get<std::vector<std::string>>(state.profiles[0].behaviors[4].alarm->last_value);
    strings[3] = "bad \xef\xbf\xbd utf-8";
    const auto read = thing_state_from_json(to_json(state));
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, state);
}

TEST(PackedAddresses, UnpackGivesBackTheSameAddressesInOrder) {
    const std::vector<std::string> addresses{"203.0.113.7", "2001:db8::7",   "0.0.0.0",
                                             "::1",         "fe80::1:2:3:4", "10.0.0.1"};
    const auto packed = pack_addresses(addresses);
    ASSERT_TRUE(packed);
    EXPECT_EQ(packed->bytes.size(), 3 * 5u + 3 * 17u);
    EXPECT_EQ(unpack_addresses(*packed), addresses);
    EXPECT_TRUE(unpack_addresses(*pack_addresses({})).empty());
}

TEST(PackedAddresses, TextThatWouldNotComeBackTheSameIsNotPacked) {
    EXPECT_FALSE(pack_addresses({"10.0.0.1", "not an address"}));
    EXPECT_FALSE(pack_addresses({"2001:DB8::1"})) << "upper case unpacks in lower case";
    EXPECT_FALSE(pack_addresses({"10.0.0.1/32"}));
    EXPECT_FALSE(pack_addresses({""}));
}

TEST(PackedAddresses, AStateWithAnAddressAlarmIsReadBackPacked) {
    ThingState state;
    ProfileState profile{"p", {}};
    profile.behaviors.push_back(
        behavior("Destinations", {}, StoredValue{*pack_addresses({"8.8.8.8", "2001:db8::7"})}));
    state.profiles.push_back(std::move(profile));
    const std::string json = to_json(state);
    EXPECT_NE(json.find(R"("lastValue":{"addresses":["8.8.8.8","2001:db8::7"]})"),
              std::string::npos)
        << json;
    const auto read = thing_state_from_json(json);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, state);
    EXPECT_TRUE(
        std::holds_alternative<PackedAddresses>(read->profiles[0].behaviors[0].alarm->last_value));
}

}  // namespace
}  // namespace defender::detect
