// What the SDK's SQLite stores share: opening a database file the way they all want it, and
// statements reset when a scope ends.
#pragma once

#include <string>

#include <sqlite3.h>

namespace herald::sdk {

// Opens the database at `path` (created when missing) with extended result codes, a busy
// timeout of 5 s, WAL journal mode and PRAGMA synchronous=`synchronous` (NORMAL, FULL). Throws
// Error naming `owner`, the path and SQLite's reason.
sqlite3* OpenSqliteWal(const std::string& path, const char* synchronous, const char* owner);

// Throws Error naming `owner`, what failed, the path and SQLite's reason for `rc`.
[[noreturn]] void SqliteFail(sqlite3* db, const char* owner, const char* what,
                             const std::string& path, int rc);

// Resets a statement and clears its bindings when the scope ends, whatever happened in it.
class StatementScope {
 public:
  explicit StatementScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace herald::sdk
