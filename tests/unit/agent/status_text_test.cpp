// SPDX-License-Identifier: Apache-2.0
// The agent's status as text: systemd's STATUS= line, `defender status` in words and JSON, and
// the status record in the state file.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/state_file.hpp"
#include "agent/status_text.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;
using WallTime = AgentStatus::WallTime;

// 2026-12-06 20:14:03 UTC
const WallTime kConnected{std::chrono::seconds(1796588043)};

AgentStatus connected_status() {
    AgentStatus status;
    status.state = ConnectionState::connected;
    status.since = kConnected;
    status.destination = "broker.example:8883";
    status.last_report_id = 1796588700;
    status.last_outcome = ReportOutcome::accepted;
    status.last_report_at = kConnected + 10min;
    status.last_accepted_id = 1796588700;
    status.last_accepted_at = kConnected + 10min;
    status.lifetime = {812, 810, 1, 1, 0};
    return status;
}

AgentState state_with(const AgentStatus& status, WallTime updated) {
    AgentState state{1796588700, std::nullopt, "boot-1"};
    state.totals = status.lifetime;
    state.status = SavedStatus{status, 4242, "boot-1", updated};
    return state;
}

TEST(StatusText, TimesAndAges) {
    EXPECT_EQ(utc_time_text(kConnected), "2026-12-06 20:14:03 UTC");
    EXPECT_EQ(iso_time_text(kConnected), "2026-12-06T20:14:03Z");
    EXPECT_EQ(age_text(kConnected, kConnected + 45s), "45 s");
    EXPECT_EQ(age_text(kConnected, kConnected + 12min + 5s), "12 min");
    EXPECT_EQ(age_text(kConnected, kConnected + 185min), "3 h 5 min");
    EXPECT_EQ(age_text(kConnected + 1min, kConnected), "0 s");  // a clock set back
}

TEST(StatusText, TheSystemdLineHasAbsoluteTimesThatStayTrue) {
    EXPECT_EQ(status_line(connected_status()),
              "connected to broker.example:8883 since 2026-12-06 20:14:03 UTC; last report "
              "1796588700 accepted at 2026-12-06 20:24:03 UTC");

    AgentStatus down = connected_status();
    down.state = ConnectionState::disconnected;
    down.since = kConnected + 20min;
    down.last_error = "cannot connect: connection refused";
    EXPECT_EQ(status_line(down),
              "not connected to broker.example:8883 since 2026-12-06 20:34:03 UTC: cannot "
              "connect: connection refused; last report 1796588700 accepted at 2026-12-06 "
              "20:24:03 UTC");

    AgentStatus rejected = connected_status();
    rejected.last_report_id = 1796589000;
    rejected.last_outcome = ReportOutcome::rejected;
    rejected.last_report_at = kConnected + 15min;
    rejected.last_report_detail = "InvalidPayload: bad";
    EXPECT_EQ(status_line(rejected),
              "connected to broker.example:8883 since 2026-12-06 20:14:03 UTC; last report "
              "1796589000 rejected at 2026-12-06 20:29:03 UTC: InvalidPayload: bad; last "
              "accepted: 1796588700 at 2026-12-06 20:24:03 UTC");

    AgentStatus starting;
    starting.since = kConnected;
    starting.destination = "broker.example:8883";
    EXPECT_EQ(status_line(starting),
              "connecting to broker.example:8883 (started 2026-12-06 20:14:03 UTC); no report "
              "sent yet");
    starting.state = ConnectionState::stopped;
    EXPECT_EQ(status_line(starting), "stopping");
}

TEST(StatusText, DefenderStatusInWords) {
    const auto now = kConnected + 12min;
    const auto state = state_with(connected_status(), kConnected + 10min);
    EXPECT_EQ(status_report_text(state, Liveness::running, now),
              "running (pid 4242), connected to broker.example:8883 since 2026-12-06 20:14:03 "
              "UTC (12 min)\n"
              "last report 1796588700 accepted 2 min ago\n"
              "lifetime: 812 published, 810 accepted, 1 rejected, 1 unanswered, 0 failed\n");
    EXPECT_EQ(status_report_text(state, Liveness::gone, now)
                  .find("not running: process 4242 ended without stopping (killed or crashed); its "
                        "last status, 2 min ago: connected to broker"),
              0u);
    EXPECT_NE(status_report_text(state, Liveness::rebooted, now)
                  .find("not running: the machine restarted since; its last status"),
              std::string::npos);

    AgentStatus stopped = connected_status();
    stopped.state = ConnectionState::stopped;
    stopped.since = kConnected + 11min;
    EXPECT_EQ(status_report_text(state_with(stopped, stopped.since), Liveness::stopped, now)
                  .find("not running: stopped at 2026-12-06 20:25:03 UTC (60 s ago)\nlast "
                        "report 1796588700 accepted 2 min ago\n"),
              0u);

    AgentState old{17, std::nullopt, {}};
    EXPECT_EQ(status_report_text(old, Liveness::gone, now),
              "no status recorded (the state file was written by an older agent); last report id "
              "17\nlifetime: 0 published, 0 accepted, 0 rejected, 0 unanswered, 0 failed\n");
}

TEST(StatusText, DefenderStatusInJson) {
    AgentStatus down = connected_status();
    down.state = ConnectionState::disconnected;
    down.last_error = "connection lost: keep-alive";
    const auto json = nlohmann::json::parse(
        status_report_json(state_with(down, kConnected), "/var/lib/defender/state.json",
                           Liveness::running, kConnected + 1min));
    EXPECT_EQ(json["running"], true);
    EXPECT_EQ(json["state_file"], "/var/lib/defender/state.json");
    EXPECT_EQ(json["lifetime"]["accepted"], 810);
    EXPECT_EQ(json["last_report_id"], 1796588700u);
    EXPECT_EQ(json["status"]["state"], "disconnected");
    EXPECT_EQ(json["status"]["process"], "running");
    EXPECT_EQ(json["status"]["pid"], 4242);
    EXPECT_EQ(json["status"]["since"], "2026-12-06T20:14:03Z");
    EXPECT_EQ(json["status"]["last_error"], "connection lost: keep-alive");
    EXPECT_EQ(json["status"]["last_report"]["outcome"], "accepted");
    EXPECT_EQ(json["status"]["last_accepted"]["report_id"], 1796588700u);

    const auto none = nlohmann::json::parse(
        status_report_json(AgentState{}, "s.json", Liveness::gone, kConnected));
    EXPECT_TRUE(none["running"].is_null());
    EXPECT_TRUE(none["status"].is_null());
}

TEST(StatusRecord, RoundTripsThroughTheStateFile) {
    AgentStatus status = connected_status();
    status.last_outcome = ReportOutcome::rejected;
    status.last_report_detail = "Throttled: slow down";
    const auto state = state_with(status, kConnected + 1min);
    const auto text = encode_state(state);
    const auto decoded = decode_state(text, "state.json");
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_TRUE(decoded->status);
    EXPECT_EQ(decoded->status->pid, 4242);
    EXPECT_EQ(decoded->status->boot_id, "boot-1");
    EXPECT_EQ(decoded->status->updated, kConnected + 1min);
    EXPECT_EQ(decoded->status->status.state, ConnectionState::connected);
    EXPECT_EQ(decoded->status->status.last_report_detail, "Throttled: slow down");
    EXPECT_EQ(decoded->status->status.lifetime.published, 812u);
    EXPECT_EQ(encode_state(*decoded), text);
}

TEST(StatusRecord, AnInvalidStatusIsDroppedAndTheRestStillLoads) {
    const auto decoded = decode_state(
        R"({"version":1,"last_report_id":5,"status":{"pid":"x","state":"connected"}})", "s");
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->last_report_id, 5u);
    EXPECT_FALSE(decoded->status);
    const auto far = decode_state(
        R"({"version":1,"last_report_id":5,"status":{"pid":1,"boot_id":"","updated":1e30,)"
        R"("state":"connected","since":99999999999999,"destination":""}})",
        "s");
    ASSERT_TRUE(far.ok());
    EXPECT_FALSE(far->status);
}

TEST(StatusRecord, LongErrorsAreCutAndAnythingEncodes) {
    AgentStatus status = connected_status();
    status.last_error = std::string(2000, 'x') + "\xff";
    const auto decoded = decode_state(encode_state(state_with(status, kConnected)), "s");
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(decoded->status);
    EXPECT_LE(decoded->status->status.last_error.size(), kMaxStatusTextBytes + 3);
}

}  // namespace
}  // namespace defender
