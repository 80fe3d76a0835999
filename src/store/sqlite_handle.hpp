// SPDX-License-Identifier: Apache-2.0
#pragma once
// RAII over the SQLite C API: a connection that closes itself, prepared statements that
// finalize themselves, a transaction that rolls back unless committed. Failures come back as
// the SQLite result code; store_errors.hpp turns them into one-line messages.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace defender::detect::store {

/// An open connection (sqlite3*), closed on destruction.
class Database {
public:
    Database() = default;
    explicit Database(sqlite3* db) : db_(db) {}
    Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    sqlite3* get() const { return db_; }
    /// The connection's last error text.
    std::string message() const;
    /// Runs SQL without results (several statements allowed); the SQLite code.
    int exec(const char* sql);

private:
    sqlite3* db_ = nullptr;
};

/// A prepared statement, finalized on destruction. Binding is 1-based, columns 0-based.
class Statement {
public:
    Statement() = default;
    Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    /// Prepares `sql` on `db`; the SQLite code.
    int prepare(sqlite3* db, std::string_view sql);
    /// Resets for another run and clears the bindings.
    void reset();

    void bind(int index, std::int64_t value);
    void bind(int index, std::string_view text);
    void bind_null(int index);
    /// Binds the text, or NULL when there is none.
    void bind(int index, const std::optional<std::string>& text);

    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// A write transaction (BEGIN IMMEDIATE), rolled back on destruction unless committed.
class Transaction {
public:
    explicit Transaction(Database& db) : db_(db) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    /// BEGIN IMMEDIATE; the SQLite code.
    int begin();
    /// COMMIT; the SQLite code (on failure the destructor rolls back).
    int commit();

private:
    Database& db_;
    bool open_ = false;
};

}  // namespace defender::detect::store
