// SPDX-License-Identifier: Apache-2.0
// The console's queries of the SQLite store: the fleet page (filter, sort, paging), one thing's
// summary, the latest datapoints, the summary table's migration from schema version 2 and its
// pruning.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "store/schema.hpp"
#include "store_test_support.hpp"

namespace defender::detect {
namespace {

using namespace test;
namespace fs = std::filesystem;
using Sort = FleetQuery::Sort;

ReportTally tally(std::string thing, std::uint64_t accepted, std::uint64_t rejected,
                  std::int64_t received_ms, std::string format = "json") {
    ReportTally t;
    t.thing_name = std::move(thing);
    t.format = std::move(format);
    t.accepted = accepted;
    t.rejected = rejected;
    t.last_received = at_ms(received_ms);
    return t;
}

std::vector<std::string> names(const FleetPage& page) {
    std::vector<std::string> out;
    for (const auto& thing : page.things)
        out.push_back(thing.thing_name);
    return out;
}

FleetPage fleet(Store& store, FleetQuery query) {
    auto page = store.fleet(query);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    return page.ok() ? *page : FleetPage{};
}

FleetQuery sorted(Sort sort, bool descending = false, std::size_t offset = 0,
                  std::size_t limit = 100) {
    FleetQuery query;
    query.sort = sort;
    query.descending = descending;
    query.offset = offset;
    query.limit = limit;
    return query;
}

FleetQuery filtered(std::string contains) {
    FleetQuery query;
    query.name_contains = std::move(contains);
    return query;
}

// Things c, a, d, b: a and c report, b only sends rejects, d has 2 active violations, a 1.
void record_fleet(Store& store) {
    Evaluation evaluation;
    evaluation.states = {{"a", thing_state(at_ms(1000))},
                         {"c", thing_state(at_ms(3000))},
                         {"d", thing_state(at_ms(0))}};
    evaluation.datapoints = {{"a", at_ms(1000), R"({"aws:all-bytes-in":{"count":1}})"},
                             {"c", at_ms(3000), R"({"aws:all-bytes-in":{"count":3}})"}};
    evaluation.tallies = {tally("a", 1, 0, 1000), tally("b", 0, 5, 2000, "cbor"),
                          tally("c", 1, 1, 3000)};
    evaluation.active = {active_violation("v1", "a", at_ms(900)),
                         active_violation("v2", "d", at_ms(900)),
                         active_violation("v3", "d", at_ms(900), "p", "Other")};
    ASSERT_TRUE(store.record(evaluation).ok());
}

TEST(FleetStore, RowsSumTheTalliesWithActiveViolations) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    record_fleet(*store);
    const auto page = fleet(*store, {});
    EXPECT_EQ(page.total, 4u);
    ASSERT_EQ(names(page), (std::vector<std::string>{"a", "b", "c", "d"}));
    ThingSummary a;
    a.thing_name = "a";
    a.last_report = at_ms(1000);
    a.last_received = at_ms(1000);
    a.format = "json";
    a.accepted = 1;
    a.active_violations = 1;
    EXPECT_EQ(page.things[0], a);
    ThingSummary b;
    b.thing_name = "b";
    b.last_received = at_ms(2000);
    b.format = "cbor";
    b.rejected = 5;
    EXPECT_EQ(page.things[1], b);
    ThingSummary d;
    d.thing_name = "d";
    d.active_violations = 2;
    EXPECT_EQ(page.things[3], d) << "a thing with a state but no report yet is listed";

    // A later batch adds to the counts; an empty format keeps the known one.
    Evaluation more;
    more.tallies = {tally("b", 2, 1, 4000, ""), tally("a", 0, 1, 5000, "cbor")};
    ASSERT_TRUE(store->record(more).ok());
    const auto b2 = store->thing_summary("b");
    ASSERT_TRUE(b2.ok() && b2->has_value());
    EXPECT_EQ((*b2)->accepted, 2u);
    EXPECT_EQ((*b2)->rejected, 6u);
    EXPECT_EQ((*b2)->format, "cbor");
    EXPECT_EQ((*b2)->last_received, at_ms(4000));
    const auto a2 = store->thing_summary("a");
    ASSERT_TRUE(a2.ok() && a2->has_value());
    EXPECT_EQ((*a2)->format, "cbor");
    EXPECT_EQ((*a2)->last_report, at_ms(1000));
    EXPECT_EQ((*a2)->last_received, at_ms(5000));

    const auto unknown = store->thing_summary("nobody");
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE(unknown->has_value());
}

TEST(FleetStore, SortsWithTheNameAsTiebreak) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    record_fleet(*store);
    using V = std::vector<std::string>;
    EXPECT_EQ(names(fleet(*store, sorted(Sort::name, true))), (V{"d", "c", "b", "a"}));
    // Never reported first ascending, last descending (SQLite orders NULL lowest).
    EXPECT_EQ(names(fleet(*store, sorted(Sort::last_report))), (V{"b", "d", "a", "c"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::last_report, true))), (V{"c", "a", "b", "d"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::accepted))), (V{"b", "d", "a", "c"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::accepted, true))), (V{"a", "c", "b", "d"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::rejected, true))), (V{"b", "c", "a", "d"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::active_violations, true))), (V{"d", "a", "b", "c"}));
    EXPECT_EQ(names(fleet(*store, sorted(Sort::active_violations))), (V{"b", "c", "a", "d"}));
}

TEST(FleetStore, PagesWithOffsetAndLimit) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    Evaluation evaluation;
    for (int i = 0; i < 25; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "thing-%02d", i);
        evaluation.tallies.push_back(tally(name, static_cast<std::uint64_t>(i % 3), 0, i));
    }
    ASSERT_TRUE(store->record(evaluation).ok());
    std::vector<std::string> all;
    for (std::size_t offset = 0; offset < 30; offset += 10) {
        const auto page = fleet(*store, sorted(Sort::accepted, true, offset, 10));
        EXPECT_EQ(page.total, 25u);
        EXPECT_EQ(page.things.size(), offset < 20 ? 10u : 5u);
        const auto page_names = names(page);
        all.insert(all.end(), page_names.begin(), page_names.end());
    }
    ASSERT_EQ(all.size(), 25u);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 25u) << "no row twice";
    EXPECT_EQ(all.front(), "thing-02");  // accepted 2, the first name
    EXPECT_EQ(all.back(), "thing-24");   // accepted 0, the last name
    const auto beyond = fleet(*store, sorted(Sort::name, false, 100, 10));
    EXPECT_EQ(beyond.total, 25u);
    EXPECT_TRUE(beyond.things.empty());
    EXPECT_TRUE(fleet(*store, sorted(Sort::name, false, 0, 0)).things.empty());
}

TEST(FleetStore, TheFilterIsASubstringWithoutWildcards) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    const std::string drop = "'; DROP TABLE thing_summary; --";
    Evaluation evaluation;
    for (const char* name : {"a%b", "a_b", "axb", "ab", "Gateway-1", "back\\slash"}) {
        evaluation.tallies.push_back(tally(name, 1, 0, 1));
    }
    evaluation.tallies.push_back(tally(drop, 1, 0, 1));
    ASSERT_TRUE(store->record(evaluation).ok());
    using V = std::vector<std::string>;
    EXPECT_EQ(names(fleet(*store, filtered("%"))), (V{"a%b"}));
    EXPECT_EQ(names(fleet(*store, filtered("_"))), (V{drop, "a_b"}));  // thing_summary
    EXPECT_EQ(names(fleet(*store, filtered("a_"))), (V{"a_b"}));
    EXPECT_EQ(names(fleet(*store, filtered("\\"))), (V{"back\\slash"}));
    EXPECT_EQ(names(fleet(*store, filtered("gATEway"))), (V{"Gateway-1"})) << "ASCII case";
    EXPECT_EQ(fleet(*store, filtered("b")).total, 6u);  // and TABLE
    EXPECT_TRUE(fleet(*store, filtered("zzz")).things.empty());
    EXPECT_EQ(fleet(*store, filtered("zzz")).total, 0u);
    EXPECT_EQ(names(fleet(*store, filtered(drop))), (V{drop}));
    EXPECT_EQ(names(fleet(*store, filtered("DROP"))), (V{drop}));
    const auto row = store->thing_summary(drop);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ(fleet(*store, {}).total, 7u) << "the table is still there";
}

TEST(FleetStore, LatestDatapointIsEachThingsNewest) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    Evaluation first;
    first.datapoints = {{"b", at_ms(20), "{\"n\":2}"},
                        {"a", at_ms(10), "{\"n\":1}"},
                        {"b", at_ms(30), "{\"n\":3}"},
                        {"b", at_ms(25), "{\"n\":25}"}};
    ASSERT_TRUE(store->record(first).ok());
    auto latest = store->latest_datapoints();
    ASSERT_TRUE(latest.ok()) << latest.error().message;
    EXPECT_EQ(*latest, (std::vector<Datapoint>{{"a", at_ms(10), "{\"n\":1}"},
                                               {"b", at_ms(30), "{\"n\":3}"}}));
    // An older datapoint arriving later (a restored batch) does not replace the newer one.
    Evaluation late;
    late.datapoints = {{"b", at_ms(5), "{\"n\":0}"}, {"a", at_ms(40), "{\"n\":4}"}};
    ASSERT_TRUE(store->record(late).ok());
    latest = store->latest_datapoints();
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ(*latest, (std::vector<Datapoint>{{"a", at_ms(40), "{\"n\":4}"},
                                               {"b", at_ms(30), "{\"n\":3}"}}));
    EXPECT_EQ(store->thing_summary("a")->value().last_report, at_ms(40));
    // A read-only store (the queries' connection) reads them too.
    auto reader = open_store(dir / "detect.db", StoreOptions{14, 30, true, 0});
    ASSERT_TRUE(reader);
    EXPECT_EQ(reader->latest_datapoints()->size(), 2u);
    EXPECT_EQ(reader->fleet({})->total, 2u);
}

TEST(FleetStore, PruneDropsOldLatestsAndThingsWithoutState) {
    TempDir dir;
    auto store = open_store(dir / "detect.db");
    ASSERT_TRUE(store);
    constexpr std::int64_t kDay = 86'400'000;
    Evaluation evaluation;
    evaluation.states = {{"kept", thing_state(at_ms(kDay))}};
    evaluation.datapoints = {{"kept", at_ms(kDay), "{}"}, {"recent", at_ms(20 * kDay), "{}"}};
    evaluation.tallies = {tally("kept", 1, 0, kDay), tally("rejects", 0, 3, kDay),
                          tally("recent", 1, 0, 20 * kDay)};
    ASSERT_TRUE(store->record(evaluation).ok());
    ASSERT_TRUE(store->prune(at_ms(21 * kDay)).ok());
    using V = std::vector<std::string>;
    EXPECT_EQ(names(fleet(*store, {})), (V{"kept", "recent"}))
        << "a thing with a state stays; one with neither state nor recent reports goes";
    const auto latest = store->latest_datapoints();
    ASSERT_TRUE(latest.ok());
    ASSERT_EQ(latest->size(), 1u) << "the latest datapoint goes with the datapoints";
    EXPECT_EQ((*latest)[0].thing_name, "recent");
    EXPECT_EQ(store->thing_summary("kept")->value().accepted, 1u);
}

// A database at schema version `version`, made by the migrations of this code.
void make_database(const fs::path& path, int version) {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &handle), SQLITE_OK);
    store::Database db(handle);
    auto migrated = store::migrate(db, path.string(), version);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
}

TEST(FleetStore, MigrationFromVersion2FillsTheSummaries) {
    TempDir dir;
    const auto path = dir / "detect.db";
    make_database(path, 2);
    ASSERT_EQ(query_text(path, "INSERT INTO thing_state VALUES ('a', '" +
                                   to_json(thing_state(at_ms(500))) + "', 0), ('quiet', '" +
                                   to_json(thing_state(at_ms(70))) + "', 0) RETURNING thing"),
              "a");
    ASSERT_EQ(query_text(path,
                         "INSERT INTO datapoints VALUES ('a', 100, '{\"n\":1}'), "
                         "('a', 300, '{\"n\":3}'), ('a', 200, '{\"n\":2}'), "
                         "('gone', 50, '{\"n\":5}') RETURNING thing"),
              "a");
    ASSERT_EQ(query_text(path,
                         "INSERT INTO active_violations VALUES ('v', 'a', 'p', 'b', '{}') "
                         "RETURNING thing"),
              "a");
    auto store = open_store(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(query_text(path, "PRAGMA user_version"), std::to_string(store::schema_version()));
    const auto page = fleet(*store, {});
    ASSERT_EQ(names(page), (std::vector<std::string>{"a", "gone", "quiet"}));
    EXPECT_EQ(page.things[0].accepted, 3u) << "each kept datapoint was an accepted report";
    EXPECT_EQ(page.things[0].last_report, at_ms(300));
    EXPECT_EQ(page.things[0].last_received, at_ms(300));
    EXPECT_EQ(page.things[0].active_violations, 1u);
    EXPECT_EQ(page.things[0].format, "");
    EXPECT_EQ(page.things[2].accepted, 0u);
    EXPECT_EQ(page.things[2].last_report, at_ms(70)) << "from the state, no datapoint left";
    const auto latest = store->latest_datapoints();
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ(*latest, (std::vector<Datapoint>{{"a", at_ms(300), "{\"n\":3}"},
                                               {"gone", at_ms(50), "{\"n\":5}"}}));
    // Recording after the migration adds to the filled rows.
    Evaluation evaluation;
    evaluation.tallies = {tally("a", 1, 0, 600)};
    ASSERT_TRUE(store->record(evaluation).ok());
    EXPECT_EQ(store->thing_summary("a")->value().accepted, 4u);
}

}  // namespace
}  // namespace defender::detect
