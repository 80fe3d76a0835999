// SPDX-License-Identifier: Apache-2.0
#include "store/schema.hpp"

#include <array>
#include <string_view>

#include "store/store_errors.hpp"

namespace defender::detect::store {
namespace {

// Never edit a released migration: add one. Times are epoch milliseconds; JSON columns hold
// the AWS shapes (violation records) or ThingState's to_json.
constexpr std::array<std::string_view, 3> kMigrations = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE thing_state (
    thing TEXT PRIMARY KEY NOT NULL,
    state_json TEXT NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE datapoints (
    thing TEXT NOT NULL,
    time INTEGER NOT NULL,
    metrics_json TEXT NOT NULL
);
CREATE INDEX datapoints_by_thing_time ON datapoints (thing, time);
CREATE INDEX datapoints_by_time ON datapoints (time);
CREATE TABLE violation_events (
    id INTEGER PRIMARY KEY,
    violation_id TEXT NOT NULL,
    thing TEXT NOT NULL,
    profile TEXT NOT NULL,
    behavior TEXT NOT NULL,
    type TEXT NOT NULL,
    time INTEGER NOT NULL,
    notify INTEGER NOT NULL,
    published INTEGER NOT NULL,
    event_json TEXT NOT NULL
);
CREATE INDEX violation_events_by_time ON violation_events (time);
CREATE INDEX violation_events_by_violation ON violation_events (violation_id);
CREATE INDEX violation_events_outbox ON violation_events (id) WHERE published = 0;
CREATE TABLE active_violations (
    violation_id TEXT PRIMARY KEY NOT NULL,
    thing TEXT NOT NULL,
    profile TEXT NOT NULL,
    behavior TEXT NOT NULL,
    violation_json TEXT NOT NULL
);
CREATE INDEX active_violations_by_thing ON active_violations (thing);
CREATE TABLE verification (
    violation_id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL
);
)sql",
    // 2: list-violation-events --thing-name without scanning every thing's events.
    R"sql(
CREATE INDEX violation_events_by_thing_time ON violation_events (thing, time);
)sql",
    // 3: the console's fleet rows and /metrics without scanning the datapoints: one summary
    // row per thing (counts of reports received, the latest datapoint). Filled from the things
    // and datapoints of the older schema: each kept datapoint counts as one accepted report.
    R"sql(
CREATE TABLE thing_summary (
    thing TEXT PRIMARY KEY NOT NULL,
    last_report INTEGER,
    last_received INTEGER,
    format TEXT NOT NULL DEFAULT '',
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    latest_time INTEGER,
    latest_json TEXT
);
INSERT INTO thing_summary (thing)
    SELECT thing FROM thing_state UNION SELECT DISTINCT thing FROM datapoints;
UPDATE thing_summary SET (latest_time, latest_json) = (
    SELECT d.time, d.metrics_json FROM datapoints d WHERE d.thing = thing_summary.thing
    ORDER BY d.time DESC, d.rowid DESC LIMIT 1);
UPDATE thing_summary SET
    accepted = (SELECT COUNT(*) FROM datapoints d WHERE d.thing = thing_summary.thing),
    last_report = COALESCE(latest_time, (SELECT json_extract(s.state_json, '$.lastReport')
        FROM thing_state s WHERE s.thing = thing_summary.thing));
UPDATE thing_summary SET last_received = last_report;
)sql",
};

}  // namespace

int schema_version() {
    return static_cast<int>(kMigrations.size());
}

int read_user_version(Database& db) {
    Statement statement;
    int rc = statement.prepare(db.get(), "PRAGMA user_version");
    if (rc != SQLITE_OK) return -rc;
    rc = statement.step();
    if (rc != SQLITE_ROW) return -rc;
    return static_cast<int>(statement.int64(0));
}

Status migrate(Database& db, const std::string& path, int target) {
    const int version = read_user_version(db);
    if (version < 0)
        return sqlite_error(path, -version, "reading its schema version", db.message());
    if (version > schema_version()) {
        return Error{"detect store " + path + ": its schema version " + std::to_string(version) +
                     " is newer than this defender's (" + std::to_string(schema_version()) +
                     "): use the defender that wrote it, or a newer one"};
    }
    for (int next = version + 1; next <= target; ++next) {
        Transaction transaction(db);
        int rc = transaction.begin();
        const std::string doing = "migrating it to schema version " + std::to_string(next);
        if (rc != SQLITE_OK) return sqlite_error(path, rc, doing, db.message());
        // The version read above may be stale if another process migrated meanwhile.
        if (read_user_version(db) >= next) continue;
        const std::string sql = std::string(kMigrations[static_cast<std::size_t>(next - 1)]) +
                                "PRAGMA user_version = " + std::to_string(next) + ";";
        rc = db.exec(sql.c_str());
        if (rc != SQLITE_OK) return sqlite_error(path, rc, doing, db.message());
        rc = transaction.commit();
        if (rc != SQLITE_OK) return sqlite_error(path, rc, doing, db.message());
    }
    return Done{};
}

}  // namespace defender::detect::store
