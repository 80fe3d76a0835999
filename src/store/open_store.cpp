// SPDX-License-Identifier: Apache-2.0
// open_sqlite_store: the file (created 0600 in an existing directory), the connection's
// settings (WAL, synchronous=FULL, busy timeout, foreign keys, size cap) and the migrations;
// read-only opens check the schema and change nothing.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "defender/detect_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_errors.hpp"

namespace defender::detect {
namespace {

using store::Database;
using store::sqlite_error;

// How long a statement waits for another connection's lock (the detector writing, a query
// reading, a checkpoint) before failing as "locked".
constexpr int kBusyTimeoutMs = 5000;

// Creates the file with mode 0600 (SQLite would use 0644), so its -wal and -shm get the same.
Status create_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return sqlite_error(path, SQLITE_CANTOPEN, "creating it", std::strerror(errno));
    }
    ::close(fd);
    return Done{};
}

// Runs a pragma that returns one row; its text, or an error.
Result<std::string> pragma(Database& db, const std::string& path, const std::string& sql,
                           std::string_view doing) {
    store::Statement statement;
    int rc = statement.prepare(db.get(), sql);
    if (rc == SQLITE_OK) rc = statement.step();
    if (rc == SQLITE_ROW) return statement.text(0);
    if (rc == SQLITE_DONE) return std::string();
    return sqlite_error(path, rc, doing, db.message());
}

Status configure(Database& db, const std::string& path, const StoreOptions& options) {
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    if (options.read_only) {
        auto done = pragma(db, path, "PRAGMA query_only = ON", "opening it");
        if (!done) return done.error();
        return Done{};
    }
    // WAL: queries read while the detector writes. FULL: the WAL is synced at every commit,
    // so a recorded (and then published) event survives a power loss too, not only kill -9.
    auto mode = pragma(db, path, "PRAGMA journal_mode = WAL", "setting WAL mode");
    if (!mode) return mode.error();
    if (*mode != "wal") {
        return Error{"detect store " + path + ": cannot use WAL mode (journal mode stays " + *mode +
                     "): is it on a network file system?"};
    }
    for (const char* sql : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
        if (auto done = pragma(db, path, sql, "opening it"); !done) return done.error();
    }
    if (options.max_bytes > 0) {
        auto page_size = pragma(db, path, "PRAGMA page_size", "opening it");
        if (!page_size) return page_size.error();
        const auto pages = std::max<std::uint64_t>(
            1, options.max_bytes / std::max<std::uint64_t>(1, std::stoull("0" + *page_size)));
        auto set =
            pragma(db, path, "PRAGMA max_page_count = " + std::to_string(pages), "opening it");
        if (!set) return set.error();
    }
    return Done{};
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file,
                                                 StoreOptions options) {
    const std::string path = file.string();
    std::error_code ec;
    if (options.read_only) {
        if (!std::filesystem::exists(file, ec)) {
            return Error{"detect store " + path +
                         ": does not exist: run defender detect once to create it"};
        }
    } else {
        const std::filesystem::path parent = file.has_parent_path() ? file.parent_path() : ".";
        const auto status = std::filesystem::status(parent, ec);
        if (status.type() == std::filesystem::file_type::not_found) {
            return Error{"detect store " + path + ": its directory " + parent.string() +
                         " does not exist (create it first)"};
        }
        if (!ec && !std::filesystem::is_directory(status)) {
            return Error{"detect store " + path + ": " + parent.string() + " is not a directory"};
        }
        if (!std::filesystem::exists(file, ec)) {
            if (auto created = create_file(path); !created) return created.error();
        }
    }

    sqlite3* handle = nullptr;
    const int flags =
        (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    Database db(handle);
    if (rc != SQLITE_OK) return sqlite_error(path, rc, "opening it", db.message());
    sqlite3_extended_result_codes(db.get(), 1);

    // The first read of the file: a corrupt file or one that is no database fails here.
    const int version = store::read_user_version(db);
    if (version < 0)
        return sqlite_error(path, -version, "reading its schema version", db.message());
    if (version > store::schema_version()) {
        return Error{"detect store " + path + ": its schema version " + std::to_string(version) +
                     " is newer than this defender's (" + std::to_string(store::schema_version()) +
                     "): use the defender that wrote it, or a newer one"};
    }
    if (options.read_only && version < store::schema_version()) {
        return Error{"detect store " + path + ": its schema version " + std::to_string(version) +
                     " is older than this defender's (" + std::to_string(store::schema_version()) +
                     "): run defender detect once to migrate it"};
    }
    if (auto configured = configure(db, path, options); !configured) return configured.error();
    if (!options.read_only) {
        if (auto migrated = store::migrate(db, path); !migrated) return migrated.error();
    }
    auto opened = std::make_unique<store::SqliteStore>(std::move(db), path, options);
    if (auto prepared = opened->prepare(); !prepared) return prepared.error();
    return std::unique_ptr<Store>(std::move(opened));
}

}  // namespace defender::detect
