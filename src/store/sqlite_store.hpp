// SPDX-License-Identifier: Apache-2.0
#pragma once
// The Store on one SQLite connection (WAL, synchronous=FULL): each method one transaction,
// the statements of record() prepared once.

#include <memory>
#include <string>

#include "defender/detect_store.hpp"
#include "store/sqlite_handle.hpp"

namespace defender::detect::store {

class SqliteStore final : public Store {
public:
    SqliteStore(Database db, std::string path, StoreOptions options);

    /// Prepares the statements record() uses (after migration).
    Status prepare();

    Result<std::vector<std::pair<std::string, ThingState>>> load_states() override;
    Status record(const Evaluation& evaluation) override;
    Result<std::vector<StoredEvent>> unpublished(std::size_t limit) override;
    Status mark_published(std::int64_t id) override;
    Status mark_publishing(std::int64_t id) override;
    Result<std::vector<StoredEvent>> take_in_doubt() override;
    Result<std::vector<StoredActiveViolation>> active_violations(const ActiveQuery& query) override;
    Result<std::vector<StoredEvent>> violation_events(const EventQuery& query) override;
    Status put_verification_state(std::string_view violation_id,
                                  const Verification& verification) override;
    Result<std::vector<Datapoint>> datapoints(std::string_view thing, Time from, Time to) override;
    Result<std::vector<std::string>> things() override;
    Status prune(Time now) override;
    Result<FleetPage> fleet(const FleetQuery& query) override;
    Result<std::optional<ThingSummary>> thing_summary(std::string_view thing) override;
    Result<std::vector<Datapoint>> latest_datapoints() override;

private:
    Error failure(int rc, std::string_view doing) const;
    Status writable() const;
    /// `from` for mark_published: the event was waiting or being published.
    static constexpr int kEitherWaitingOrPublishing = -1;
    Status set_published(std::int64_t id, int from, int to, const char* doing);
    Result<std::vector<StoredEvent>> events_of(Statement& statement, std::string_view doing);

    Database db_;
    std::string path_;
    StoreOptions options_;
    Statement upsert_state_;
    Statement insert_datapoint_;
    Statement insert_event_;
    Statement delete_active_;
    Statement insert_active_;
    Statement ensure_summary_;
    Statement add_tally_;
    Statement set_latest_;
    Statement sync_normal_;
    Statement sync_full_;
    Statement set_published_;
};

}  // namespace defender::detect::store
