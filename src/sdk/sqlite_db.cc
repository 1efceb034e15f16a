#include "sdk/sqlite_db.h"

#include <fmt/format.h>

#include "herald/errors.h"

namespace herald::sdk {

void SqliteFail(sqlite3* db, const char* owner, const char* what, const std::string& path, int rc) {
  const char* reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(fmt::format("{}: {} {}: {} (sqlite error {})", owner, what, path, reason, rc));
}

sqlite3* OpenSqliteWal(const std::string& path, const char* synchronous, const char* owner) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr); rc != SQLITE_OK) {
    const std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw Error(fmt::format("{}: cannot open {}: {} (sqlite error {})", owner, path, reason, rc));
  }
  auto fail = [&](const char* what, int rc) {
    const std::string reason = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw Error(fmt::format("{}: {} {}: {} (sqlite error {})", owner, what, path, reason, rc));
  };
  sqlite3_extended_result_codes(db, 1);
  if (int rc = sqlite3_busy_timeout(db, 5000); rc != SQLITE_OK) fail("busy_timeout on", rc);

  // journal_mode answers with the mode in force; anything but "wal" (e.g. a read-only file
  // system) is a failure to set the database up as documented.
  sqlite3_stmt* wal = nullptr;
  if (int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &wal, nullptr);
      rc != SQLITE_OK) {
    fail("cannot read the database", rc);
  }
  int rc = sqlite3_step(wal);
  std::string mode;
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(wal, 0);
    if (text != nullptr) mode = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(wal);
  if (rc != SQLITE_ROW) fail("cannot set WAL journal mode on", rc);
  if (mode != "wal") {
    sqlite3_close(db);
    throw Error(
        fmt::format("{}: cannot set WAL journal mode on {} (got \"{}\")", owner, path, mode));
  }
  const std::string pragma = fmt::format("PRAGMA synchronous={};", synchronous);
  char* message = nullptr;
  rc = sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) fail("cannot set synchronous on", rc);
  return db;
}

}  // namespace herald::sdk
