// SqliteDedupStore: the persistent DedupStore, alone and under the Deduplicate middleware.
#include "herald/sqlite_dedup_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "herald/errors.h"
#include "herald/router.h"
#include "testing/test_util.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

class SqliteDedupStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return (dir_.path() / "dedup.db").string(); }
  // A store on the test's clock, which moves only when the test says.
  std::shared_ptr<SqliteDedupStore> OpenOnTestClock() {
    return SqliteDedupStore::Open(DbPath(), [this] { return now_ms_.load(); });
  }
  herald::testing::TempDir dir_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

TEST_F(SqliteDedupStoreTest, RecordedIdsAreSeenAndOthersAreNot) {
  auto store = SqliteDedupStore::Open(DbPath());
  EXPECT_TRUE(std::filesystem::exists(DbPath()));
  EXPECT_FALSE(store->Seen("a", 1h));
  store->Record("a");
  EXPECT_TRUE(store->Seen("a", 1h));
  EXPECT_FALSE(store->Seen("b", 1h));
  store->Record("a");  // again: replaced, not duplicated
  EXPECT_EQ(store->size(), 1u);
}

TEST_F(SqliteDedupStoreTest, AnIdIsNoLongerSeenOnceItsTtlPassed) {
  auto store = OpenOnTestClock();
  store->Record("a");
  now_ms_ += 49;
  EXPECT_TRUE(store->Seen("a", 50ms));
  now_ms_ += 1;
  EXPECT_FALSE(store->Seen("a", 50ms));
  EXPECT_TRUE(store->Seen("a", 1h));  // still stored: only Purge removes it
  store->Record("a");                 // recording again restarts its ttl
  EXPECT_TRUE(store->Seen("a", 50ms));
}

TEST_F(SqliteDedupStoreTest, IdsSurviveAReopen) {
  {
    auto store = SqliteDedupStore::Open(DbPath());
    store->Record("order-1");
    store->Record("order-2");
  }
  auto store = SqliteDedupStore::Open(DbPath());
  EXPECT_TRUE(store->Seen("order-1", 1h));
  EXPECT_TRUE(store->Seen("order-2", 1h));
  EXPECT_FALSE(store->Seen("order-3", 1h));
  EXPECT_EQ(store->size(), 2u);
}

TEST_F(SqliteDedupStoreTest, PurgeRemovesOnlyExpiredIds) {
  auto store = OpenOnTestClock();
  store->Record("old-1");
  store->Record("old-2");
  now_ms_ += 50;
  store->Record("new");
  EXPECT_EQ(store->Purge(50ms), 2u);
  EXPECT_EQ(store->size(), 1u);
  EXPECT_FALSE(store->Seen("old-1", 1h));
  EXPECT_TRUE(store->Seen("new", 1h));
  EXPECT_EQ(store->Purge(50ms), 0u);
}

TEST_F(SqliteDedupStoreTest, RecordPurgesOpportunisticallyWithTheLargestTtlSeenAskedAbout) {
  auto store = OpenOnTestClock();
  EXPECT_FALSE(store->Seen("x", 50ms));  // the largest ttl asked about: 50 ms
  store->Record("old");
  now_ms_ += 50;
  for (uint64_t i = 0; i + 2 < SqliteDedupStore::kPurgeEvery; ++i) {
    store->Record(fmt::format("id-{}", i));
  }
  EXPECT_EQ(store->size(), SqliteDedupStore::kPurgeEvery - 1);  // 999 Records: no purge yet
  store->Record("last");  // the 1000th: purges what is 50 ms old
  EXPECT_FALSE(store->Seen("old", 1h));
  EXPECT_TRUE(store->Seen("last", 1h));
}

TEST_F(SqliteDedupStoreTest, ConcurrentRecordAndSeenFromSeveralThreads) {
  auto store = SqliteDedupStore::Open(DbPath());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = fmt::format("t{}-{}", t, i);
        if (store->Seen(id, 1h)) ++misses;  // never recorded yet
        store->Record(id);
        if (!store->Seen(id, 1h)) ++misses;
        // Another thread's ids, recorded or not yet: must not fail.
        (void)store->Seen(fmt::format("t{}-{}", (t + 1) % kThreads, i), 1h);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(misses, 0);
  EXPECT_EQ(store->size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(SqliteDedupStoreTest, APathInAMissingDirectoryThrows) {
  const std::string path = (dir_.path() / "no" / "such" / "dir" / "dedup.db").string();
  try {
    SqliteDedupStore::Open(path);
    FAIL() << "Open should have thrown";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(SqliteDedupStoreTest, ADirectoryOrAForeignFileThrows) {
  EXPECT_THROW(SqliteDedupStore::Open(dir_.str()), Error);
  const std::string junk = (dir_.path() / "junk.db").string();
  {
    std::ofstream out(junk, std::ios::binary);
    out << std::string(4096, 'x');
  }
  EXPECT_THROW(SqliteDedupStore::Open(junk), Error);
}

TEST_F(SqliteDedupStoreTest, AnUnwritableDirectoryThrows) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes through directory permissions";
  const auto locked = dir_.path() / "locked";
  std::filesystem::create_directory(locked);
  std::filesystem::permissions(
      locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_THROW(SqliteDedupStore::Open((locked / "dedup.db").string()), Error);
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
}

TEST_F(SqliteDedupStoreTest, DeduplicateSkipsTheSecondMessageWithTheSameCeId) {
  auto store = SqliteDedupStore::Open(DbPath());
  Middleware dedup = Deduplicate(store, 1h);
  int calls = 0;
  Next next = [&](const Message&) {
    ++calls;
    return HandlerResult::Success();
  };
  Message m{.topic = "orders", .partition = 0, .offset = 7, .headers = {{"ce_id", "evt-1"}}};
  EXPECT_EQ(dedup(m, next).kind, HandlerResult::Kind::kSuccess);
  EXPECT_EQ(calls, 1);
  Message again = m;
  again.offset = 8;  // a redelivery at another offset, same event id
  EXPECT_EQ(dedup(again, next).kind, HandlerResult::Kind::kSkipped);
  EXPECT_EQ(calls, 1);
  Message other = m;
  other.headers = {{"ce_id", "evt-2"}};
  EXPECT_EQ(dedup(other, next).kind, HandlerResult::Kind::kSuccess);
  EXPECT_EQ(calls, 2);
  // And after a restart, through a fresh store on the same file.
  store.reset();
  dedup = Deduplicate(SqliteDedupStore::Open(DbPath()), 1h);
  EXPECT_EQ(dedup(again, next).kind, HandlerResult::Kind::kSkipped);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace herald::sdk
