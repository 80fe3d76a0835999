// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_handle.hpp"

namespace defender::detect::store {

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        if (db_) sqlite3_close_v2(db_);
        db_ = other.db_;
        other.db_ = nullptr;
    }
    return *this;
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

std::string Database::message() const {
    return db_ ? sqlite3_errmsg(db_) : "out of memory";
}

int Database::exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        if (stmt_) sqlite3_finalize(stmt_);
        stmt_ = other.stmt_;
        other.stmt_ = nullptr;
    }
    return *this;
}

Statement::~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

int Statement::prepare(sqlite3* db, std::string_view sql) {
    if (stmt_) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
    }
    return sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
}

void Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
}

void Statement::bind(int index, const std::optional<std::string>& text) {
    if (text) {
        bind(index, std::string_view(*text));
    } else {
        bind_null(index);
    }
}

int Statement::step() {
    return sqlite3_step(stmt_);
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size))
                : std::string();
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Transaction::~Transaction() {
    if (open_) db_.exec("ROLLBACK");
}

int Transaction::begin() {
    const int rc = db_.exec("BEGIN IMMEDIATE");
    open_ = rc == SQLITE_OK;
    return rc;
}

int Transaction::commit() {
    const int rc = db_.exec("COMMIT");
    if (rc == SQLITE_OK) open_ = false;
    return rc;
}

}  // namespace defender::detect::store
