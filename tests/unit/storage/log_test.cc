#include "storage/log.h"

#include <atomic>
#include <future>
#include <limits>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"
#include "testing/producer_batch.h"
#include "testing/test_util.h"

namespace herald::storage {
namespace {

class PartitionLogTest : public ::testing::Test {
 protected:
  std::shared_ptr<Log> OpenLog(Flusher* flusher = nullptr) {
    auto log = Log::Open({&fs_, dir_, config_, &clock_, flusher});
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : nullptr;
  }

  // Appends one batch of `n` records with keys key-<first>.. and the given timestamp.
  AppendInfo Append(Log& log, int n = 1, int64_t ts = -1, std::string key_prefix = "key-",
                    AckLevel ack = AckLevel::kDurable) {
    std::vector<RecordSpec> records;
    for (int i = 0; i < n; ++i) {
      records.push_back({fmt::format("{}{}", key_prefix, next_key_++),
                         std::string(100, 'v'), ts < 0 ? clock_.NowMs() : ts, {}});
    }
    Buffer b = BuildBatch(records);
    auto r = log.AppendAndWait(b, ack);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AppendInfo{};
  }

  Result<BatchHeader> HeaderAt(const Log& log, int64_t offset) {
    HERALD_ASSIGN_OR_RETURN(auto slice, log.Read(offset, 1));
    Buffer bytes;
    HERALD_RETURN_IF_ERROR(slice.AppendTo(bytes));
    return ValidateBatch(bytes);
  }

  MemFileSystem fs_;
  ManualClock clock_;
  LogConfig config_;
  std::string dir_ = "/data/t-0";
  int next_key_ = 0;
};

TEST_F(PartitionLogTest, AppendAssignsConsecutiveOffsets) {
  auto log = OpenLog();
  EXPECT_EQ(Append(*log, 3).base_offset, 0);
  AppendInfo second = Append(*log, 2);
  EXPECT_EQ(second.base_offset, 3);
  EXPECT_EQ(second.last_offset, 4);
  EXPECT_EQ(log->end_offset(), 5);
  EXPECT_EQ(log->durable_offset(), 5);
  auto h = HeaderAt(*log, 4);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->base_offset, 3);
}

// The checkpoint only saves recovery work: a full disk while writing it must not keep the log
// from opening.
TEST_F(PartitionLogTest, AFullDiskDuringRecoveryStillOpensTheLog) {
  {
    auto log = OpenLog();
    for (int i = 0; i < 5; ++i) {
      Buffer b = BuildBatch({{"k", fmt::format("v{}", i), clock_.NowMs(), {}}});
      ASSERT_TRUE(log->AppendAndWait(b, AckLevel::kDurable).ok());
    }
    ASSERT_TRUE(log->Close().ok());
  }
  ASSERT_TRUE(fs_.Remove(dir_ + "/recovery-checkpoint").ok());  // recovery must scan and record
  FaultFileSystem full(fs_);
  full.SetSpaceLeft(0);
  auto log = Log::Open({&full, dir_, config_, &clock_, nullptr});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->end_offset(), 5);
  EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0u);
  (*log)->Close().IgnoreError();  // its checkpoint cannot be written either
}

TEST_F(PartitionLogTest, ReadReturnsWholeBatchesWithinMaxBytesButAtLeastOne) {
  auto log = OpenLog();
  for (int i = 0; i < 10; ++i) Append(*log, 1);
  auto one = log->Read(0, 1);
  ASSERT_TRUE(one.ok());
  Buffer bytes;
  ASSERT_TRUE(one->AppendTo(bytes).ok());
  auto h = ValidateBatch(bytes);
  ASSERT_TRUE(h.ok()) << "a 1-byte read still returns the first whole batch";
  uint64_t batch_size = h->size();
  auto three = log->Read(2, batch_size * 3 + batch_size / 2);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->size, batch_size * 3);
  EXPECT_EQ(three->high_watermark, 10);
  auto at_end = log->Read(10, 1000);
  ASSERT_TRUE(at_end.ok());
  EXPECT_TRUE(at_end->empty());
  EXPECT_EQ(log->Read(11, 1000).status().code(), StatusCode::kOutOfRange);
}

TEST_F(PartitionLogTest, RollsSegmentsBySizeAndAge) {
  config_.segment_bytes = 1024;
  auto log = OpenLog();
  for (int i = 0; i < 20; ++i) Append(*log, 1);
  EXPECT_GT(log->segment_count(), 3u);
  for (const auto& seg : log->segments()) EXPECT_LE(seg->size(), 1024u);
  size_t before = log->segment_count();
  config_.segment_bytes = int64_t{1} << 30;
  config_.segment_ms = 1000;
  log->SetConfig(config_);
  Append(*log, 1);
  EXPECT_EQ(log->segment_count(), before) << "young segment: no roll";
  clock_.AdvanceMs(1001);
  Append(*log, 1);
  EXPECT_EQ(log->segment_count(), before + 1) << "old segment: rolled";
  // Every offset still reads back after rolls.
  for (int64_t o = 0; o < log->end_offset(); ++o) ASSERT_TRUE(HeaderAt(*log, o).ok()) << o;
}

TEST_F(PartitionLogTest, ReopenAfterCloseScansOnlyTheLastBatch) {
  config_.segment_bytes = 2048;
  {
    auto log = OpenLog();
    for (int i = 0; i < 50; ++i) Append(*log, 2);
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = OpenLog();
  EXPECT_TRUE(log->recovery_report().had_checkpoint);
  EXPECT_LT(log->recovery_report().bytes_scanned, 1024u);
  EXPECT_EQ(log->end_offset(), 100);
  EXPECT_EQ(Append(*log, 1).base_offset, 100);
}

TEST_F(PartitionLogTest, OffsetForTimestampFindsTheFirstRecordAtOrAfter) {
  config_.segment_bytes = 1024;
  config_.index_interval_bytes = 200;
  auto log = OpenLog();
  for (int i = 0; i < 30; ++i) Append(*log, 2, 1000 + i * 10);  // records at t, t (same ts)
  auto found = log->OffsetForTimestamp(1055);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->offset, 12);  // batch 6 (t=1060) starts at offset 12
  EXPECT_EQ((*found)->timestamp, 1060);
  auto exact = log->OffsetForTimestamp(1000);
  ASSERT_TRUE(exact.ok() && exact->has_value());
  EXPECT_EQ((*exact)->offset, 0);
  auto later = log->OffsetForTimestamp(99999);
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->has_value());
}

TEST_F(PartitionLogTest, RetentionByBytesDeletesOldestSegments) {
  config_.segment_bytes = 1024;
  config_.retention_bytes = 3000;
  auto log = OpenLog();
  for (int i = 0; i < 40; ++i) Append(*log, 1);
  uint64_t before = log->size_bytes();
  auto deleted = log->ApplyRetention();
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0);
  EXPECT_LT(log->size_bytes(), before);
  EXPECT_LE(log->size_bytes() - log->segments().front()->size(), 3000u);
  EXPECT_EQ(log->log_start_offset(), log->segments().front()->base_offset());
  EXPECT_EQ(log->Read(0, 100).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(HeaderAt(*log, log->log_start_offset()).ok());
}

TEST_F(PartitionLogTest, RetentionByTimeRollsAndDeletesExpiredData) {
  config_.segment_bytes = 1024;
  config_.retention_ms = 60'000;
  auto log = OpenLog();
  for (int i = 0; i < 20; ++i) Append(*log, 1);
  auto none = log->ApplyRetention();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  clock_.AdvanceMs(60'001);
  auto all = log->ApplyRetention();
  ASSERT_TRUE(all.ok());
  EXPECT_GT(*all, 0);
  EXPECT_EQ(log->log_start_offset(), 20);
  EXPECT_EQ(log->end_offset(), 20);
  EXPECT_EQ(Append(*log, 1).base_offset, 20);
}

TEST_F(PartitionLogTest, DeleteRecordsAdvancesTheStartDurably) {
  config_.segment_bytes = 1024;
  {
    auto log = OpenLog();
    for (int i = 0; i < 30; ++i) Append(*log, 1);
    EXPECT_EQ(log->DeleteRecordsBefore(31).code(), StatusCode::kOutOfRange);
    ASSERT_TRUE(log->DeleteRecordsBefore(17).ok());
    EXPECT_EQ(log->log_start_offset(), 17);
    EXPECT_EQ(log->Read(16, 10).status().code(), StatusCode::kOutOfRange);
    EXPECT_TRUE(HeaderAt(*log, 17).ok());
    EXPECT_LE(log->segments().front()->base_offset(), 17);
    fs_.SimulateCrash(1);  // no clean close: the new start must already be on disk
  }
  fs_.Restart();
  auto log = OpenLog();
  EXPECT_EQ(log->log_start_offset(), 17);
}

TEST_F(PartitionLogTest, CompactionKeepsLatestPerKeyAndNeverChangesOffsets) {
  config_.segment_bytes = 1024;
  config_.cleanup_compact = true;
  config_.cleanup_delete = false;
  config_.delete_retention_ms = 1000;
  auto log = OpenLog();
  // 5 keys, each written 8 times, plus a tombstone for key k0.
  std::map<std::string, int64_t> latest;
  for (int round = 0; round < 8; ++round) {
    for (int k = 0; k < 5; ++k) {
      Buffer b = BuildBatch({{fmt::format("k{}", k), fmt::format("v{}", round), clock_.NowMs(), {}}});
      auto r = log->AppendAndWait(b, AckLevel::kDurable);
      ASSERT_TRUE(r.ok());
      latest[fmt::format("k{}", k)] = r->base_offset;
    }
  }
  Buffer tomb = BuildBatch({{"k0", std::nullopt, clock_.NowMs(), {}}});
  int64_t tomb_offset = log->AppendAndWait(tomb, AckLevel::kDurable)->base_offset;
  for (int i = 0; i < 10; ++i) Append(*log, 1, -1, "filler-");  // push the above out of the active segment
  const int64_t end = log->end_offset();

  auto stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GT(stats->records_removed, 0);
  EXPECT_LT(stats->bytes_after, stats->bytes_before);
  EXPECT_EQ(log->end_offset(), end);

  auto live_records = [&] {
    std::map<std::string, std::pair<int64_t, bool>> seen;  // key -> (offset, is tombstone)
    int64_t offset = log->log_start_offset();
    while (offset < log->end_offset()) {
      auto slice = log->Read(offset, 1 << 20);
      EXPECT_TRUE(slice.ok());
      Buffer bytes;
      EXPECT_TRUE(slice->AppendTo(bytes).ok());
      for (size_t at = 0; at < bytes.size();) {
        auto h = ParseBatchHeader(ByteView(bytes).subspan(at));
        ByteView one = ByteView(bytes).subspan(at, h->size());
        EXPECT_TRUE(ValidateBatch(one).ok());
        EXPECT_TRUE(ForEachRecord(one, [&](const RecordView& r) {
                      std::string key(AsString(*r.key));
                      EXPECT_FALSE(seen.contains(key) && !key.starts_with("filler"))
                          << "two live versions of " << key;
                      seen[key] = {r.offset, !r.value.has_value()};
                    }).ok());
        offset = h->next_offset();
        at += h->size();
      }
    }
    return seen;
  };
  auto seen = live_records();
  for (int k = 1; k < 5; ++k) {
    std::string key = fmt::format("k{}", k);
    ASSERT_TRUE(seen.contains(key));
    EXPECT_EQ(seen[key].first, latest[key]) << "the latest version keeps its offset";
  }
  ASSERT_TRUE(seen.contains("k0"));
  EXPECT_EQ(seen["k0"].first, tomb_offset);
  EXPECT_TRUE(seen["k0"].second) << "a young tombstone stays";

  // Once delete.retention.ms has passed, the tombstone goes too.
  clock_.AdvanceMs(1001);
  for (int i = 0; i < 10; ++i) Append(*log, 1, -1, "filler-");
  ASSERT_TRUE(log->Compact().ok());
  auto after = live_records();
  EXPECT_FALSE(after.contains("k0"));

  // Compacted segments survive a reopen (indexes rebuilt, gaps accepted).
  log->Close().IgnoreError();
  log.reset();
  log = OpenLog();
  EXPECT_EQ(log->end_offset(), end + 10);
  EXPECT_EQ(live_records(), after);
}

// Compaction and transactions, as Kafka's cleaner: an aborted transaction's batches go and never
// hide an older value; a committed one's records count from its marker; nothing from a
// transaction still open on is compacted; markers stay.
TEST_F(PartitionLogTest, CompactionRemovesAbortedTransactionsAndStopsAtAnOpenOne) {
  config_.segment_bytes = 1;  // a segment per batch
  config_.cleanup_compact = true;
  config_.cleanup_delete = false;
  auto log = OpenLog();
  auto append = [&](Buffer batch) {
    auto r = log->AppendAndWait(batch, AckLevel::kDurable);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->base_offset : -1;
  };
  auto record = [&](const std::string& key, const std::string& value, int64_t producer = -1) {
    Buffer b = BuildBatch({{key, value, clock_.NowMs(), {}}});
    if (producer >= 0) testing::SetProducerFields(b, producer, 0, 0, /*transactional=*/true);
    return append(std::move(b));
  };
  auto marker = [&](int64_t producer, ControlType type) {
    return append(BuildTxnMarker(producer, 0, type, 0, clock_.NowMs()));
  };
  record("a", "plain");       // 0: hidden by the commit below
  record("c", "kept");        // 1: only an aborted write follows
  record("c", "aborted", 5);  // 2
  const int64_t abort = marker(5, ControlType::kAbort);
  const int64_t committed = record("a", "committed", 6);
  const int64_t commit = marker(6, ControlType::kCommit);
  record("b", "before");  // hidden by b=after, but after the open one
  const int64_t open = record("b", "open", 7);
  const int64_t after = record("b", "after");
  for (int i = 0; i < 3; ++i) record("filler", "x");

  ASSERT_TRUE(log->Compact().ok());
  std::map<int64_t, std::string> live;  // offset -> key=value, or a marker
  for (int64_t offset = log->log_start_offset(); offset < log->end_offset();) {
    auto slice = log->Read(offset, 1 << 20);
    ASSERT_TRUE(slice.ok());
    Buffer bytes;
    ASSERT_TRUE(slice->AppendTo(bytes).ok());
    for (size_t at = 0; at < bytes.size();) {
      auto h = ParseBatchHeader(ByteView(bytes).subspan(at));
      ASSERT_TRUE(h.ok());
      ByteView one = ByteView(bytes).subspan(at, h->size());
      if (h->control()) {
        live[h->base_offset] = "marker";
      } else {
        ASSERT_TRUE(ForEachRecord(one, [&](const RecordView& r) {
                      live[r.offset] = fmt::format("{}={}", AsString(*r.key), AsString(*r.value));
                    }).ok());
      }
      offset = h->next_offset();
      at += h->size();
    }
  }
  EXPECT_FALSE(live.contains(0)) << "a committed write hides the older value";
  EXPECT_EQ(live[1], "c=kept") << "an aborted write hides nothing";
  EXPECT_FALSE(live.contains(2)) << "an aborted batch is removed";
  EXPECT_EQ(live[abort], "marker");
  EXPECT_EQ(live[committed], "a=committed");
  EXPECT_EQ(live[commit], "marker");
  EXPECT_EQ(live[open - 1], "b=before") << "nothing from an open transaction on is compacted";
  EXPECT_EQ(live[open], "b=open");
  EXPECT_EQ(live[after], "b=after");
}

// min.compaction.lag.ms: records younger than the lag are not compacted; once it passes they are.
TEST_F(PartitionLogTest, CompactionLeavesRecordsYoungerThanTheMinimumLag) {
  config_.segment_bytes = 512;
  config_.cleanup_compact = true;
  config_.cleanup_delete = false;
  config_.min_compaction_lag_ms = 60'000;
  auto log = OpenLog();
  for (int round = 0; round < 10; ++round) Append(*log, 1, -1, "same-key-");
  for (int round = 0; round < 20; ++round) {
    Buffer b = BuildBatch({{"k", fmt::format("v{}", round), clock_.NowMs(), {}}});
    ASSERT_TRUE(log->AppendAndWait(b, AckLevel::kDurable).ok());
  }
  auto young = log->Compact();
  ASSERT_TRUE(young.ok()) << young.status().ToString();
  EXPECT_EQ(young->records_removed, 0) << "every record is younger than the lag";
  EXPECT_FALSE(log->CompactionDue());

  // Once the lag has passed the held-back segments are due, with no new segment rolled.
  clock_.AdvanceMs(60'001);
  EXPECT_TRUE(log->CompactionDue());
  auto old = log->Compact();
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_GT(old->records_removed, 0) << "past the lag, older versions of k go";
}

TEST_F(PartitionLogTest, WrittenAcksFlushByMessageCount) {
  config_.flush_messages = 5;
  auto log = OpenLog();
  for (int i = 0; i < 4; ++i) Append(*log, 1, -1, "key-", AckLevel::kWritten);
  EXPECT_EQ(log->durable_offset(), 0);
  Append(*log, 1, -1, "key-", AckLevel::kWritten);
  EXPECT_EQ(log->durable_offset(), 5) << "flush.messages reached: synced inline (no flusher)";
}

TEST_F(PartitionLogTest, WrittenAcksFlushByAge) {
  config_.flush_ms = 100;
  auto log = OpenLog();
  Append(*log, 1, -1, "key-", AckLevel::kWritten);
  log->FlushIfDue(clock_.NowMs() + 50);
  EXPECT_EQ(log->durable_offset(), 0);
  log->FlushIfDue(clock_.NowMs() + 100);
  EXPECT_EQ(log->durable_offset(), 1);
}

TEST_F(PartitionLogTest, WhenDurableWaitsForTheFlusherNotTheCaller) {
  Flusher flusher(clock_, 1);
  auto log = OpenLog(&flusher);
  AppendInfo written = Append(*log, 3, -1, "key-", AckLevel::kWritten);
  EXPECT_EQ(log->durable_offset(), 0);
  std::promise<Status> synced;
  log->WhenDurable(written.last_offset, [&](Status s) { synced.set_value(s); });
  EXPECT_TRUE(synced.get_future().get().ok());
  EXPECT_EQ(log->durable_offset(), 3);
  bool immediate = false;
  log->WhenDurable(1, [&](Status s) { immediate = s.ok(); });
  EXPECT_TRUE(immediate) << "already durable: answered at once";
}

TEST_F(PartitionLogTest, GroupCommitCoversConcurrentAppendsWithFewSyncs) {
  Flusher flusher(clock_, 1);
  auto log = OpenLog(&flusher);
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Buffer b = BuildBatch({{"k", "v", 1, {}}});
        if (!log->AppendAndWait(b, AckLevel::kDurable).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(log->end_offset(), kThreads * kPerThread);
  EXPECT_EQ(log->durable_offset(), kThreads * kPerThread);
}

// LogAppendTime: the batch carries the log's clock as its max timestamp, with the timestamp-type
// bit set and a CRC that matches; the append reports the time (Produce's log_append_time_ms).
TEST_F(PartitionLogTest, LogAppendTimeStampsTheBatchWithTheLogsClock) {
  config_.log_append_time = true;
  auto log = OpenLog();
  AppendInfo info = Append(*log, 3, /*ts=*/1000);
  EXPECT_EQ(info.log_append_time_ms, clock_.NowMs());
  auto header = HeaderAt(*log, 0);
  ASSERT_TRUE(header.ok()) << header.status().ToString() << " (the CRC must match)";
  EXPECT_TRUE(header->log_append_time());
  EXPECT_EQ(header->max_timestamp, clock_.NowMs());
  EXPECT_EQ(header->base_timestamp, 1000) << "records keep their own deltas";
  auto found = log->OffsetForTimestamp(clock_.NowMs());
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->offset, 0) << "the time index follows the append time";

  config_.log_append_time = false;
  log->SetConfig(config_);
  EXPECT_EQ(Append(*log, 1, 2000).log_append_time_ms, -1);
}

TEST_F(PartitionLogTest, TimestampDifferenceBoundsCreateTimeBatches) {
  config_.timestamp_difference_max_ms = 60'000;
  auto log = OpenLog();
  const int64_t now = clock_.NowMs();
  // A batch of records at these times, in this order, compressed or not.
  auto check = [&](std::vector<int64_t> times, Compression codec = Compression::kNone) {
    std::vector<RecordSpec> records;
    for (int64_t ts : times) records.push_back({"k", "v", ts, {}});
    Buffer bytes = BuildBatch(records, codec);
    auto batch = ValidatedBatch::Check(bytes);
    EXPECT_TRUE(batch.ok());
    return log->CheckTimestamps(*batch, log->append_policy()).code();
  };
  EXPECT_EQ(check({now - 60'000, now + 60'000}), StatusCode::kOk);
  EXPECT_EQ(check({now - 60'001, now}), StatusCode::kOutOfRange);
  EXPECT_EQ(check({now, now + 60'001}), StatusCode::kOutOfRange);
  // A later record older than the first (a negative delta) is checked too, compressed or not.
  EXPECT_EQ(check({now, 0}), StatusCode::kOutOfRange);
  EXPECT_EQ(check({now, now, 0}, Compression::kZstd), StatusCode::kOutOfRange);
  EXPECT_EQ(
      check({std::numeric_limits<int64_t>::min() / 2, std::numeric_limits<int64_t>::max() / 2}),
      StatusCode::kOutOfRange);
  EXPECT_EQ(check({std::numeric_limits<int64_t>::min()}), StatusCode::kOutOfRange);
  EXPECT_EQ(check({std::numeric_limits<int64_t>::max()}), StatusCode::kOutOfRange);
  EXPECT_EQ(check({-1, now}), StatusCode::kOk) << "a record without a timestamp, as Kafka";
  // message.timestamp.before.max.ms and .after.max.ms replace the difference on their side.
  config_.timestamp_before_max_ms = 1'000;
  log->SetConfig(config_);
  EXPECT_EQ(check({now - 1'000, now + 60'000}), StatusCode::kOk);
  EXPECT_EQ(check({now - 1'001}), StatusCode::kOutOfRange);
  EXPECT_EQ(check({now + 60'001}), StatusCode::kOutOfRange);
  config_.timestamp_difference_max_ms = LogConfig::kNever;
  config_.timestamp_after_max_ms = 0;
  log->SetConfig(config_);
  EXPECT_EQ(check({now - 1'000, now}), StatusCode::kOk);
  EXPECT_EQ(check({now + 1}), StatusCode::kOutOfRange);
  config_.timestamp_before_max_ms = LogConfig::kNever;
  log->SetConfig(config_);
  EXPECT_EQ(check({0, std::numeric_limits<int64_t>::min(), now}), StatusCode::kOk);
  // LogAppendTime replaces the producer's times: nothing to bound.
  config_.log_append_time = true;
  log->SetConfig(config_);
  EXPECT_EQ(check({0, 0}), StatusCode::kOk);
}

TEST_F(PartitionLogTest, FullDiskFailsTheAppendAndLosesNothing) {
  FaultFileSystem faulty(fs_);
  auto opened = Log::Open({&faulty, dir_, config_, &clock_, nullptr});
  ASSERT_TRUE(opened.ok());
  auto log = *opened;
  for (int i = 0; i < 5; ++i) Append(*log, 1);
  faulty.SetSpaceLeft(50);
  Buffer b = BuildBatch({{"k", std::string(500, 'x'), 1, {}}});
  auto r = log->AppendAndWait(b, AckLevel::kDurable);
  EXPECT_EQ(r.status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(log->end_offset(), 5);
  for (int64_t o = 0; o < 5; ++o) EXPECT_TRUE(HeaderAt(*log, o).ok());
  faulty.ClearSpaceLimit();
  EXPECT_EQ(Append(*log, 1).base_offset, 5);
}

TEST_F(PartitionLogTest, FailedSyncFailsWaitersAndLaterAppends) {
  FaultFileSystem faulty(fs_);
  auto opened = Log::Open({&faulty, dir_, config_, &clock_, nullptr});
  ASSERT_TRUE(opened.ok());
  auto log = *opened;
  Append(*log, 1);
  faulty.FailSyncs(true);
  Buffer b = BuildBatch({{"k", "v", 1, {}}});
  EXPECT_EQ(log->AppendAndWait(b, AckLevel::kDurable).status().code(), StatusCode::kIoError);
  faulty.FailSyncs(false);
  Buffer c = BuildBatch({{"k", "v", 1, {}}});
  EXPECT_EQ(log->AppendAndWait(c, AckLevel::kDurable).status().code(),
            StatusCode::kFailedPrecondition)
      << "a log whose fsync failed refuses appends until reopened";
  log.reset();
  auto reopened = Log::Open({&faulty, dir_, config_, &clock_, nullptr});
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(HeaderAt(**reopened, 0).ok());
}

TEST_F(PartitionLogTest, OversizedBatchIsRefused) {
  config_.max_message_bytes = 200;
  auto log = OpenLog();
  Buffer b = BuildBatch({{"k", std::string(500, 'x'), 1, {}}});
  EXPECT_EQ(log->AppendAndWait(b, AckLevel::kDurable).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->end_offset(), 0);
}

TEST_F(PartitionLogTest, ConcurrentReadersSeeWholeBatchesWhileAppending) {
  Flusher flusher(clock_, 1);
  config_.segment_bytes = 4096;
  auto log = OpenLog(&flusher);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      int64_t offset = log->log_start_offset();
      while (offset < log->end_offset()) {
        auto slice = log->Read(offset, 1 << 16);
        if (!slice.ok() || slice->empty()) {
          ++bad;
          break;
        }
        Buffer bytes;
        if (!slice->AppendTo(bytes).ok()) ++bad;
        for (size_t at = 0; at < bytes.size();) {
          auto h = ParseBatchHeader(ByteView(bytes).subspan(at));
          if (!h.ok() || !ValidateBatch(ByteView(bytes).subspan(at, h->size())).ok()) {
            ++bad;
            break;
          }
          offset = h->next_offset();
          at += h->size();
        }
      }
    }
  });
  for (int i = 0; i < 300; ++i) Append(*log, 1 + i % 3, -1, "key-", i % 2 ? AckLevel::kWritten : AckLevel::kDurable);
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace herald::storage
