// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_store.hpp"

#include <set>

#include "store/record_json.hpp"
#include "store/store_errors.hpp"

namespace defender::detect::store {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t ms(Time time) {
    return time.time_since_epoch().count();
}

Time time_of(std::int64_t value) {
    return Time(std::chrono::milliseconds(value));
}

// The columns events_of reads, in order.
constexpr const char* kEventColumns =
    "SELECT e.id, e.event_json, e.notify, e.published, e.time, v.state, v.description "
    "FROM violation_events e LEFT JOIN verification v ON v.violation_id = e.violation_id ";

std::optional<Verification> verification_of(const Statement& statement, int column) {
    if (statement.is_null(column)) return std::nullopt;
    const auto state = parse_verification_state(statement.text(column));
    return Verification{state.value_or(VerificationState::unknown), statement.text(column + 1)};
}

}  // namespace

SqliteStore::SqliteStore(Database db, std::string path, StoreOptions options)
    : db_(std::move(db)), path_(std::move(path)), options_(options) {}

Error SqliteStore::failure(int rc, std::string_view doing) const {
    return sqlite_error(path_, rc, doing, db_.message());
}

Status SqliteStore::writable() const {
    if (options_.read_only) {
        return Error{"detect store " + path_ + ": opened read-only (for queries), cannot write"};
    }
    return Done{};
}

Status SqliteStore::prepare() {
    if (options_.read_only) return Done{};
    const std::pair<Statement*, const char*> statements[] = {
        {&upsert_state_,
         "INSERT INTO thing_state (thing, state_json, updated) VALUES (?1, ?2, "
         "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) "
         "ON CONFLICT (thing) DO UPDATE SET state_json = excluded.state_json, "
         "updated = excluded.updated"},
        {&insert_datapoint_,
         "INSERT INTO datapoints (thing, time, metrics_json) VALUES (?1, ?2, ?3)"},
        {&insert_event_,
         "INSERT INTO violation_events (violation_id, thing, profile, behavior, type, time, "
         "notify, published, event_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
        {&delete_active_, "DELETE FROM active_violations WHERE thing = ?1"},
        {&insert_active_,
         "INSERT OR REPLACE INTO active_violations (violation_id, thing, profile, behavior, "
         "violation_json) VALUES (?1, ?2, ?3, ?4, ?5)"},
    };
    for (const auto& [statement, sql] : statements) {
        const int rc = statement->prepare(db_.get(), sql);
        if (rc != SQLITE_OK) return failure(rc, "preparing its statements");
    }
    return Done{};
}

Result<std::vector<std::pair<std::string, ThingState>>> SqliteStore::load_states() {
    const char* doing = "loading the things' states";
    Statement statement;
    int rc =
        statement.prepare(db_.get(), "SELECT thing, state_json FROM thing_state ORDER BY thing");
    if (rc != SQLITE_OK) return failure(rc, doing);
    std::vector<std::pair<std::string, ThingState>> states;
    while ((rc = statement.step()) == SQLITE_ROW) {
        std::string thing = statement.text(0);
        auto state = thing_state_from_json(statement.text(1));
        if (!state) {
            return Error{"detect store " + path_ + ": the saved state of thing " + thing +
                         " is unreadable: " + state.error().message};
        }
        states.emplace_back(std::move(thing), std::move(*state));
    }
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return states;
}

Status SqliteStore::record(const Evaluation& evaluation) {
    if (auto ok = writable(); !ok) return ok;
    const char* doing = "recording an evaluation";
    Transaction transaction(db_);
    int rc = transaction.begin();
    if (rc != SQLITE_OK) return failure(rc, doing);
    auto run = [](Statement& statement) {
        const int result = statement.step();
        statement.reset();
        return result == SQLITE_DONE ? SQLITE_OK : result;
    };
    for (const auto& entry : evaluation.states) {
        upsert_state_.bind(1, std::string_view(entry.first));
        upsert_state_.bind(2, std::string_view(to_json(entry.second)));
        if ((rc = run(upsert_state_)) != SQLITE_OK) return failure(rc, doing);
        delete_active_.bind(1, std::string_view(entry.first));
        if ((rc = run(delete_active_)) != SQLITE_OK) return failure(rc, doing);
    }
    for (const auto& datapoint : evaluation.datapoints) {
        insert_datapoint_.bind(1, std::string_view(datapoint.thing_name));
        insert_datapoint_.bind(2, ms(datapoint.time));
        insert_datapoint_.bind(3, std::string_view(datapoint.metrics));
        if ((rc = run(insert_datapoint_)) != SQLITE_OK) return failure(rc, doing);
    }
    for (const auto& event : evaluation.events) {
        insert_event_.bind(1, std::string_view(event.violation_id));
        insert_event_.bind(2, std::string_view(event.thing_name));
        insert_event_.bind(3, std::string_view(event.security_profile_name));
        insert_event_.bind(4, std::string_view(event.behavior.name));
        insert_event_.bind(5, std::string_view(to_string(event.violation_event_type)));
        insert_event_.bind(6, ms(event.violation_event_time));
        insert_event_.bind(7, std::int64_t{event.notify ? 1 : 0});
        insert_event_.bind(8, std::int64_t{event.notify ? 0 : 1});
        insert_event_.bind(9, std::string_view(to_json(event)));
        if ((rc = run(insert_event_)) != SQLITE_OK) return failure(rc, doing);
    }
    for (const auto& violation : evaluation.active) {
        insert_active_.bind(1, std::string_view(violation.violation_id));
        insert_active_.bind(2, std::string_view(violation.thing_name));
        insert_active_.bind(3, std::string_view(violation.security_profile_name));
        insert_active_.bind(4, std::string_view(violation.behavior.name));
        insert_active_.bind(5, std::string_view(to_json(violation)));
        if ((rc = run(insert_active_)) != SQLITE_OK) return failure(rc, doing);
    }
    rc = transaction.commit();
    if (rc != SQLITE_OK) return failure(rc, doing);
    return Done{};
}

Result<std::vector<StoredEvent>> SqliteStore::events_of(Statement& statement,
                                                        std::string_view doing) {
    std::vector<StoredEvent> events;
    int rc;
    while ((rc = statement.step()) == SQLITE_ROW) {
        auto event = event_from_json(statement.text(1), statement.int64(2) != 0);
        if (!event) {
            return Error{"detect store " + path_ + ": event row " +
                         std::to_string(statement.int64(0)) +
                         " is unreadable: " + event.error().message};
        }
        event->violation_event_time = time_of(statement.int64(4));
        events.push_back(StoredEvent{statement.int64(0), std::move(*event),
                                     verification_of(statement, 5), statement.int64(3) != 0});
    }
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return events;
}

Result<std::vector<StoredEvent>> SqliteStore::unpublished(std::size_t limit) {
    const char* doing = "reading the events to publish";
    Statement statement;
    const int rc = statement.prepare(
        db_.get(), std::string(kEventColumns) + "WHERE e.published = 0 ORDER BY e.id LIMIT ?1");
    if (rc != SQLITE_OK) return failure(rc, doing);
    statement.bind(1, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    return events_of(statement, doing);
}

Status SqliteStore::mark_published(std::int64_t id) {
    if (auto ok = writable(); !ok) return ok;
    const char* doing = "marking an event published";
    Statement statement;
    int rc =
        statement.prepare(db_.get(), "UPDATE violation_events SET published = 1 WHERE id = ?1");
    if (rc != SQLITE_OK) return failure(rc, doing);
    statement.bind(1, id);
    rc = statement.step();
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return Done{};
}

Result<std::vector<StoredEvent>> SqliteStore::violation_events(const EventQuery& query) {
    const char* doing = "listing violation events";
    std::string sql = std::string(kEventColumns) + "WHERE e.time >= ?1 AND e.time <= ?2";
    if (query.thing_name) sql += " AND e.thing = ?3";
    if (query.profile_name) sql += " AND e.profile = ?4";
    if (query.verification) sql += " AND v.state = ?5";
    sql += " ORDER BY e.time DESC, e.id DESC LIMIT ?6";
    Statement statement;
    const int rc = statement.prepare(db_.get(), sql);
    if (rc != SQLITE_OK) return failure(rc, doing);
    statement.bind(1, ms(query.start_time));
    statement.bind(2, ms(query.end_time));
    if (query.thing_name) statement.bind(3, std::string_view(*query.thing_name));
    if (query.profile_name) statement.bind(4, std::string_view(*query.profile_name));
    if (query.verification) statement.bind(5, std::string_view(to_string(*query.verification)));
    statement.bind(6, query.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(query.limit));
    return events_of(statement, doing);
}

Result<std::vector<StoredActiveViolation>> SqliteStore::active_violations(
    const ActiveQuery& query) {
    const char* doing = "listing active violations";
    std::string sql =
        "SELECT a.violation_id, a.violation_json, v.state, v.description FROM active_violations a "
        "LEFT JOIN verification v ON v.violation_id = a.violation_id WHERE 1";
    if (query.thing_name) sql += " AND a.thing = ?1";
    if (query.profile_name) sql += " AND a.profile = ?2";
    if (query.verification) sql += " AND v.state = ?3";
    sql += " ORDER BY a.thing, a.profile, a.behavior, a.violation_id";
    Statement statement;
    int rc = statement.prepare(db_.get(), sql);
    if (rc != SQLITE_OK) return failure(rc, doing);
    if (query.thing_name) statement.bind(1, std::string_view(*query.thing_name));
    if (query.profile_name) statement.bind(2, std::string_view(*query.profile_name));
    if (query.verification) statement.bind(3, std::string_view(to_string(*query.verification)));
    std::vector<StoredActiveViolation> violations;
    while ((rc = statement.step()) == SQLITE_ROW) {
        auto violation = active_violation_from_json(statement.text(1));
        if (!violation) {
            return Error{"detect store " + path_ + ": active violation " + statement.text(0) +
                         " is unreadable: " + violation.error().message};
        }
        violations.push_back({std::move(*violation), verification_of(statement, 2)});
    }
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return violations;
}

Status SqliteStore::put_verification_state(std::string_view violation_id,
                                           const Verification& verification) {
    if (auto ok = writable(); !ok) return ok;
    const char* doing = "setting a verification state";
    Transaction transaction(db_);
    int rc = transaction.begin();
    if (rc != SQLITE_OK) return failure(rc, doing);
    Statement known;
    rc = known.prepare(db_.get(),
                       "SELECT EXISTS (SELECT 1 FROM violation_events WHERE violation_id = ?1) "
                       "OR EXISTS (SELECT 1 FROM active_violations WHERE violation_id = ?1)");
    if (rc != SQLITE_OK) return failure(rc, doing);
    known.bind(1, violation_id);
    rc = known.step();
    if (rc != SQLITE_ROW) return failure(rc, doing);
    if (known.int64(0) == 0) return Error{"no violation with id " + std::string(violation_id)};
    Statement put;
    rc = put.prepare(db_.get(),
                     "INSERT OR REPLACE INTO verification (violation_id, state, description) "
                     "VALUES (?1, ?2, ?3)");
    if (rc != SQLITE_OK) return failure(rc, doing);
    put.bind(1, violation_id);
    put.bind(2, std::string_view(to_string(verification.state)));
    put.bind(3, std::string_view(verification.description));
    rc = put.step();
    if (rc != SQLITE_DONE) return failure(rc, doing);
    rc = transaction.commit();
    if (rc != SQLITE_OK) return failure(rc, doing);
    return Done{};
}

Result<std::vector<Datapoint>> SqliteStore::datapoints(std::string_view thing, Time from, Time to) {
    const char* doing = "reading datapoints";
    Statement statement;
    int rc = statement.prepare(db_.get(),
                               "SELECT time, metrics_json FROM datapoints WHERE thing = ?1 AND "
                               "time >= ?2 AND time <= ?3 ORDER BY time, rowid");
    if (rc != SQLITE_OK) return failure(rc, doing);
    statement.bind(1, thing);
    statement.bind(2, ms(from));
    statement.bind(3, ms(to));
    std::vector<Datapoint> datapoints;
    while ((rc = statement.step()) == SQLITE_ROW) {
        datapoints.push_back({std::string(thing), time_of(statement.int64(0)), statement.text(1)});
    }
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return datapoints;
}

Result<std::vector<std::string>> SqliteStore::things() {
    const char* doing = "listing things";
    Statement statement;
    int rc = statement.prepare(db_.get(), "SELECT thing FROM thing_state ORDER BY thing");
    if (rc != SQLITE_OK) return failure(rc, doing);
    std::vector<std::string> things;
    while ((rc = statement.step()) == SQLITE_ROW)
        things.push_back(statement.text(0));
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return things;
}

Status SqliteStore::prune(Time now) {
    if (auto ok = writable(); !ok) return ok;
    const char* doing = "pruning old history";
    Transaction transaction(db_);
    int rc = transaction.begin();
    if (rc != SQLITE_OK) return failure(rc, doing);
    auto remove_before = [&](const char* sql, std::int64_t days) {
        if (days <= 0) return SQLITE_OK;  // kept forever
        Statement statement;
        int result = statement.prepare(db_.get(), sql);
        if (result != SQLITE_OK) return result;
        statement.bind(1, ms(now) - days * kDayMs);
        result = statement.step();
        return result == SQLITE_DONE ? SQLITE_OK : result;
    };
    rc = remove_before("DELETE FROM datapoints WHERE time < ?1", options_.datapoint_days);
    if (rc != SQLITE_OK) return failure(rc, doing);
    rc = remove_before("DELETE FROM violation_events WHERE time < ?1", options_.event_days);
    if (rc != SQLITE_OK) return failure(rc, doing);
    // Verdicts on violations of which nothing is left.
    rc = db_.exec(
        "DELETE FROM verification WHERE violation_id NOT IN (SELECT violation_id FROM "
        "violation_events) AND violation_id NOT IN (SELECT violation_id FROM active_violations)");
    if (rc != SQLITE_OK) return failure(rc, doing);
    rc = transaction.commit();
    if (rc != SQLITE_OK) return failure(rc, doing);
    return Done{};
}

}  // namespace defender::detect::store
