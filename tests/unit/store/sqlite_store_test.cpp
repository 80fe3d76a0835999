// SPDX-License-Identifier: Apache-2.0
// The SQLite store's methods: states, the outbox, active violations replaced per thing, the
// list queries and their filters, verification states, datapoints, retention, JSON shapes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store_test_support.hpp"

namespace defender::detect {
namespace {

using namespace test;
using nlohmann::json;

class SqliteStoreTest : public ::testing::Test {
protected:
    TempDir dir;
    std::unique_ptr<Store> store = open_store(dir / "detect.db");
};

TEST_F(SqliteStoreTest, StatesRoundTripAndThingsAreInNameOrder) {
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.states = {{"zeta", thing_state(at_ms(1000))},
                         {"alpha", thing_state(at_ms(2000), 3)}};
    ASSERT_TRUE(store->record(evaluation).ok());
    evaluation.states = {{"zeta", thing_state(at_ms(5000), 4)}};  // an update
    ASSERT_TRUE(store->record(evaluation).ok());

    auto states = store->load_states();
    ASSERT_TRUE(states.ok()) << states.error().message;
    ASSERT_EQ(states->size(), 2u);
    EXPECT_EQ((*states)[0].first, "alpha");
    EXPECT_EQ((*states)[0].second, thing_state(at_ms(2000), 3));
    EXPECT_EQ((*states)[1].first, "zeta");
    EXPECT_EQ((*states)[1].second, thing_state(at_ms(5000), 4));
    EXPECT_EQ(store->things().value(), (std::vector<std::string>{"alpha", "zeta"}));
}

TEST_F(SqliteStoreTest, OutboxHoldsNotifyingEventsOldestFirstUntilPublished) {
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.events = {violation_event("v1", "a", at_ms(1000)),
                         violation_event("v2", "a", at_ms(1000), /*notify=*/false),
                         violation_event("v3", "b", at_ms(2000))};
    ASSERT_TRUE(store->record(evaluation).ok());
    evaluation.events = {violation_event("v4", "b", at_ms(3000))};
    ASSERT_TRUE(store->record(evaluation).ok());

    auto pending = store->unpublished(0);
    ASSERT_TRUE(pending.ok()) << pending.error().message;
    ASSERT_EQ(pending->size(), 3u);
    EXPECT_EQ((*pending)[0].event, violation_event("v1", "a", at_ms(1000)));
    EXPECT_EQ((*pending)[1].event.violation_id, "v3");
    EXPECT_EQ((*pending)[2].event.violation_id, "v4");
    EXPECT_LT((*pending)[0].id, (*pending)[1].id);
    EXPECT_LT((*pending)[1].id, (*pending)[2].id);
    EXPECT_FALSE((*pending)[0].published);

    EXPECT_EQ(store->unpublished(2)->size(), 2u);
    ASSERT_TRUE(store->mark_published((*pending)[0].id).ok());
    ASSERT_TRUE(store->mark_published((*pending)[0].id).ok());  // twice: no harm
    ASSERT_TRUE(store->mark_published(999999).ok());            // unknown (pruned): no harm
    pending = store->unpublished(10);
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[0].event.violation_id, "v3");

    // The suppressed event is recorded, published from the start, and listed.
    EventQuery all;
    all.end_time = at_ms(10'000);
    auto events = store->violation_events(all);
    ASSERT_EQ(events->size(), 4u);
    for (const auto& stored : *events) {
        if (stored.event.violation_id == "v2") {
            EXPECT_TRUE(stored.published);
            EXPECT_FALSE(stored.event.notify);
            EXPECT_EQ(stored.event, violation_event("v2", "a", at_ms(1000), false));
        }
        if (stored.event.violation_id == "v1") {
            EXPECT_TRUE(stored.published);
        }
        if (stored.event.violation_id == "v4") {
            EXPECT_FALSE(stored.published);
        }
    }
}

TEST_F(SqliteStoreTest, ActiveViolationsAreReplacedPerThingInStates) {
    ASSERT_TRUE(store);
    Evaluation first;
    first.states = {{"a", thing_state(at_ms(1))}, {"b", thing_state(at_ms(1))}};
    first.active = {active_violation("a1", "a", at_ms(1000)),
                    active_violation("a2", "a", at_ms(1000), "p", "Other"),
                    active_violation("b1", "b", at_ms(1000))};
    ASSERT_TRUE(store->record(first).ok());
    ASSERT_EQ(store->active_violations({})->size(), 3u);

    Evaluation second;  // thing a: one alarm cleared; thing b not in states: untouched
    second.states = {{"a", thing_state(at_ms(2))}};
    second.active = {active_violation("a2", "a", at_ms(1000), "p", "Other")};
    ASSERT_TRUE(store->record(second).ok());
    auto active = store->active_violations({});
    ASSERT_TRUE(active.ok()) << active.error().message;
    ASSERT_EQ(active->size(), 2u);
    EXPECT_EQ((*active)[0].violation, active_violation("a2", "a", at_ms(1000), "p", "Other"));
    EXPECT_EQ((*active)[1].violation.violation_id, "b1");
    EXPECT_FALSE((*active)[0].verification);

    Evaluation third;  // thing b: every alarm off
    third.states = {{"b", thing_state(at_ms(3))}};
    ASSERT_TRUE(store->record(third).ok());
    ASSERT_EQ(store->active_violations({})->size(), 1u);
}

TEST_F(SqliteStoreTest, ActiveViolationFilters) {
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.states = {{"a", thing_state(at_ms(1))}, {"b", thing_state(at_ms(1))}};
    evaluation.active = {active_violation("a1", "a", at_ms(1000), "p"),
                         active_violation("a2", "a", at_ms(1000), "q"),
                         active_violation("b1", "b", at_ms(1000), "p")};
    ASSERT_TRUE(store->record(evaluation).ok());
    ASSERT_TRUE(
        store->put_verification_state("a2", {VerificationState::true_positive, "real"}).ok());

    ActiveQuery query;
    query.thing_name = "a";
    EXPECT_EQ(store->active_violations(query)->size(), 2u);
    query.profile_name = "q";
    auto one = store->active_violations(query);
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0].violation.violation_id, "a2");
    ASSERT_TRUE((*one)[0].verification);
    EXPECT_EQ(*(*one)[0].verification, (Verification{VerificationState::true_positive, "real"}));

    ActiveQuery by_state;
    by_state.verification = VerificationState::true_positive;
    EXPECT_EQ(store->active_violations(by_state)->size(), 1u);
    by_state.verification = VerificationState::false_positive;
    EXPECT_EQ(store->active_violations(by_state)->size(), 0u);
    ActiveQuery by_profile;
    by_profile.profile_name = "p";
    EXPECT_EQ(store->active_violations(by_profile)->size(), 2u);
}

TEST_F(SqliteStoreTest, ViolationEventsInclusiveRangeNewestFirstWithFilters) {
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.events = {
        violation_event("v1", "a", at_ms(1000)),
        violation_event("v1", "a", at_ms(2000), true, "p", ViolationEventType::alarm_cleared),
        violation_event("v2", "b", at_ms(2000), true, "q"),
        violation_event("v3", "a", at_ms(3000), true, "q"),
        violation_event("v4", "b", at_ms(4000))};
    ASSERT_TRUE(store->record(evaluation).ok());

    auto ids = [&](const EventQuery& query) {
        std::vector<std::string> out;
        auto events = store->violation_events(query);
        EXPECT_TRUE(events.ok()) << events.error().message;
        if (events.ok()) {
            for (const auto& stored : *events)
                out.push_back(
                    stored.event.violation_id + "@" +
                    std::to_string(stored.event.violation_event_time.time_since_epoch().count()));
        }
        return out;
    };
    EventQuery query;
    query.start_time = at_ms(2000);
    query.end_time = at_ms(3000);
    // Inclusive at both ends; newest first, the later recorded first among equal times.
    EXPECT_EQ(ids(query), (std::vector<std::string>{"v3@3000", "v2@2000", "v1@2000"}));
    query.limit = 2;
    EXPECT_EQ(ids(query), (std::vector<std::string>{"v3@3000", "v2@2000"}));
    query.limit = 0;
    query.thing_name = "a";
    EXPECT_EQ(ids(query), (std::vector<std::string>{"v3@3000", "v1@2000"}));
    query.profile_name = "q";
    EXPECT_EQ(ids(query), (std::vector<std::string>{"v3@3000"}));
    query.thing_name.reset();
    EXPECT_EQ(ids(query), (std::vector<std::string>{"v3@3000", "v2@2000"}));

    ASSERT_TRUE(store->put_verification_state("v1", {VerificationState::benign_positive, ""}).ok());
    EventQuery verified;
    verified.end_time = at_ms(10'000);
    verified.verification = VerificationState::benign_positive;
    EXPECT_EQ(ids(verified), (std::vector<std::string>{"v1@2000", "v1@1000"}));
    verified.verification = VerificationState::unknown;  // only set ones match
    EXPECT_TRUE(ids(verified).empty());

    // Every event of the violation shares its verdict.
    EventQuery all;
    all.end_time = at_ms(10'000);
    auto events = store->violation_events(all);
    ASSERT_TRUE(events.ok());
    for (const auto& stored : *events) {
        EXPECT_EQ(stored.verification.has_value(), stored.event.violation_id == "v1");
    }
}

TEST_F(SqliteStoreTest, VerificationStateNeedsAKnownViolationAndCanChange) {
    ASSERT_TRUE(store);
    auto unknown = store->put_verification_state("nope", {VerificationState::true_positive, ""});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, "no violation with id nope");

    Evaluation evaluation;
    evaluation.events = {violation_event("v1", "a", at_ms(1000))};
    ASSERT_TRUE(store->record(evaluation).ok());
    ASSERT_TRUE(store->put_verification_state("v1", {VerificationState::false_positive, "x"}).ok());
    ASSERT_TRUE(store->put_verification_state("v1", {VerificationState::true_positive, "y"}).ok());
    EventQuery all;
    all.end_time = at_ms(10'000);
    auto events = store->violation_events(all);
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ(*(*events)[0].verification, (Verification{VerificationState::true_positive, "y"}));

    // An active violation whose events were pruned can still get a verdict.
    Evaluation active;
    active.states = {{"a", thing_state(at_ms(1))}};
    active.active = {active_violation("only-active", "a", at_ms(1000))};
    ASSERT_TRUE(store->record(active).ok());
    EXPECT_TRUE(
        store->put_verification_state("only-active", {VerificationState::unknown, ""}).ok());
}

TEST_F(SqliteStoreTest, DatapointsOfAThingInARangeOldestFirst) {
    ASSERT_TRUE(store);
    for (std::int64_t t : {3000, 1000, 2000, 4000}) {
        Evaluation evaluation;
        evaluation.datapoints.push_back(Datapoint{
            "a", at_ms(t), R"({"aws:all-bytes-in":{"count":)" + std::to_string(t) + "}}"});
        ASSERT_TRUE(store->record(evaluation).ok());
    }
    Evaluation other;
    other.datapoints = {Datapoint{"b", at_ms(2000), "{}"}};
    ASSERT_TRUE(store->record(other).ok());

    auto datapoints = store->datapoints("a", at_ms(2000), at_ms(3000));
    ASSERT_TRUE(datapoints.ok()) << datapoints.error().message;
    ASSERT_EQ(datapoints->size(), 2u);
    EXPECT_EQ((*datapoints)[0],
              (Datapoint{"a", at_ms(2000), R"({"aws:all-bytes-in":{"count":2000}})"}));
    EXPECT_EQ((*datapoints)[1].time, at_ms(3000));
    EXPECT_TRUE(store->datapoints("c", at_ms(0), at_ms(10'000))->empty());
}

TEST_F(SqliteStoreTest, PruneDropsHistoryOlderThanTheRetention) {
    ASSERT_TRUE(store);
    constexpr std::int64_t day = 86'400'000;
    const Time now = at_ms(100 * day);
    Evaluation evaluation;
    evaluation.datapoints = {Datapoint{"a", now - std::chrono::days(15), "{}"}};
    ASSERT_TRUE(store->record(evaluation).ok());
    evaluation.datapoints = {Datapoint{"a", now - std::chrono::days(13), "{}"}};
    evaluation.events = {violation_event("old", "a", now - std::chrono::days(31)),  // unpublished
                         violation_event("kept", "a", now - std::chrono::days(29))};
    ASSERT_TRUE(store->record(evaluation).ok());
    ASSERT_TRUE(store->put_verification_state("old", {VerificationState::true_positive, ""}).ok());

    ASSERT_TRUE(store->prune(now).ok());
    EXPECT_EQ(store->datapoints("a", at_ms(0), now)->size(), 1u);
    EventQuery all;
    all.end_time = now;
    auto events = store->violation_events(all);
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ((*events)[0].event.violation_id, "kept");
    ASSERT_EQ(store->unpublished(0)->size(), 1u);  // the old unpublished one went too
    EXPECT_EQ(query_text(dir / "detect.db", "SELECT count(*) FROM verification"), "0");
}

TEST_F(SqliteStoreTest, ZeroRetentionKeepsEverything) {
    store.reset();
    store = open_store(dir / "detect.db", StoreOptions{0, 0, false, 0});
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.datapoints = {Datapoint{"a", at_ms(0), "{}"}};
    evaluation.events = {violation_event("v", "a", at_ms(0))};
    ASSERT_TRUE(store->record(evaluation).ok());
    ASSERT_TRUE(store->prune(at_ms(1'000LL * 86'400'000)).ok());
    EXPECT_EQ(store->datapoints("a", at_ms(0), at_ms(1))->size(), 1u);
    EXPECT_EQ(store->unpublished(0)->size(), 1u);
}

TEST(DetectStoreJson, StoredEventHasTheAwsShapeWithItsVerdict) {
    StoredEvent stored{7, violation_event("v1", "a", at_ms(1'700'000'000'500)), std::nullopt, false,
                       ""};
    EXPECT_EQ(to_json(stored), to_json(stored.event));
    stored.verification = Verification{VerificationState::false_positive, "test rig"};
    const auto text = to_json(stored);
    const auto order = [&](std::string_view key) { return text.find(key); };
    EXPECT_LT(order("\"violationEventType\""), order("\"verificationState\""));
    EXPECT_LT(order("\"verificationState\""), order("\"verificationStateDescription\""));
    EXPECT_LT(order("\"verificationStateDescription\""), order("\"violationEventTime\""));
    const json parsed = json::parse(text);
    EXPECT_EQ(parsed["verificationState"], "FALSE_POSITIVE");
    EXPECT_EQ(parsed["verificationStateDescription"], "test rig");
    EXPECT_EQ(parsed["violationEventTime"], 1'700'000'000.5);

    stored.verification = Verification{VerificationState::true_positive, ""};
    EXPECT_FALSE(json::parse(to_json(stored)).contains("verificationStateDescription"));
}

TEST(DetectStoreJson, StoredActiveViolationHasTheAwsShapeWithItsVerdict) {
    StoredActiveViolation stored{active_violation("v1", "a", at_ms(1000)),
                                 Verification{VerificationState::benign_positive, "lab"}};
    const auto text = to_json(stored);
    EXPECT_LT(text.find("\"lastViolationValue\""), text.find("\"verificationState\""));
    EXPECT_LT(text.find("\"verificationStateDescription\""), text.find("\"lastViolationTime\""));
    EXPECT_LT(text.find("\"lastViolationTime\""), text.find("\"violationStartTime\""));
    EXPECT_EQ(json::parse(text)["verificationState"], "BENIGN_POSITIVE");
}

TEST(DetectStoreJson, VerificationStateSpellings) {
    for (auto state : {VerificationState::unknown, VerificationState::false_positive,
                       VerificationState::benign_positive, VerificationState::true_positive}) {
        EXPECT_EQ(parse_verification_state(to_string(state)), state);
    }
    EXPECT_EQ(std::string(to_string(VerificationState::benign_positive)), "BENIGN_POSITIVE");
    EXPECT_FALSE(parse_verification_state("true_positive"));
    EXPECT_FALSE(parse_verification_state(""));
}

}  // namespace
}  // namespace defender::detect
