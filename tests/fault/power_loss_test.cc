// Simulated power loss: a log is written with a random mix of durable and written-only appends,
// rolls and checkpoints, then the machine "loses power" at a random moment (MemFileSystem keeps
// synced bytes and a random part of the rest, possibly torn). After a reboot every batch that was
// acknowledged as durable must be present and byte-identical, and the log must be consistent.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "base/clock.h"
#include "storage/flusher.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::storage {
namespace {

constexpr int kIterations = 1000;
const std::string kDir = "/data/orders-0";

Buffer RandomBatch(std::mt19937_64& rng, int64_t now_ms) {
  std::vector<RecordSpec> records(1 + rng() % 8);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].key = "key-" + std::to_string(rng() % 50);
    records[i].value = std::string(rng() % 300, static_cast<char>('a' + rng() % 26));
    records[i].timestamp = now_ms + static_cast<int64_t>(i);
  }
  return BuildBatch(records);
}

// Reads the whole log and checks that offsets increase without overlaps and every CRC holds.
void ExpectConsistent(const Log& log) {
  int64_t offset = log.log_start_offset();
  while (offset < log.end_offset()) {
    auto slice = log.Read(offset, 1 << 20);
    ASSERT_TRUE(slice.ok()) << slice.status().ToString();
    ASSERT_FALSE(slice->empty()) << "no batch at " << offset << " below end " << log.end_offset();
    Buffer bytes;
    ASSERT_TRUE(slice->AppendTo(bytes).ok());
    size_t at = 0;
    while (at < bytes.size()) {
      auto h = ValidateBatch(ByteView(bytes).subspan(at, ParseBatchHeader(ByteView(bytes).subspan(at))->size()));
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      ASSERT_GE(h->base_offset, offset);
      offset = h->next_offset();
      at += h->size();
    }
  }
  EXPECT_EQ(offset, log.end_offset());
}

TEST(PowerLossTest, EveryDurableBatchSurvivesAtRandomCrashPoints) {
  int64_t total_acked = 0;
  int64_t total_truncated_runs = 0;
  // HERALD_POWER_LOSS_SEED=N replays one iteration.
  const char* only = std::getenv("HERALD_POWER_LOSS_SEED");
  for (int iteration = only ? std::atoi(only) : 0;
       iteration < (only ? std::atoi(only) + 1 : kIterations); ++iteration) {
    SCOPED_TRACE("seed " + std::to_string(iteration));
    std::mt19937_64 rng(static_cast<uint64_t>(iteration) * 7919 + 17);
    MemFileSystem fs;
    ManualClock clock;
    LogConfig config;
    config.segment_bytes = 2048 + static_cast<int64_t>(rng() % 8192);
    config.index_interval_bytes = 128 + static_cast<int32_t>(rng() % 1024);

    std::mutex mu;
    std::map<int64_t, Buffer> acked;  // base offset -> stored bytes of durable batches
    std::deque<Buffer> in_flight;  // buffers must outlive their appends and the flusher
    {
      Flusher flusher(clock, 1 + static_cast<int>(rng() % 2));
      auto opened = Log::Open({&fs, kDir, config, &clock, &flusher});
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      auto log = *opened;
      const int operations = 1 + static_cast<int>(rng() % 80);
      for (int op = 0; op < operations; ++op) {
        clock.AdvanceMs(static_cast<int64_t>(rng() % 5));
        int kind = static_cast<int>(rng() % 20);
        if (kind == 0) {
          log->Checkpoint().IgnoreError();
        } else if (kind == 1) {
          log->Flush().IgnoreError();
        } else {
          in_flight.push_back(RandomBatch(rng, clock.NowMs()));
          Buffer* batch = &in_flight.back();
          AckLevel ack = (kind % 3 == 0) ? AckLevel::kWritten : AckLevel::kDurable;
          log->Append(*batch, ack, [&, batch, ack](Result<AppendInfo> r) {
            if (r.ok() && ack == AckLevel::kDurable) {
              std::lock_guard lock(mu);
              acked[r->base_offset] = *batch;
            }
          });
        }
      }
      // Let some flushes finish, then pull the plug while others may be running.
      if (rng() % 2 == 0) std::this_thread::yield();
      fs.SimulateCrash(rng());
      // The dying process: its log and flusher can no longer reach the disk.
      log.reset();
    }
    fs.Restart();

    auto reopened = Log::Open({&fs, kDir, config, &clock, nullptr});
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    auto log = *reopened;
    if (log->recovery_report().bytes_truncated > 0) ++total_truncated_runs;
    std::lock_guard lock(mu);
    total_acked += static_cast<int64_t>(acked.size());
    for (const auto& [offset, bytes] : acked) {
      auto slice = log->Read(offset, 1);
      ASSERT_TRUE(slice.ok()) << "acked offset " << offset << ": " << slice.status().ToString();
      Buffer got;
      ASSERT_TRUE(slice->AppendTo(got).ok());
      ASSERT_EQ(got, bytes) << "acked batch at offset " << offset << " differs after the crash";
    }
    ASSERT_NO_FATAL_FAILURE(ExpectConsistent(*log));
    // The log accepts appends again, right after what survived.
    int64_t end = log->end_offset();
    Buffer more = RandomBatch(rng, clock.NowMs());
    auto appended = log->AppendAndWait(more, AckLevel::kDurable);
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    EXPECT_EQ(appended->base_offset, end);
  }
  // The test must have exercised both acknowledged data and torn tails.
  if (only) return;
  EXPECT_GT(total_acked, kIterations);
  EXPECT_GT(total_truncated_runs, 0);
}

// Compaction rewrites whole segments in the background. A power loss at any point of that (the
// crash comes from another thread while compaction runs) must leave, for every key, its latest
// acknowledged value as the key's latest value in the log.
TEST(PowerLossTest, CompactionNeverLosesTheLatestAcknowledgedValue) {
  constexpr int kCompactionIterations = 200;
  int compactions_interrupted = 0;
  for (int iteration = 0; iteration < kCompactionIterations; ++iteration) {
    SCOPED_TRACE(fmt::format("seed {}", iteration));
    std::mt19937_64 rng(static_cast<uint64_t>(iteration) * 104729 + 3);
    MemFileSystem fs;
    ManualClock clock;
    LogConfig config;
    config.segment_bytes = 1024 + static_cast<int64_t>(rng() % 2048);
    config.index_interval_bytes = 256;
    config.cleanup_compact = true;
    config.cleanup_delete = false;
    std::map<std::string, std::pair<int64_t, std::string>> latest;  // key -> acked (offset, value)
    {
      auto opened = Log::Open({&fs, kDir, config, &clock, nullptr});
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      auto log = *opened;
      const int appends = 20 + static_cast<int>(rng() % 100);
      for (int i = 0; i < appends; ++i) {
        std::string key = fmt::format("k{}", rng() % 8);
        std::string value = fmt::format("v{}-{}", i, std::string(rng() % 200, 'x'));
        Buffer b = BuildBatch({{key, value, clock.NowMs(), {}}});
        auto r = log->AppendAndWait(b, AckLevel::kDurable);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        latest[key] = {r->base_offset, value};
        if (rng() % 10 == 0) {
          ASSERT_TRUE(log->Compact().ok());
        }
      }
      // Crash while one more compaction runs.
      uint64_t crash_seed = rng();
      int delay_us = static_cast<int>(rng() % 400);
      std::thread crasher([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
        fs.SimulateCrash(crash_seed);
      });
      if (!log->Compact().ok()) ++compactions_interrupted;
      crasher.join();
      log.reset();
    }
    fs.Restart();
    auto reopened = Log::Open({&fs, kDir, config, &clock, nullptr});
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    auto log = *reopened;
    ASSERT_NO_FATAL_FAILURE(ExpectConsistent(*log));
    std::map<std::string, std::pair<int64_t, std::string>> found;
    int64_t offset = log->log_start_offset();
    while (offset < log->end_offset()) {
      auto slice = log->Read(offset, 1 << 20);
      ASSERT_TRUE(slice.ok()) << slice.status().ToString();
      Buffer bytes;
      ASSERT_TRUE(slice->AppendTo(bytes).ok());
      for (size_t at = 0; at < bytes.size();) {
        auto h = ParseBatchHeader(ByteView(bytes).subspan(at));
        ASSERT_TRUE(h.ok());
        ASSERT_TRUE(ForEachRecord(ByteView(bytes).subspan(at, h->size()), [&](const RecordView& r) {
                      found[std::string(AsString(*r.key))] = {r.offset,
                                                              std::string(AsString(*r.value))};
                    }).ok());
        offset = h->next_offset();
        at += h->size();
      }
    }
    for (const auto& [key, acked] : latest) {
      ASSERT_TRUE(found.contains(key)) << key << " vanished";
      EXPECT_EQ(found[key], acked) << key;
    }
  }
  RecordProperty("compactions_interrupted", compactions_interrupted);
}

}  // namespace
}  // namespace herald::storage
