// SPDX-License-Identifier: Apache-2.0
#include "store/store_errors.hpp"

#include <sqlite3.h>

namespace defender::detect::store {

Error sqlite_error(const std::string& path, int rc, std::string_view doing,
                   std::string_view detail) {
    const std::string where = "detect store " + path + ": ";
    const std::string while_doing = " while " + std::string(doing);
    const std::string because = " (" + std::string(detail) + ")";
    switch (rc & 0xff) {
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
            return Error{where + "cannot open or create it" + because +
                         ": check that its directory is writable by this user"};
        case SQLITE_READONLY:
            return Error{where + "cannot write it" + while_doing + because +
                         ": check the permissions of the file and its directory"};
        case SQLITE_FULL:
            return Error{where + "the disk is full" + while_doing +
                         "; nothing of this write was kept" + because};
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Error{where + "the file is corrupt or not a SQLite database" + while_doing +
                         because + ": move it aside to start an empty store"};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Error{where + "the database is locked by another process" + while_doing +
                         because + ": is another defender detect writing to it?"};
        case SQLITE_IOERR:
            return Error{where + "input/output error" + while_doing + because};
        case SQLITE_NOMEM:
            return Error{where + "out of memory" + while_doing};
        default:
            return Error{where + "failed" + while_doing + because};
    }
}

}  // namespace defender::detect::store
