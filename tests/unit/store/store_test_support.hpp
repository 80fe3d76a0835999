// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers of the store tests: a temporary directory, violation records and states to record,
// raw SQLite access to look behind the Store.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "defender/detect.hpp"
#include "defender/detect_store.hpp"

namespace defender::detect::test {

/// A directory removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "defender-store-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline Time at_ms(std::int64_t ms) {
    return Time(std::chrono::milliseconds(ms));
}

inline Behavior bytes_behavior(std::string name = "BytesIn") {
    Behavior behavior;
    behavior.name = std::move(name);
    behavior.metric = "aws:all-bytes-in";
    BehaviorCriteria criteria;
    criteria.comparison_operator = ComparisonOperator::less_than;
    criteria.value = MetricValue{};
    criteria.value->count = 1000;
    behavior.criteria = criteria;
    return behavior;
}

inline ViolationEvent violation_event(std::string id, std::string thing, Time time,
                                      bool notify = true, std::string profile = "p",
                                      ViolationEventType type = ViolationEventType::in_alarm) {
    ViolationEvent event;
    event.violation_id = std::move(id);
    event.thing_name = std::move(thing);
    event.security_profile_name = std::move(profile);
    event.behavior = bytes_behavior();
    event.behavior.suppress_alerts = notify ? std::nullopt : std::optional<bool>(true);
    if (type != ViolationEventType::alarm_invalidated) {
        event.metric_value = MetricValue{};
        event.metric_value->count = 5000;
    }
    event.violation_event_type = type;
    event.violation_event_time = time;
    event.notify = notify;
    return event;
}

inline ActiveViolation active_violation(std::string id, std::string thing, Time start,
                                        std::string profile = "p",
                                        std::string behavior = "BytesIn") {
    ActiveViolation violation;
    violation.violation_id = std::move(id);
    violation.thing_name = std::move(thing);
    violation.security_profile_name = std::move(profile);
    violation.behavior = bytes_behavior(std::move(behavior));
    violation.last_violation_value = MetricValue{};
    violation.last_violation_value->ports = std::vector<std::uint16_t>{22, 443};
    violation.last_violation_time = start + std::chrono::milliseconds(300'500);
    violation.violation_start_time = start;
    return violation;
}

inline ThingState thing_state(Time last_report, std::uint32_t alarms = 1) {
    ThingState state;
    state.last_report = last_report;
    BehaviorState behavior;
    behavior.behavior = "BytesIn";
    behavior.definition = 1234;
    behavior.alarms = alarms;
    behavior.window_start = 300000;
    behavior.window_value = std::uint64_t{77};
    behavior.violating_run = 2;
    state.profiles.push_back({"p", {behavior}});
    return state;
}

/// The store at `path`; fails the test when it does not open.
inline std::unique_ptr<Store> open_store(const std::filesystem::path& path,
                                         StoreOptions options = {}) {
    auto store = open_sqlite_store(path, options);
    if (!store) {
        ADD_FAILURE() << store.error().message;
        return nullptr;
    }
    return std::move(*store);
}

/// The file's bytes ("" when it does not exist).
inline std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The first column of the first row of a query run on a plain connection ("" when none).
inline std::string query_text(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
            sqlite3_step(statement) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(statement, 0);
            if (text) out = reinterpret_cast<const char*>(text);
        }
        sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    return out;
}

}  // namespace defender::detect::test
