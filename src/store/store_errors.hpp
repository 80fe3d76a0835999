// SPDX-License-Identifier: Apache-2.0
#pragma once
// One-line messages for SQLite failures, naming the store's file and what it was doing, and
// telling apart the causes a user can act on: cannot open or create (permissions), disk full,
// corrupt or not a database, locked by another process (docs/troubleshooting.md, "Detect").

#include <string>
#include <string_view>

#include "defender/result.hpp"

namespace defender::detect::store {

/// The error of SQLite code `rc` while `doing` (e.g. "recording an evaluation") on the store
/// at `path`; `detail` is SQLite's own text.
Error sqlite_error(const std::string& path, int rc, std::string_view doing,
                   std::string_view detail);

}  // namespace defender::detect::store
