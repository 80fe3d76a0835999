// SPDX-License-Identifier: Apache-2.0
#pragma once
// The store's schema as a list of migrations: migration N takes a database from
// `PRAGMA user_version` N-1 to N, in one transaction with the version bump, so a crash leaves
// either version. A new database runs them all; docs/detect.md ("Store") lists the tables.

#include <string>

#include "defender/result.hpp"
#include "store/sqlite_handle.hpp"

namespace defender::detect::store {

/// The schema version this code writes (the number of migrations).
int schema_version();

/// The database's `PRAGMA user_version`, or the SQLite code (negated) when it cannot be read.
int read_user_version(Database& db);

/// Applies the migrations after the database's version, up to `target` (default: all), each
/// in its own transaction. Fails on a database newer than the code; `path` names the file.
Status migrate(Database& db, const std::string& path, int target = schema_version());

}  // namespace defender::detect::store
