// SPDX-License-Identifier: Apache-2.0
// The outbox's three states: waiting, being published, published; and what a restart makes of
// an event a crash caught while it was being published (at most once).

#include <gtest/gtest.h>

#include "defender/detect_store.hpp"
#include "store_test_support.hpp"

namespace defender::detect::test {
namespace {

std::unique_ptr<Store> open_store(const TempDir& dir) {
    auto store = open_sqlite_store(dir / "detect.db");
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
}

std::vector<std::int64_t> ids(const Result<std::vector<StoredEvent>>& events) {
    std::vector<std::int64_t> result;
    if (!events) {
        ADD_FAILURE() << events.error().message;
        return result;
    }
    for (const auto& event : *events) {
        result.push_back(event.id);
    }
    return result;
}

TEST(DetectStoreOutbox, AnEventBeingPublishedIsNotWaitingAnyMore) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.events = {violation_event("v1", "a", at_ms(1)),
                         violation_event("v2", "a", at_ms(2))};
    ASSERT_TRUE(store->record(evaluation).ok());
    const auto waiting = ids(store->unpublished(10));
    ASSERT_EQ(waiting.size(), 2u);
    ASSERT_TRUE(store->mark_publishing(waiting[0]).ok());
    EXPECT_EQ(ids(store->unpublished(10)), std::vector<std::int64_t>{waiting[1]});
    ASSERT_TRUE(store->mark_published(waiting[0]).ok());
    EXPECT_TRUE(ids(store->take_in_doubt()).empty()) << "acknowledged, not in doubt";
    ASSERT_TRUE(store->mark_published(waiting[1]).ok()) << "straight from waiting, too";
    EXPECT_TRUE(ids(store->unpublished(10)).empty());
}

TEST(DetectStoreOutbox, TheStoredJsonIsTheEventAsPublished) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    Evaluation evaluation;
    evaluation.events = {violation_event("v1", "a\"<b>", at_ms(1500))};
    ASSERT_TRUE(store->record(evaluation).ok());
    const auto waiting = store->unpublished(10);
    ASSERT_TRUE(waiting.ok()) << waiting.error().message;
    ASSERT_EQ(waiting->size(), 1u);
    EXPECT_EQ((*waiting)[0].json, to_json((*waiting)[0].event));
    EXPECT_EQ((*waiting)[0].json, to_json(evaluation.events[0]));
}

TEST(DetectStoreOutbox, AfterACrashWhilePublishingTheEventIsInDoubtOnce) {
    TempDir dir;
    std::int64_t caught = 0;
    {
        auto store = open_store(dir);
        ASSERT_TRUE(store);
        Evaluation evaluation;
        evaluation.events = {violation_event("v1", "a", at_ms(1)),
                             violation_event("v2", "b", at_ms(2))};
        ASSERT_TRUE(store->record(evaluation).ok());
        caught = ids(store->unpublished(10)).front();
        ASSERT_TRUE(store->mark_publishing(caught).ok());
        // The process ends here without mark_published: as after a kill -9.
    }
    auto reopened = open_store(dir);
    ASSERT_TRUE(reopened);
    const auto in_doubt = reopened->take_in_doubt();
    ASSERT_TRUE(in_doubt.ok()) << in_doubt.error().message;
    ASSERT_EQ(in_doubt->size(), 1u);
    EXPECT_EQ((*in_doubt)[0].event.violation_id, "v1");
    EXPECT_EQ(ids(reopened->unpublished(10)).size(), 1u) << "v2 still waits; v1 is not resent";
    EXPECT_TRUE(ids(reopened->take_in_doubt()).empty()) << "reported once";
    EventQuery all;
    all.start_time = at_ms(0);
    all.end_time = at_ms(10);
    EXPECT_EQ(ids(reopened->violation_events(all)).size(), 2u) << "both stay listed";
}

}  // namespace
}  // namespace defender::detect::test
