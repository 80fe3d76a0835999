// SPDX-License-Identifier: Apache-2.0
// kill -9 at a random moment of a recording loop loses nothing that was recorded: a child
// records evaluations (and publishes half of its events) and reports each completed record()
// through a pipe; after the kill the database is intact, holds every reported event and its
// outbox agrees with what the child marked published.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "store_test_support.hpp"

namespace defender::detect {
namespace {

using namespace test;

// The child: records evaluation n, n+1, ... (one event each, every other one marked published
// right after), writing n+1 to the pipe after each; stops after `limit` records.
[[noreturn]] void record_until_killed(const std::filesystem::path& path, std::int64_t first, int fd,
                                      std::int64_t limit) {
    auto opened = open_sqlite_store(path);
    if (!opened) ::_exit(3);
    auto& store = *opened;
    for (std::int64_t n = first; n < first + limit; ++n) {
        Evaluation evaluation;
        evaluation.states = {{"thing", thing_state(at_ms(n))}};
        evaluation.datapoints = {
            Datapoint{"thing", at_ms(n), R"({"aws:all-bytes-in":{"count":1}})"}};
        evaluation.events = {violation_event("v" + std::to_string(n), "thing", at_ms(n))};
        evaluation.active = {active_violation("v" + std::to_string(n), "thing", at_ms(n))};
        if (!store->record(evaluation).ok()) ::_exit(4);
        if (n % 2 == 0) {
            auto pending = store->unpublished(0);
            if (!pending.ok()) ::_exit(5);
            for (const auto& stored : *pending) {
                if (stored.event.violation_id != evaluation.events.front().violation_id) continue;
                if (!store->mark_published(stored.id).ok()) ::_exit(6);
            }
        }
        const std::int64_t done = n + 1;
        if (::write(fd, &done, sizeof done) != static_cast<ssize_t>(sizeof done)) ::_exit(7);
    }
    ::_exit(0);
}

TEST(SqliteStoreCrash, KillNineLosesNoRecordedEvent) {
    TempDir dir;
    const auto path = dir / "detect.db";
    { ASSERT_TRUE(open_store(path)); }  // created and migrated before the first kill
    std::mt19937 random(20261207);
    std::int64_t recorded = 0;  // evaluations whose record() returned, over all rounds
    for (int round = 0; round < 5; ++round) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(fds[0]);
            record_until_killed(path, recorded, fds[1], 500);
        }
        ::close(fds[1]);
        // Kill after a random number of completed records (the child may be anywhere in the
        // next one: inside a transaction, a commit, an fsync, or between calls).
        const int kill_after = std::uniform_int_distribution<int>(1, 40)(random);
        std::int64_t done = recorded;
        for (int seen = 0; seen < kill_after; ++seen) {
            std::int64_t value = 0;
            if (::read(fds[0], &value, sizeof value) != static_cast<ssize_t>(sizeof value)) break;
            done = value;
        }
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
            << "child failed with " << status;
        for (std::int64_t value = 0;
             ::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value);)
            done = value;  // what it reported between our last read and the kill
        ::close(fds[0]);

        EXPECT_EQ(query_text(path, "PRAGMA integrity_check"), "ok");
        auto store = open_store(path);
        ASSERT_TRUE(store);
        EventQuery all;
        all.end_time = at_ms(1'000'000);
        auto events = store->violation_events(all);
        ASSERT_TRUE(events.ok()) << events.error().message;
        // Every reported record is there; at most one more (committed, not yet reported).
        ASSERT_GE(events->size(), static_cast<std::size_t>(done));
        ASSERT_LE(events->size(), static_cast<std::size_t>(done + 1));
        std::vector<bool> seen(events->size(), false);
        for (const auto& stored : *events) {
            const auto n = stored.event.violation_event_time.time_since_epoch().count();
            ASSERT_LT(static_cast<std::size_t>(n), seen.size());
            EXPECT_FALSE(seen[static_cast<std::size_t>(n)]) << "event " << n << " twice";
            seen[static_cast<std::size_t>(n)] = true;
            // Odd evaluations are never published; even ones are once reported.
            if (n % 2 == 1) {
                EXPECT_FALSE(stored.published) << n;
            }
            if (n % 2 == 0 && n + 1 <= done) {
                EXPECT_TRUE(stored.published) << n;
            }
        }
        const std::int64_t total = static_cast<std::int64_t>(events->size());
        // The state, the datapoints and the active alarm are those of the last evaluation.
        auto states = store->load_states();
        ASSERT_EQ(states->size(), 1u);
        EXPECT_EQ((*states)[0].second, thing_state(at_ms(total - 1)));
        EXPECT_EQ(store->datapoints("thing", at_ms(0), at_ms(1'000'000))->size(),
                  static_cast<std::size_t>(total));
        auto active = store->active_violations({});
        ASSERT_EQ(active->size(), 1u);
        EXPECT_EQ((*active)[0].violation.violation_id, "v" + std::to_string(total - 1));
        // The outbox: oldest first, the unpublished ones only.
        auto pending = store->unpublished(0);
        for (std::size_t i = 1; i < pending->size(); ++i)
            EXPECT_LT((*pending)[i - 1].id, (*pending)[i].id);
        for (const auto& stored : *pending)
            EXPECT_FALSE(stored.published);
        recorded = total;
        // Publish the even one a kill may have left unpublished, as a restarted detector would.
        for (const auto& stored : *pending) {
            const auto n = stored.event.violation_event_time.time_since_epoch().count();
            if (n % 2 == 0) {
                ASSERT_TRUE(store->mark_published(stored.id).ok());
            }
        }
    }
    EXPECT_GT(recorded, 0);
}

}  // namespace
}  // namespace defender::detect
