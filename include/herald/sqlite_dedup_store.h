// SqliteDedupStore: a DedupStore kept in a SQLite database file, so the ids a consumer handled
// survive a restart (the SDK's default store on the embedded transport).
//
//   auto store = herald::sdk::SqliteDedupStore::Open("/var/lib/billing/dedup.db");
//   router.Use(herald::sdk::Deduplicate(store, std::chrono::hours(24)));
//
// Thread-safe: one connection, every call under one mutex; its prepared statements live as long
// as the store. Several processes may share a file (WAL journal mode, a busy timeout), though a
// store per consumer group is the usual layout.
//
// Times are wall-clock milliseconds (std::chrono::system_clock unless Open is given another
// clock), so they mean the same after a restart; a clock stepped backwards keeps ids longer, one
// stepped forwards forgets them sooner.
//
// Durability: WAL with synchronous=NORMAL. A power loss or OS crash may forget the last few ids
// recorded (a process crash forgets none). That is harmless: the router commits a record's
// offset only after the middleware recorded its id, so a forgotten id means at worst that a
// record is handled twice, which at-least-once delivery allows anyway.
//
// Expired ids are removed by Purge, and opportunistically every kPurgeEvery Records, with the
// largest ttl any Seen call asked about so far (an id older than that can never be seen again by
// this store's callers); before the first Seen nothing is purged on its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "herald/router.h"

struct sqlite3;
struct sqlite3_stmt;

namespace herald::sdk {

class SqliteDedupStore : public DedupStore {
 public:
  static constexpr uint64_t kPurgeEvery = 1000;

  // Opens the database at `path`, creating the file and its table when missing (the directory
  // must exist). Returns the store; throws Error naming the path and SQLite's reason when the
  // file cannot be opened or created, is not a SQLite database, or cannot be set up.
  // `now_ms` is the clock (milliseconds since the Unix epoch); the system clock when empty.
  static std::shared_ptr<SqliteDedupStore> Open(const std::string& path,
                                                std::function<int64_t()> now_ms = {});

  ~SqliteDedupStore() override;
  SqliteDedupStore(const SqliteDedupStore&) = delete;
  SqliteDedupStore& operator=(const SqliteDedupStore&) = delete;

  // True when `id` was recorded less than `ttl` ago; false when it never was or is older.
  // Throws Error when the database fails.
  bool Seen(const std::string& id, std::chrono::milliseconds ttl) override;
  // Records `id` as handled now (replacing an earlier time). Throws Error when the database
  // fails (the router then treats the record as failed and handles it again: at least once).
  void Record(const std::string& id) override;
  // Removes the ids recorded `ttl` or more ago. Returns how many were removed; throws Error when
  // the database fails.
  size_t Purge(std::chrono::milliseconds ttl);
  // How many ids the file holds, expired or not. Throws Error when the database fails.
  size_t size();

  const std::string& path() const { return path_; }

 private:
  SqliteDedupStore(std::string path, std::function<int64_t()> now_ms)
      : path_(std::move(path)), now_ms_(std::move(now_ms)) {}
  void Init();  // opens the connection and prepares the statements; throws Error
  size_t PurgeLocked(int64_t cutoff_ms);
  [[noreturn]] void Fail(const char* what, int rc) const;

  const std::string path_;
  const std::function<int64_t()> now_ms_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;             // GUARDED_BY(mu_)
  sqlite3_stmt* select_ = nullptr;    // GUARDED_BY(mu_)
  sqlite3_stmt* upsert_ = nullptr;    // GUARDED_BY(mu_)
  sqlite3_stmt* purge_ = nullptr;     // GUARDED_BY(mu_)
  sqlite3_stmt* count_ = nullptr;     // GUARDED_BY(mu_)
  int64_t max_ttl_ms_ = -1;           // GUARDED_BY(mu_): the largest ttl Seen was given
  uint64_t records_since_purge_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace herald::sdk
