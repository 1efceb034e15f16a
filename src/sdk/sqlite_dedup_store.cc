#include "herald/sqlite_dedup_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include "base/clock.h"
#include "herald/errors.h"
#include "sdk/sqlite_db.h"

namespace herald::sdk {
namespace {

// Schema: one row per id, with the wall-clock time it was last recorded. The index serves Purge.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS herald_dedup ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  recorded_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS herald_dedup_by_time ON herald_dedup (recorded_ms);";
constexpr const char* kSelect = "SELECT recorded_ms FROM herald_dedup WHERE id = ?1";
constexpr const char* kUpsert =
    "INSERT OR REPLACE INTO herald_dedup (id, recorded_ms) VALUES (?1, ?2)";
constexpr const char* kPurge = "DELETE FROM herald_dedup WHERE recorded_ms <= ?1";
constexpr const char* kCount = "SELECT COUNT(*) FROM herald_dedup";

}  // namespace

std::shared_ptr<SqliteDedupStore> SqliteDedupStore::Open(const std::string& path,
                                                         std::function<int64_t()> now_ms) {
  if (!now_ms) now_ms = [] { return Clock::System().NowMs(); };
  std::shared_ptr<SqliteDedupStore> store(new SqliteDedupStore(path, std::move(now_ms)));
  store->Init();  // on a throw, the destructor closes what was opened
  return store;
}

void SqliteDedupStore::Init() {
  std::lock_guard lock(mu_);
  db_ = OpenSqliteWal(path_, "NORMAL", "SqliteDedupStore");
  char* message = nullptr;
  int rc = sqlite3_exec(db_, kSchema, nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) Fail("cannot create the table", rc);

  for (auto [sql, stmt] : {std::pair{kSelect, &select_}, std::pair{kUpsert, &upsert_},
                           std::pair{kPurge, &purge_}, std::pair{kCount, &count_}}) {
    if (int prc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr);
        prc != SQLITE_OK) {
      Fail("cannot prepare a statement", prc);
    }
  }
}

SqliteDedupStore::~SqliteDedupStore() {
  // sqlite3_finalize(nullptr) is a no-op; closing last checkpoints the WAL.
  sqlite3_finalize(select_);
  sqlite3_finalize(upsert_);
  sqlite3_finalize(purge_);
  sqlite3_finalize(count_);
  sqlite3_close(db_);
}

void SqliteDedupStore::Fail(const char* what, int rc) const {
  SqliteFail(db_, "SqliteDedupStore", what, path_, rc);
}

bool SqliteDedupStore::Seen(const std::string& id, std::chrono::milliseconds ttl) {
  std::lock_guard lock(mu_);
  if (ttl.count() > max_ttl_ms_) max_ttl_ms_ = ttl.count();
  StatementScope scope(select_);
  sqlite3_bind_text(select_, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(select_);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) Fail("cannot look up an id in", rc);
  const int64_t recorded_ms = sqlite3_column_int64(select_, 0);
  return now_ms_() - recorded_ms < ttl.count();
}

void SqliteDedupStore::Record(const std::string& id) {
  std::lock_guard lock(mu_);
  const int64_t now = now_ms_();
  {
    StatementScope scope(upsert_);
    sqlite3_bind_text(upsert_, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 2, now);
    if (int rc = sqlite3_step(upsert_); rc != SQLITE_DONE) Fail("cannot record an id in", rc);
  }
  if (++records_since_purge_ >= kPurgeEvery) {
    records_since_purge_ = 0;
    if (max_ttl_ms_ >= 0) PurgeLocked(now - max_ttl_ms_);
  }
}

size_t SqliteDedupStore::Purge(std::chrono::milliseconds ttl) {
  std::lock_guard lock(mu_);
  return PurgeLocked(now_ms_() - ttl.count());
}

size_t SqliteDedupStore::PurgeLocked(int64_t cutoff_ms) {
  StatementScope scope(purge_);
  sqlite3_bind_int64(purge_, 1, cutoff_ms);
  if (int rc = sqlite3_step(purge_); rc != SQLITE_DONE) Fail("cannot purge", rc);
  return static_cast<size_t>(sqlite3_changes(db_));
}

size_t SqliteDedupStore::size() {
  std::lock_guard lock(mu_);
  StatementScope scope(count_);
  if (int rc = sqlite3_step(count_); rc != SQLITE_ROW) Fail("cannot count the ids in", rc);
  return static_cast<size_t>(sqlite3_column_int64(count_, 0));
}

}  // namespace herald::sdk
