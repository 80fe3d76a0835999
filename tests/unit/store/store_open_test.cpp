// SPDX-License-Identifier: Apache-2.0
// Opening the SQLite store: the file and its settings, migrations, read-only opens, and the
// one-line errors for a missing or unwritable directory, a corrupt file and a full disk.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "store/schema.hpp"
#include "store/store_errors.hpp"
#include "store_test_support.hpp"

namespace defender::detect {
namespace {

using namespace test;
namespace fs = std::filesystem;

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// A database at schema version `version`, made by the migrations of this code.
void make_database(const fs::path& path, int version) {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &handle), SQLITE_OK);
    store::Database db(handle);
    auto migrated = store::migrate(db, path.string(), version);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
}

TEST(SqliteStoreOpen, CreatesTheFileWithMode0600InWalMode) {
    TempDir dir;
    const auto path = dir / "detect.db";
    auto store = open_store(path);
    ASSERT_TRUE(store);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(query_text(path, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(query_text(path, "PRAGMA user_version"), std::to_string(store::schema_version()));
    // A second connection reads while the first is open (WAL: readers never block the writer).
    auto reader = open_store(path, StoreOptions{14, 30, true, 0});
    ASSERT_TRUE(reader);
    Evaluation evaluation;
    evaluation.states = {{"a", thing_state(at_ms(1))}};
    ASSERT_TRUE(store->record(evaluation).ok());
    EXPECT_EQ(reader->things().value(), std::vector<std::string>{"a"});
}

TEST(SqliteStoreOpen, MissingDirectoryIsNamed) {
    TempDir dir;
    auto store = open_sqlite_store(dir / "missing" / "detect.db");
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().message, "detect store " + (dir / "missing" / "detect.db").string() +
                                         ": its directory " + (dir / "missing").string() +
                                         " does not exist (create it first)");
}

TEST(SqliteStoreOpen, UnwritableDirectoryIsAPermissionError) {
    TempDir dir;
    const auto locked = dir / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    fs::permissions(dir.path(), fs::perms::others_exec | fs::perms::group_exec,
                    fs::perm_options::add);
    const auto path = locked / "detect.db";
    // Root writes anywhere: the open runs as nobody in a child.
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
        auto store = open_sqlite_store(path);
        const std::string message = store.ok() ? "opened" : store.error().message;
        const auto written = ::write(pipe_fds[1], message.data(), message.size());
        ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    std::string message;
    char buffer[512];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
        message.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) GTEST_SKIP() << "cannot become nobody";
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_TRUE(contains(message, "detect store " + path.string() + ": cannot open or create it"))
        << message;
    EXPECT_TRUE(contains(message, "Permission denied")) << message;
    EXPECT_FALSE(fs::exists(path));
}

TEST(SqliteStoreOpen, CorruptFileIsNamedAsSuch) {
    TempDir dir;
    const auto path = dir / "detect.db";
    {
        std::ofstream out(path, std::ios::binary);
        std::mt19937 random(42);
        for (int i = 0; i < 8192; ++i)
            out.put(static_cast<char>(random() & 0xff));
    }
    const std::string before = file_bytes(path);
    for (bool read_only : {false, true}) {
        auto store = open_sqlite_store(path, StoreOptions{14, 30, read_only, 0});
        ASSERT_FALSE(store.ok());
        EXPECT_TRUE(contains(
            store.error().message,
            "detect store " + path.string() + ": the file is corrupt or not a SQLite database"))
            << store.error().message;
    }
    EXPECT_EQ(file_bytes(path), before);
}

TEST(SqliteStoreOpen, FullDiskFailsTheWriteAndKeepsWhatWasRecorded) {
    TempDir dir;
    const auto path = dir / "detect.db";
    auto store = open_store(path, StoreOptions{14, 30, false, 128 * 1024});
    ASSERT_TRUE(store);
    const std::string metrics = "{\"pad\":\"" + std::string(8000, 'x') + "\"}";
    int recorded = 0;
    std::string failure;
    for (int i = 0; i < 200 && failure.empty(); ++i) {
        Evaluation evaluation;
        evaluation.datapoints = {Datapoint{"a", at_ms(i), metrics}};
        evaluation.events = {violation_event("v" + std::to_string(i), "a", at_ms(i))};
        auto done = store->record(evaluation);
        if (done.ok()) {
            ++recorded;
        } else {
            failure = done.error().message;
        }
    }
    ASSERT_FALSE(failure.empty()) << "128 KiB never filled";
    EXPECT_TRUE(contains(failure, "detect store " + path.string() +
                                      ": the disk is full while recording an evaluation; "
                                      "nothing of this write was kept"))
        << failure;
    ASSERT_GT(recorded, 0);
    store.reset();
    auto reopened = open_store(path);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->datapoints("a", at_ms(0), at_ms(1000))->size(),
              static_cast<std::size_t>(recorded));
    EXPECT_EQ(reopened->unpublished(0)->size(), static_cast<std::size_t>(recorded));
    EXPECT_EQ(query_text(path, "PRAGMA integrity_check"), "ok");
}

TEST(SqliteStoreOpen, OlderSchemaIsMigratedKeepingItsRows) {
    TempDir dir;
    const auto path = dir / "detect.db";
    make_database(path, 1);
    EXPECT_EQ(query_text(path, "PRAGMA user_version"), "1");
    ASSERT_EQ(query_text(path, "INSERT INTO thing_state VALUES ('a', '" +
                                   to_json(thing_state(at_ms(5))) + "', 0) RETURNING thing"),
              "a");
    auto store = open_store(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(query_text(path, "PRAGMA user_version"), std::to_string(store::schema_version()));
    EXPECT_EQ(query_text(path,
                         "SELECT name FROM sqlite_master WHERE name = "
                         "'violation_events_by_thing_time'"),
              "violation_events_by_thing_time");
    auto states = store->load_states();
    ASSERT_EQ(states->size(), 1u);
    EXPECT_EQ((*states)[0].second, thing_state(at_ms(5)));
}

TEST(SqliteStoreOpen, NewerSchemaIsRefused) {
    TempDir dir;
    const auto path = dir / "detect.db";
    make_database(path, store::schema_version());
    query_text(path, "PRAGMA user_version = 99");
    for (bool read_only : {false, true}) {
        auto store = open_sqlite_store(path, StoreOptions{14, 30, read_only, 0});
        ASSERT_FALSE(store.ok());
        EXPECT_EQ(store.error().message,
                  "detect store " + path.string() +
                      ": its schema version 99 is newer than this defender's (" +
                      std::to_string(store::schema_version()) +
                      "): use the defender that wrote it, or a newer one");
    }
}

TEST(SqliteStoreOpen, ReadOnlyNeverCreatesNorMigrates) {
    TempDir dir;
    const auto path = dir / "detect.db";
    auto missing = open_sqlite_store(path, StoreOptions{14, 30, true, 0});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "detect store " + path.string() +
                                           ": does not exist: run defender detect once to "
                                           "create it");
    EXPECT_FALSE(fs::exists(path));

    make_database(path, 1);
    const std::string before = file_bytes(path);
    auto old = open_sqlite_store(path, StoreOptions{14, 30, true, 0});
    ASSERT_FALSE(old.ok());
    EXPECT_TRUE(contains(old.error().message, "run defender detect once to migrate it"))
        << old.error().message;
    EXPECT_EQ(file_bytes(path), before);
    EXPECT_EQ(query_text(path, "PRAGMA user_version"), "1");
}

TEST(SqliteStoreOpen, ReadOnlyQueriesChangeNoFile) {
    TempDir dir;
    const auto path = dir / "detect.db";
    {
        auto store = open_store(path);
        ASSERT_TRUE(store);
        Evaluation evaluation;
        evaluation.states = {{"a", thing_state(at_ms(1))}};
        evaluation.datapoints = {Datapoint{"a", at_ms(1), "{}"}};
        evaluation.events = {violation_event("v1", "a", at_ms(1))};
        evaluation.active = {active_violation("v1", "a", at_ms(1))};
        ASSERT_TRUE(store->record(evaluation).ok());
    }
    auto listing = [&] {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir.path()))
            names.push_back(entry.path().filename().string() + ":" +
                            std::to_string(entry.file_size()));
        std::sort(names.begin(), names.end());
        return names;
    };
    const auto files = listing();
    const std::string before = file_bytes(path);
    {
        auto store = open_store(path, StoreOptions{14, 30, true, 0});
        ASSERT_TRUE(store);
        EXPECT_EQ(store->load_states()->size(), 1u);
        EXPECT_EQ(store->things()->size(), 1u);
        EXPECT_EQ(store->unpublished(0)->size(), 1u);
        EventQuery all;
        all.end_time = at_ms(10);
        EXPECT_EQ(store->violation_events(all)->size(), 1u);
        EXPECT_EQ(store->active_violations({})->size(), 1u);
        EXPECT_EQ(store->datapoints("a", at_ms(0), at_ms(10))->size(), 1u);
        const std::string refused =
            "detect store " + path.string() + ": opened read-only (for queries), cannot write";
        EXPECT_EQ(store->record(Evaluation{}).error().message, refused);
        EXPECT_EQ(store->mark_published(1).error().message, refused);
        EXPECT_EQ(store->put_verification_state("v1", {}).error().message, refused);
        EXPECT_EQ(store->prune(at_ms(1LL << 50)).error().message, refused);
    }
    EXPECT_EQ(file_bytes(path), before);
    // Beside it, SQLite may leave the empty WAL and the shared-memory index a reader of a WAL
    // database needs (created by the first connection, the detector's when it runs).
    auto after = listing();
    std::erase(after, "detect.db-wal:0");
    std::erase_if(after,
                  [](const std::string& name) { return name.starts_with("detect.db-shm:"); });
    EXPECT_EQ(after, files);
}

TEST(SqliteStoreErrors, EachCauseHasItsOwnWording) {
    const auto text = [](int rc) {
        return store::sqlite_error("/x/detect.db", rc, "recording an evaluation", "detail").message;
    };
    EXPECT_EQ(text(SQLITE_CANTOPEN),
              "detect store /x/detect.db: cannot open or create it (detail): check that its "
              "directory is writable by this user");
    EXPECT_EQ(text(SQLITE_FULL),
              "detect store /x/detect.db: the disk is full while recording an evaluation; "
              "nothing of this write was kept (detail)");
    EXPECT_EQ(text(SQLITE_NOTADB), text(SQLITE_CORRUPT));
    EXPECT_TRUE(contains(text(SQLITE_CORRUPT), "the file is corrupt or not a SQLite database"));
    EXPECT_TRUE(contains(text(SQLITE_BUSY), "the database is locked by another process"));
    EXPECT_EQ(text(SQLITE_BUSY), text(SQLITE_LOCKED));
    EXPECT_EQ(text(SQLITE_BUSY_SNAPSHOT), text(SQLITE_BUSY));  // extended codes too
    EXPECT_TRUE(contains(text(SQLITE_IOERR_WRITE), "input/output error while recording"));
    EXPECT_TRUE(contains(text(SQLITE_READONLY), "cannot write it while recording"));
}

}  // namespace
}  // namespace defender::detect
