// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_store.hpp"

#include <algorithm>
#include <limits>
#include <map>
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

std::optional<Time> optional_time(const Statement& statement, int column) {
    if (statement.is_null(column)) return std::nullopt;
    return time_of(statement.int64(column));
}

// The columns summary_of reads, in order: a fleet row with its count of active violations.
constexpr const char* kSummaryColumns =
    "SELECT s.thing, s.last_report, s.last_received, s.format, s.accepted, s.rejected, "
    "(SELECT COUNT(*) FROM active_violations a WHERE a.thing = s.thing) AS active "
    "FROM thing_summary s ";

ThingSummary summary_of(const Statement& statement) {
    ThingSummary summary;
    summary.thing_name = statement.text(0);
    summary.last_report = optional_time(statement, 1);
    summary.last_received = optional_time(statement, 2);
    summary.format = statement.text(3);
    summary.accepted = static_cast<std::uint64_t>(statement.int64(4));
    summary.rejected = static_cast<std::uint64_t>(statement.int64(5));
    summary.active_violations = static_cast<std::size_t>(statement.int64(6));
    return summary;
}

// The LIKE pattern of a substring filter: %, _ and the escape character itself stand for
// themselves (the filter comes from a web page).
std::string like_pattern(std::string_view contains) {
    std::string pattern = "%";
    for (const char c : contains) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += '%';
    return pattern;
}

// ORDER BY of a fleet query: the column, then the name (ascending) so pages are stable.
std::string fleet_order(const FleetQuery& query) {
    const char* direction = query.descending ? " DESC" : " ASC";
    switch (query.sort) {
        case FleetQuery::Sort::name:
            return std::string("s.thing") + direction;
        case FleetQuery::Sort::last_report:
            return std::string("s.last_report") + direction + ", s.thing ASC";
        case FleetQuery::Sort::accepted:
            return std::string("s.accepted") + direction + ", s.thing ASC";
        case FleetQuery::Sort::rejected:
            return std::string("s.rejected") + direction + ", s.thing ASC";
        case FleetQuery::Sort::active_violations:
            return std::string("active") + direction + ", s.thing ASC";
    }
    return "s.thing ASC";
}

// A read transaction (BEGIN DEFERRED), ended on destruction: the queries of one call see one
// state of the database.
class ReadTransaction {
public:
    explicit ReadTransaction(Database& db) : db_(db) {}
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    ~ReadTransaction() {
        if (open_) db_.exec("COMMIT");
    }
    int begin() {
        const int rc = db_.exec("BEGIN");
        open_ = rc == SQLITE_OK;
        return rc;
    }

private:
    Database& db_;
    bool open_ = false;
};

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
        {&ensure_summary_, "INSERT OR IGNORE INTO thing_summary (thing) VALUES (?1)"},
        {&add_tally_,
         "INSERT INTO thing_summary (thing, last_received, format, accepted, rejected) "
         "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (thing) DO UPDATE SET "
         "last_received = COALESCE(excluded.last_received, last_received), "
         "format = CASE WHEN excluded.format = '' THEN format ELSE excluded.format END, "
         "accepted = accepted + excluded.accepted, rejected = rejected + excluded.rejected"},
        {&sync_normal_, "PRAGMA synchronous = NORMAL"},
        {&sync_full_, "PRAGMA synchronous = FULL"},
        // ?3: the state it is in (kEitherWaitingOrPublishing: 0 or 2).
        {&set_published_,
         "UPDATE violation_events SET published = ?2 WHERE id = ?1 AND (published = ?3 OR "
         "(?3 = -1 AND published IN (0, 2)))"},
        {&set_latest_,
         "INSERT INTO thing_summary (thing, last_report, latest_time, latest_json) "
         "VALUES (?1, ?2, ?2, ?3) ON CONFLICT (thing) DO UPDATE SET "
         "last_report = excluded.last_report, latest_time = excluded.latest_time, "
         "latest_json = excluded.latest_json "
         "WHERE latest_time IS NULL OR excluded.latest_time >= latest_time"},
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
        ensure_summary_.bind(1, std::string_view(entry.first));
        if ((rc = run(ensure_summary_)) != SQLITE_OK) return failure(rc, doing);
    }
    for (const auto& datapoint : evaluation.datapoints) {
        insert_datapoint_.bind(1, std::string_view(datapoint.thing_name));
        insert_datapoint_.bind(2, ms(datapoint.time));
        insert_datapoint_.bind(3, std::string_view(datapoint.metrics));
        if ((rc = run(insert_datapoint_)) != SQLITE_OK) return failure(rc, doing);
    }
    // Each thing's newest datapoint of the batch (the later one of equal times) is its latest.
    std::map<std::string_view, const Datapoint*> latest;
    for (const auto& datapoint : evaluation.datapoints) {
        auto [it, added] = latest.try_emplace(datapoint.thing_name, &datapoint);
        if (!added && datapoint.time >= it->second->time) it->second = &datapoint;
    }
    for (const auto& entry : latest) {
        set_latest_.bind(1, entry.first);
        set_latest_.bind(2, ms(entry.second->time));
        set_latest_.bind(3, std::string_view(entry.second->metrics));
        if ((rc = run(set_latest_)) != SQLITE_OK) return failure(rc, doing);
    }
    for (const auto& tally : evaluation.tallies) {
        add_tally_.bind(1, std::string_view(tally.thing_name));
        if (tally.last_received) {
            add_tally_.bind(2, ms(*tally.last_received));
        } else {
            add_tally_.bind_null(2);
        }
        add_tally_.bind(3, std::string_view(tally.format));
        add_tally_.bind(4, static_cast<std::int64_t>(tally.accepted));
        add_tally_.bind(5, static_cast<std::int64_t>(tally.rejected));
        if ((rc = run(add_tally_)) != SQLITE_OK) return failure(rc, doing);
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
                                     verification_of(statement, 5), statement.int64(3) != 0,
                                     statement.text(1)});
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

// published: 0 waiting, 1 published, 2 being published. The marks need not survive a power
// loss, only a crash: they are committed without a disk sync (WAL with synchronous=NORMAL is
// safe against a killed process), so marking costs no fsync per event. The statements are
// prepared once.
Status SqliteStore::set_published(std::int64_t id, int from, int to, const char* doing) {
    if (auto ok = writable(); !ok) return ok;
    const auto run = [](Statement& statement) {
        const int rc = statement.step();
        statement.reset();
        return rc;
    };
    int rc = run(sync_normal_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return failure(rc, doing);
    set_published_.bind(1, id);
    set_published_.bind(2, std::int64_t{to});
    set_published_.bind(3, std::int64_t{from});
    rc = run(set_published_);
    const int restored = run(sync_full_);
    if (rc != SQLITE_DONE) return failure(rc, doing);
    if (restored != SQLITE_DONE && restored != SQLITE_ROW) return failure(restored, doing);
    return Done{};
}

Status SqliteStore::mark_publishing(std::int64_t id) {
    return set_published(id, 0, 2, "marking an event as being published");
}

// From being published (2) or, when the caller skipped that mark, from waiting (0).
Status SqliteStore::mark_published(std::int64_t id) {
    return set_published(id, kEitherWaitingOrPublishing, 1, "marking an event published");
}

Result<std::vector<StoredEvent>> SqliteStore::take_in_doubt() {
    const char* doing = "reading the events being published when the detector stopped";
    Statement statement;
    const int rc = statement.prepare(
        db_.get(), std::string(kEventColumns) + "WHERE e.published = 2 ORDER BY e.id");
    if (rc != SQLITE_OK) return failure(rc, doing);
    auto events = events_of(statement, doing);
    if (!events) return events;
    for (const auto& event : *events) {
        if (auto marked = set_published(event.id, 2, 1, doing); !marked) return marked.error();
    }
    return events;
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
    // The latest datapoint goes with the others; a thing the detector keeps no state of (it
    // only ever sent rejected reports) goes when it has sent nothing for as long.
    rc = remove_before(
        "UPDATE thing_summary SET latest_time = NULL, latest_json = NULL WHERE latest_time < ?1",
        options_.datapoint_days);
    if (rc != SQLITE_OK) return failure(rc, doing);
    rc = remove_before(
        "DELETE FROM thing_summary WHERE COALESCE(last_received, last_report, 0) < ?1 AND "
        "thing NOT IN (SELECT thing FROM thing_state)",
        options_.datapoint_days);
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

Result<FleetPage> SqliteStore::fleet(const FleetQuery& query) {
    const char* doing = "listing the fleet";
    const bool filtered = !query.name_contains.empty();
    const std::string where = filtered ? "WHERE s.thing LIKE ?1 ESCAPE '\\' " : "";
    ReadTransaction transaction(db_);
    int rc = transaction.begin();
    if (rc != SQLITE_OK) return failure(rc, doing);
    FleetPage page;
    Statement count;
    rc = count.prepare(db_.get(), "SELECT COUNT(*) FROM thing_summary s " + where);
    if (rc != SQLITE_OK) return failure(rc, doing);
    if (filtered) count.bind(1, std::string_view(like_pattern(query.name_contains)));
    rc = count.step();
    if (rc != SQLITE_ROW) return failure(rc, doing);
    page.total = static_cast<std::size_t>(count.int64(0));
    if (query.limit == 0 || query.offset >= page.total) return page;
    Statement rows;
    rc = rows.prepare(db_.get(), std::string(kSummaryColumns) + where + "ORDER BY " +
                                     fleet_order(query) + " LIMIT ?2 OFFSET ?3");
    if (rc != SQLITE_OK) return failure(rc, doing);
    if (filtered) rows.bind(1, std::string_view(like_pattern(query.name_contains)));
    // Widened first: size_t is 32 bits on armhf.
    rows.bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(
                     query.limit, std::numeric_limits<std::int64_t>::max())));
    rows.bind(3, static_cast<std::int64_t>(query.offset));
    while ((rc = rows.step()) == SQLITE_ROW)
        page.things.push_back(summary_of(rows));
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return page;
}

Result<std::optional<ThingSummary>> SqliteStore::thing_summary(std::string_view thing) {
    const char* doing = "reading a thing's summary";
    Statement statement;
    int rc = statement.prepare(db_.get(), std::string(kSummaryColumns) + "WHERE s.thing = ?1");
    if (rc != SQLITE_OK) return failure(rc, doing);
    statement.bind(1, thing);
    rc = statement.step();
    if (rc == SQLITE_DONE) return std::optional<ThingSummary>();
    if (rc != SQLITE_ROW) return failure(rc, doing);
    return std::optional<ThingSummary>(summary_of(statement));
}

Result<std::vector<Datapoint>> SqliteStore::latest_datapoints() {
    const char* doing = "reading the latest datapoints";
    Statement statement;
    int rc = statement.prepare(db_.get(),
                               "SELECT thing, latest_time, latest_json FROM thing_summary "
                               "WHERE latest_json IS NOT NULL ORDER BY thing");
    if (rc != SQLITE_OK) return failure(rc, doing);
    std::vector<Datapoint> datapoints;
    while ((rc = statement.step()) == SQLITE_ROW) {
        datapoints.push_back({statement.text(0), time_of(statement.int64(1)), statement.text(2)});
    }
    if (rc != SQLITE_DONE) return failure(rc, doing);
    return datapoints;
}

}  // namespace defender::detect::store
