// Corruption and disk faults: one test per way the bytes of a log can go wrong (flipped bits in
// old and new batches, torn tails, lost or damaged index files, a bad recovery checkpoint,
// invalid batches from producers) and per disk failure (ENOSPC, EIO on fsync).
//
// The promises checked (storage/log.h, storage/segment.h):
//  - damage below the recovery checkpoint is never cut: it is kept and reported (kCorruption) to
//    whoever reads it, never served; every other batch still reads back byte-identical;
//  - damage past the checkpoint is a torn write: the log is cut just before the first bad batch
//    and appends continue at its offset;
//  - index files are derived data: losing or damaging them changes no answer;
//  - a failed write leaves the log unchanged; a failed fsync fails the log until it is reopened,
//    and nothing acknowledged is lost.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/fault_file_system.h"
#include "storage/index.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"
#include "storage/segment.h"
#include "testing/test_util.h"

namespace herald::storage {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr uint64_t kBigRead = 1 << 20;

// Where a batch sits on disk.
struct BatchLocation {
  int64_t segment_base = 0;
  uint64_t position = 0;
  BatchHeader header;
};

// A bit to flip, relative to the start of a batch.
struct BitFlip {
  size_t at = 0;
  uint8_t mask = 0;
};

enum class Region {
  kBaseOffsetSign,     // the base offset turns negative
  kBaseOffsetForward,  // the base offset jumps 256 ahead (still increasing)
  kBatchLength,
  kMagic,
  kCrc,
  kAttributes,
  kKey,
  kValue,
};

// Whether a batch damaged in `region` still has a header that parses and fits its segment, so
// that a reader can walk past it to the next batch without an index entry.
bool HeaderStillWalkable(Region region) {
  return region != Region::kBaseOffsetSign && region != Region::kBatchLength &&
         region != Region::kMagic;
}

BitFlip FlipFor(Region region, ByteView batch) {
  namespace f = batch_field;
  switch (region) {
    case Region::kBaseOffsetSign:
      return {f::kBaseOffset, 0x80};
    case Region::kBaseOffsetForward:
      return {f::kBaseOffset + 6, 0x01};
    case Region::kBatchLength:
      return {f::kBatchLength + 3, 0x04};
    case Region::kMagic:
      return {f::kMagic, 0x01};
    case Region::kCrc:
      return {f::kCrc + 1, 0x10};
    case Region::kAttributes:
      return {f::kAttributes + 1, 0x10};
    case Region::kKey:
    case Region::kValue:
      break;
  }
  BitFlip flip;
  Status parsed = ForEachRecord(batch, [&](const RecordView& r) {
    if (flip.mask != 0) return;
    ByteView field = region == Region::kKey ? *r.key : *r.value;
    flip = {static_cast<size_t>(field.data() - batch.data()) + field.size() / 2, 0x01};
  });
  EXPECT_TRUE(parsed.ok()) << parsed.ToString();
  return flip;
}

class CorruptionTest : public ::testing::Test {
 protected:
  CorruptionTest() {
    config_.segment_bytes = 4096;
    config_.index_interval_bytes = 256;
  }

  void UseRealFiles() {
    tmp_ = std::make_unique<testing::TempDir>();
    fs_ = &DefaultFileSystem();
    dir_ = JoinPath(tmp_->str(), "orders-0");
  }
  void UseFaultFileSystem() { fs_ = &fault_; }

  std::shared_ptr<Log> OpenLog() {
    auto log = Log::Open({fs_, dir_, config_, &clock_, nullptr});
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : nullptr;
  }

  // Batch number i: 1 to 3 records, distinct timestamps increasing with i.
  static Buffer MakeBatch(int i) {
    std::vector<RecordSpec> records;
    for (int j = 0; j < 1 + i % 3; ++j) {
      records.push_back(
          {fmt::format("key-{}-{}", i, j),
           std::string(static_cast<size_t>(50 + (i * 7) % 40), static_cast<char>('a' + i % 26)),
           kT0 + 10 * i + 2 * j,
           {}});
    }
    return BuildBatch(records);
  }

  // Appends `count` batches, each acknowledged as durable, and records them in the model.
  void AppendBatches(Log& log, int count) {
    for (int k = 0; k < count; ++k) {
      Buffer batch = MakeBatch(next_batch_++);
      auto info = log.AppendAndWait(batch, AckLevel::kDurable);
      ASSERT_TRUE(info.ok()) << info.status().ToString();
      ASSERT_EQ(info->base_offset, model_.empty() ? 0 : NextOffset(model_.rbegin()->second));
      model_[info->base_offset] = batch;
    }
  }

  static int64_t NextOffset(const Buffer& batch) {
    auto h = ParseBatchHeader(batch);
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->next_offset() : -1;
  }

  // Drops batches at or after `offset` from the model (they were cut).
  void ForgetFrom(int64_t offset) { model_.erase(model_.lower_bound(offset), model_.end()); }

  // The model's batch holding `offset`, or nullptr.
  const Buffer* BatchFor(int64_t offset) const {
    auto it = model_.upper_bound(offset);
    if (it == model_.begin()) return nullptr;
    --it;
    return offset < NextOffset(it->second) ? &it->second : nullptr;
  }
  int64_t BaseFor(int64_t offset) const {
    auto it = model_.upper_bound(offset);
    return it == model_.begin() ? -1 : std::prev(it)->first;
  }

  // --- Files. ---

  std::string PathOf(const std::string& name) const { return JoinPath(dir_, name); }
  std::string LogPath(int64_t base) const { return PathOf(Segment::LogFileName(base)); }
  std::string IndexPath(int64_t base) const { return PathOf(Segment::IndexFileName(base)); }
  std::string TimeIndexPath(int64_t base) const { return PathOf(Segment::TimeIndexFileName(base)); }
  std::string CheckpointPath() const { return PathOf("recovery-checkpoint"); }

  Buffer Load(const std::string& path) {
    auto data = ReadFile(*fs_, path);
    EXPECT_TRUE(data.ok()) << path << ": " << data.status().ToString();
    return data.ok() ? *data : Buffer();
  }
  void Store(const std::string& path, const Buffer& bytes) {
    auto file = fs_->Open(path, OpenMode::kCreate);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    Status appended = (*file)->Append(bytes);
    ASSERT_TRUE(appended.ok()) << appended.ToString();
    Status synced = (*file)->Sync();
    ASSERT_TRUE(synced.ok()) << synced.ToString();
  }
  void FlipBit(const std::string& path, uint64_t at, uint8_t mask) {
    Buffer bytes = Load(path);
    ASSERT_LT(at, bytes.size());
    bytes[at] ^= mask;
    Store(path, bytes);
  }
  void CutFile(const std::string& path, uint64_t size) {
    auto file = fs_->Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_LE(size, (*file)->Size());
    Status cut = (*file)->Truncate(size);
    ASSERT_TRUE(cut.ok()) << cut.ToString();
    ASSERT_TRUE((*file)->Sync().ok());
  }
  uint64_t FileSize(const std::string& path) {
    auto file = fs_->Open(path, OpenMode::kReadOnly);
    EXPECT_TRUE(file.ok()) << path << ": " << file.status().ToString();
    return file.ok() ? (*file)->Size() : 0;
  }

  std::vector<int64_t> SegmentBases() {
    std::vector<int64_t> bases;
    auto names = fs_->ListDir(dir_);
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    if (!names.ok()) return bases;
    for (const auto& name : *names) {
      if (auto base = Segment::ParseLogFileName(name)) bases.push_back(*base);
    }
    std::sort(bases.begin(), bases.end());
    return bases;
  }

  // Every whole batch in the segment files, in order (read from the files, with no log open).
  std::vector<BatchLocation> Locate() {
    std::vector<BatchLocation> out;
    for (int64_t base : SegmentBases()) {
      Buffer bytes = Load(LogPath(base));
      uint64_t pos = 0;
      while (pos + kBatchHeaderSize <= bytes.size()) {
        auto h = ParseBatchHeader(ByteView(bytes).subspan(pos));
        if (!h.ok() || pos + h->size() > bytes.size()) break;
        out.push_back({base, pos, *h});
        pos += h->size();
      }
    }
    return out;
  }
  static std::vector<BatchLocation> InSegment(const std::vector<BatchLocation>& all, int64_t base) {
    std::vector<BatchLocation> out;
    for (const auto& b : all) {
      if (b.segment_base == base) out.push_back(b);
    }
    return out;
  }

  // --- Checks. ---

  struct ReadExpectation {
    std::set<int64_t> corrupt;     // batches (by base offset) whose reads must fail: kCorruption
    std::set<int64_t> collateral;  // batches whose reads may fail with kCorruption
  };

  // Reads every offset of the log, one batch at a time and in large slices, and compares the
  // bytes with the model. Nothing may be served that differs from what was acknowledged.
  void ExpectReadsMatchModel(const Log& log, const ReadExpectation& expect = {}) {
    const int64_t start = log.log_start_offset();
    const int64_t end = log.end_offset();
    for (int64_t offset = start; offset < end; ++offset) {
      SCOPED_TRACE(::testing::Message() << "offset " << offset);
      const Buffer* want = BatchFor(offset);
      ASSERT_NE(want, nullptr) << "the log has an offset the model does not";
      const int64_t base = BaseFor(offset);

      auto one = log.Read(offset, 1);
      if (expect.corrupt.contains(base)) {
        ASSERT_FALSE(one.ok()) << "a damaged batch was served";
        EXPECT_EQ(one.status().code(), StatusCode::kCorruption) << one.status().ToString();
      } else if (!one.ok() && expect.collateral.contains(base)) {
        EXPECT_EQ(one.status().code(), StatusCode::kCorruption) << one.status().ToString();
      } else {
        EXPECT_TRUE(one.ok()) << one.status().ToString();
        Buffer bytes;
        if (one.ok()) {
          ASSERT_TRUE(one->AppendTo(bytes).ok());
          EXPECT_EQ(bytes, *want) << "Read(" << offset << ", 1) returned other bytes";
        }
      }

      auto big = log.Read(offset, kBigRead);
      if (!big.ok()) {
        EXPECT_EQ(big.status().code(), StatusCode::kCorruption) << big.status().ToString();
        EXPECT_FALSE(expect.corrupt.empty() && expect.collateral.empty())
            << big.status().ToString();
        continue;
      }
      Buffer bytes;
      ASSERT_TRUE(big->AppendTo(bytes).ok());
      ASSERT_FALSE(bytes.empty());
      size_t at = 0;
      int64_t expected_base = base;
      while (at < bytes.size()) {
        auto h = ParseBatchHeader(ByteView(bytes).subspan(at));
        ASSERT_TRUE(h.ok()) << h.status().ToString();
        ASSERT_LE(at + h->size(), bytes.size());
        ByteView batch = ByteView(bytes).subspan(at, h->size());
        EXPECT_EQ(h->base_offset, expected_base) << "batch at slice position " << at;
        EXPECT_LT(h->base_offset, end) << "a slice holds a batch past the end of the log";
        auto it = model_.find(h->base_offset);
        EXPECT_TRUE(it != model_.end())
            << "a slice holds a batch at " << h->base_offset << " that the log does not have";
        if (it != model_.end()) {
          EXPECT_TRUE(std::equal(batch.begin(), batch.end(), it->second.begin(), it->second.end()))
              << "Read(" << offset << ", big) served other bytes for the batch at "
              << h->base_offset;
        }
        EXPECT_FALSE(expect.corrupt.contains(h->base_offset)) << "a damaged batch was served";
        expected_base = h->next_offset();
        at += h->size();
      }
    }
  }

  // OffsetForTimestamp for every record's timestamp (and one below it), before all and after
  // all, against the model.
  void ExpectTimestampLookupsMatchModel(const Log& log) {
    std::vector<TimestampOffset> records;
    for (const auto& [base, batch] : model_) {
      Status s = ForEachRecord(batch, [&](const RecordView& r) {
        records.push_back({r.offset, r.timestamp});
      });
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_FALSE(records.empty());
    auto expect_lookup = [&](int64_t ts, std::optional<TimestampOffset> want) {
      auto got = log.OffsetForTimestamp(ts);
      ASSERT_TRUE(got.ok()) << "timestamp " << ts << ": " << got.status().ToString();
      ASSERT_EQ(got->has_value(), want.has_value()) << "timestamp " << ts;
      if (want) {
        EXPECT_EQ((*got)->offset, want->offset) << "timestamp " << ts;
        EXPECT_EQ((*got)->timestamp, want->timestamp) << "timestamp " << ts;
      }
    };
    expect_lookup(kT0 - 1000, records.front());
    for (const auto& r : records) {
      expect_lookup(r.timestamp, r);
      expect_lookup(r.timestamp - 1, r);
    }
    expect_lookup(records.back().timestamp + 1, std::nullopt);
  }

  // --- Scenarios. ---

  // A log of `batches` durable batches, cleanly closed (so its checkpoint is at the end).
  void WriteCleanLog(int batches) {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    AppendBatches(*log, batches);
    Status closed = log->Close();
    ASSERT_TRUE(closed.ok()) << closed.ToString();
  }

  // A log that was not cleanly closed: its recovery checkpoint is `first` batches old, and
  // `second` more durable batches follow it.
  void WriteLogWithOldCheckpoint(int first, int second) {
    WriteCleanLog(first);
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    Buffer old_checkpoint = Load(CheckpointPath());
    ASSERT_FALSE(old_checkpoint.empty());
    checkpoint_offset_ = log->end_offset();
    AppendBatches(*log, second);
    log.reset();                              // (closes, writing a new checkpoint...)
    Store(CheckpointPath(), old_checkpoint);  // (...that the crash "never wrote")
  }

  MemFileSystem mem_;
  FaultFileSystem fault_{mem_};
  FileSystem* fs_ = &mem_;
  std::unique_ptr<testing::TempDir> tmp_;
  std::string dir_ = "/data/orders-0";
  ManualClock clock_{kT0};
  LogConfig config_;
  int next_batch_ = 0;
  std::map<int64_t, Buffer> model_;  // base offset -> the batch as stored
  int64_t checkpoint_offset_ = -1;   // set by WriteLogWithOldCheckpoint
};

// ---------------------------------------------------------------------------------------------
// A flipped bit in a batch of an old segment, after a clean close.

class OldSegmentCorruptionTest : public CorruptionTest {
 protected:
  void Run(Region region) {
    ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
    const int64_t end = model_.empty() ? 0 : NextOffset(model_.rbegin()->second);
    const auto bases = SegmentBases();
    ASSERT_GE(bases.size(), 4u);
    const auto all = Locate();
    const auto first_segment = InSegment(all, bases[0]);
    ASSERT_GE(first_segment.size(), 8u);
    const BatchLocation target = first_segment[5];
    const Buffer& original = model_.at(target.header.base_offset);
    const BitFlip flip = FlipFor(region, original);
    ASSERT_NE(flip.mask, 0);
    const uint64_t active_size = FileSize(LogPath(bases.back()));
    ASSERT_NO_FATAL_FAILURE(
        FlipBit(LogPath(target.segment_base), target.position + flip.at, flip.mask));

    auto log = OpenLog();
    ASSERT_NE(log, nullptr) << "an old damaged segment must not stop the log from opening";
    const RecoveryReport& report = log->recovery_report();
    EXPECT_TRUE(report.had_checkpoint);
    EXPECT_EQ(report.bytes_truncated, 0u);
    EXPECT_EQ(report.segments_removed, 0);
    EXPECT_LE(report.bytes_scanned, active_size) << "open scanned more than the active segment";
    EXPECT_EQ(log->end_offset(), end);
    EXPECT_EQ(log->segment_count(), bases.size());

    // The damaged batch is reported, never served, at each of its offsets.
    for (int64_t o = target.header.base_offset; o <= target.header.last_offset(); ++o) {
      auto read = log->Read(o, 1);
      EXPECT_FALSE(read.ok()) << "offset " << o << " of the damaged batch was served";
      if (!read.ok()) {
        EXPECT_EQ(read.status().code(), StatusCode::kCorruption) << read.status().ToString();
      }
    }
    // Every other batch reads back identical: those in other segments and those before the
    // damage always; those after it in the same segment unless the damage hides where they are.
    ReadExpectation expect;
    expect.corrupt.insert(target.header.base_offset);
    if (!HeaderStillWalkable(region)) {
      for (const auto& b : first_segment) {
        if (b.position > target.position) expect.collateral.insert(b.header.base_offset);
      }
    }
    ExpectReadsMatchModel(*log, expect);

    // The log still takes appends.
    AppendBatches(*log, 3);
    ExpectReadsMatchModel(*log, expect);
  }
};

TEST_F(OldSegmentCorruptionTest, BaseOffsetTurnedNegative) {
  Run(Region::kBaseOffsetSign);
}
TEST_F(OldSegmentCorruptionTest, BaseOffsetJumpedForward) {
  Run(Region::kBaseOffsetForward);
}
TEST_F(OldSegmentCorruptionTest, BatchLength) {
  Run(Region::kBatchLength);
}
TEST_F(OldSegmentCorruptionTest, Magic) {
  Run(Region::kMagic);
}
TEST_F(OldSegmentCorruptionTest, CrcField) {
  Run(Region::kCrc);
}
TEST_F(OldSegmentCorruptionTest, Attributes) {
  Run(Region::kAttributes);
}
TEST_F(OldSegmentCorruptionTest, RecordKey) {
  Run(Region::kKey);
}
TEST_F(OldSegmentCorruptionTest, RecordValue) {
  Run(Region::kValue);
}

TEST_F(OldSegmentCorruptionTest, RecordValueOnRealFiles) {
  UseRealFiles();
  Run(Region::kValue);
}

// A reader asking for less than one batch gets the batch that holds its offset even when the
// batch after it is damaged (it reports the damage when it gets there).
TEST_F(CorruptionTest, BatchJustBeforeADamagedHeaderStillReads) {
  ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
  const auto bases = SegmentBases();
  const auto first_segment = InSegment(Locate(), bases.at(0));
  ASSERT_GE(first_segment.size(), 8u);
  const BatchLocation before = first_segment[4];
  const BatchLocation damaged = first_segment[5];
  ASSERT_NO_FATAL_FAILURE(FlipBit(LogPath(bases[0]), damaged.position + batch_field::kMagic, 0x01));

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (int64_t o = before.header.base_offset; o <= before.header.last_offset(); ++o) {
    auto read = log->Read(o, 1);
    EXPECT_TRUE(read.ok()) << "offset " << o << ": " << read.status().ToString();
    if (!read.ok()) continue;
    Buffer bytes;
    ASSERT_TRUE(read->AppendTo(bytes).ok());
    EXPECT_EQ(bytes, model_.at(before.header.base_offset));
  }
  auto bad = log->Read(damaged.header.base_offset, 1);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
}

// ---------------------------------------------------------------------------------------------
// A flipped bit in the last batch of the active segment, past an old checkpoint: a torn write.

class TailCorruptionTest : public CorruptionTest {
 protected:
  // Damages the last batch with `damage(path, location)` and checks that reopening cuts the log
  // just before it, reporting `truncated(location)` bytes cut (by default the whole batch).
  void Run(const std::function<void(const std::string&, const BatchLocation&)>& damage,
           const std::function<uint64_t(const BatchLocation&)>& truncated = nullptr) {
    ASSERT_NO_FATAL_FAILURE(WriteLogWithOldCheckpoint(30, 30));
    const auto bases = SegmentBases();
    ASSERT_GE(bases.size(), 3u);
    const auto all = Locate();
    ASSERT_FALSE(all.empty());
    const BatchLocation last = all.back();
    ASSERT_EQ(last.segment_base, bases.back());
    ASSERT_GT(last.header.base_offset, checkpoint_offset_)
        << "the damaged batch must lie past the checkpoint";
    ASSERT_NO_FATAL_FAILURE(damage(LogPath(last.segment_base), last));

    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    const RecoveryReport& report = log->recovery_report();
    EXPECT_TRUE(report.had_checkpoint);
    EXPECT_GT(report.bytes_truncated, 0u);
    EXPECT_EQ(report.bytes_truncated, truncated ? truncated(last) : last.header.size());
    EXPECT_EQ(report.corrupt_trusted_segments, 0);
    EXPECT_EQ(report.segments_removed, 0);
    EXPECT_EQ(log->end_offset(), last.header.base_offset);
    EXPECT_EQ(log->durable_offset(), last.header.base_offset);
    EXPECT_EQ(FileSize(LogPath(last.segment_base)), last.position) << "the bad tail stays on disk";
    ForgetFrom(last.header.base_offset);
    ExpectReadsMatchModel(*log);
    auto at_end = log->Read(last.header.base_offset, 1);
    ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
    EXPECT_TRUE(at_end->empty());

    // Appends continue at the cut (AppendBatches checks the offsets), and everything survives
    // another reopen.
    AppendBatches(*log, 2);
    EXPECT_TRUE(model_.contains(last.header.base_offset));
    ExpectReadsMatchModel(*log);
    log.reset();
    log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->recovery_report().bytes_truncated, 0u);
    EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
    ExpectReadsMatchModel(*log);
  }

  void RunFlip(Region region) {
    Run([&](const std::string& path, const BatchLocation& last) {
      const BitFlip flip = FlipFor(region, model_.at(last.header.base_offset));
      ASSERT_NE(flip.mask, 0);
      FlipBit(path, last.position + flip.at, flip.mask);
    });
  }

  // Keeps only the first `keep(location)` bytes of the last batch.
  void RunCut(const std::function<uint64_t(const BatchLocation&)>& keep) {
    Run(
        [&](const std::string& path, const BatchLocation& last) {
          ASSERT_GT(keep(last), 0u);
          ASSERT_LT(keep(last), last.header.size());
          CutFile(path, last.position + keep(last));
        },
        keep);
  }
};

TEST_F(TailCorruptionTest, BaseOffsetTurnedNegative) {
  RunFlip(Region::kBaseOffsetSign);
}
TEST_F(TailCorruptionTest, BaseOffsetJumpedForward) {
  RunFlip(Region::kBaseOffsetForward);
}
TEST_F(TailCorruptionTest, BatchLength) {
  RunFlip(Region::kBatchLength);
}
TEST_F(TailCorruptionTest, Magic) {
  RunFlip(Region::kMagic);
}
TEST_F(TailCorruptionTest, CrcField) {
  RunFlip(Region::kCrc);
}
TEST_F(TailCorruptionTest, Attributes) {
  RunFlip(Region::kAttributes);
}
TEST_F(TailCorruptionTest, RecordKey) {
  RunFlip(Region::kKey);
}
TEST_F(TailCorruptionTest, RecordValue) {
  RunFlip(Region::kValue);
}

TEST_F(TailCorruptionTest, RecordValueOnRealFiles) {
  UseRealFiles();
  RunFlip(Region::kValue);
}

// Truncated tails: the last batch only partly reached the disk.
TEST_F(TailCorruptionTest, TornTailOneByte) {
  UseRealFiles();
  RunCut([](const BatchLocation&) { return uint64_t{1}; });
}
TEST_F(TailCorruptionTest, TornTailTwelveBytes) {
  UseRealFiles();
  RunCut([](const BatchLocation&) { return uint64_t{kBatchLogOverhead}; });
}
TEST_F(TailCorruptionTest, TornTailHeaderOnly) {
  UseRealFiles();
  RunCut([](const BatchLocation&) { return uint64_t{kBatchHeaderSize}; });
}
TEST_F(TailCorruptionTest, TornTailHalfBatch) {
  UseRealFiles();
  RunCut([](const BatchLocation& last) { return last.header.size() / 2; });
}
TEST_F(TailCorruptionTest, TornTailInMemory) {
  RunCut([](const BatchLocation& last) { return last.header.size() - 1; });
}

// A torn batch in the middle of the unsynced region cuts everything after it, including whole
// later segments (their offsets would leave a hole).
// Damage past the checkpoint with valid batches after it is not a torn write: the log does not
// open (its partition goes offline) and no byte is cut, until a repair cuts it there.
TEST_F(CorruptionTest, DamagePastTheCheckpointKeepsTheLogClosedUntilRepaired) {
  ASSERT_NO_FATAL_FAILURE(WriteLogWithOldCheckpoint(20, 60));
  const auto bases = SegmentBases();
  const auto all = Locate();
  // The first batch of the second-to-last segment, past the checkpoint.
  ASSERT_GE(bases.size(), 4u);
  const int64_t victim_segment = bases[bases.size() - 2];
  ASSERT_GT(victim_segment, checkpoint_offset_);
  const BatchLocation victim = InSegment(all, victim_segment).at(1);
  uint64_t expected_cut = FileSize(LogPath(victim_segment)) - victim.position;
  const uint64_t last_segment_size = FileSize(LogPath(bases.back()));
  const BitFlip flip = FlipFor(Region::kValue, model_.at(victim.header.base_offset));
  ASSERT_NO_FATAL_FAILURE(FlipBit(LogPath(victim_segment), victim.position + flip.at, flip.mask));
  const uint64_t victim_segment_size = FileSize(LogPath(victim_segment));

  auto refused = Log::Open({fs_, dir_, config_, &clock_, nullptr});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_NE(refused.status().message().find(fmt::format("position {}", victim.position)),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(FileSize(LogPath(victim_segment)), victim_segment_size);
  EXPECT_EQ(FileSize(LogPath(bases.back())), last_segment_size);

  LogOptions repair{fs_, dir_, config_, &clock_, nullptr};
  repair.repair = true;
  auto repaired = Log::Open(repair);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  auto log = *repaired;
  EXPECT_EQ(log->end_offset(), victim.header.base_offset);
  EXPECT_EQ(log->recovery_report().segments_removed, 1);
  EXPECT_EQ(log->recovery_report().bytes_truncated, expected_cut);
  EXPECT_FALSE(fs_->Exists(LogPath(bases.back())));
  EXPECT_GT(last_segment_size, 0u);
  ForgetFrom(victim.header.base_offset);
  ExpectReadsMatchModel(*log);
  AppendBatches(*log, 3);
  ExpectReadsMatchModel(*log);
}

// A flush that makes rolled segments durable writes the recovery checkpoint past them before it
// acknowledges anything after them. So when a crash leaves the last batch of a segment before
// the last damaged, recovery knows that segment was complete: it reports the damaged batch and
// keeps every acknowledged batch after it, instead of cutting them all as a torn write.
TEST_F(CorruptionTest, DamagedEndOfARolledSegmentIsReportedNotCutAsATornWrite) {
  ASSERT_NO_FATAL_FAILURE(WriteCleanLog(10));
  Buffer crash_checkpoint;
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    ASSERT_NO_FATAL_FAILURE(AppendBatches(*log, 70));
    crash_checkpoint = Load(CheckpointPath());  // what a crash here leaves
  }  // (closing writes a newer checkpoint, which the crash never wrote)
  Store(CheckpointPath(), crash_checkpoint);
  const int64_t end = NextOffset(model_.rbegin()->second);
  const auto bases = SegmentBases();
  ASSERT_GE(bases.size(), 4u);
  const BatchLocation victim = InSegment(Locate(), bases[bases.size() - 2]).back();
  const BitFlip flip = FlipFor(Region::kValue, model_.at(victim.header.base_offset));
  ASSERT_NO_FATAL_FAILURE(
      FlipBit(LogPath(victim.segment_base), victim.position + flip.at, flip.mask));

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->recovery_report().bytes_truncated, 0u);
  EXPECT_EQ(log->recovery_report().segments_removed, 0);
  EXPECT_EQ(log->end_offset(), end);
  EXPECT_EQ(log->segment_count(), bases.size());
  auto read = log->Read(victim.header.base_offset, 1);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption) << read.status().ToString();
  ReadExpectation expect;
  expect.corrupt.insert(victim.header.base_offset);
  ExpectReadsMatchModel(*log, expect);
}

// ---------------------------------------------------------------------------------------------
// Index files.

TEST_F(CorruptionTest, MissingIndexFilesAreRebuiltWithTheSameAnswers) {
  ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
  const int64_t end = NextOffset(model_.rbegin()->second);
  const auto bases = SegmentBases();
  ASSERT_GE(bases.size(), 4u);
  {
    // The same checks on the intact log, so that a difference below is the damage's doing.
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    ExpectReadsMatchModel(*log);
    ExpectTimestampLookupsMatchModel(*log);
  }
  for (int64_t base : bases) {
    ASSERT_TRUE(fs_->Remove(IndexPath(base)).ok());
    ASSERT_TRUE(fs_->Remove(TimeIndexPath(base)).ok());
  }
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end_offset(), end);
  EXPECT_EQ(log->recovery_report().bytes_truncated, 0u);
  EXPECT_EQ(log->recovery_report().corrupt_trusted_segments, 0);
  for (int64_t base : bases) {
    EXPECT_TRUE(fs_->Exists(IndexPath(base))) << base;
    EXPECT_TRUE(fs_->Exists(TimeIndexPath(base))) << base;
  }
  const auto segments = log->segments();
  for (size_t i = 0; i + 1 < segments.size(); ++i) {  // (the active one may hold one batch)
    EXPECT_GT(segments[i]->index().offset_entries(), 1u) << segments[i]->base_offset();
  }
  ExpectReadsMatchModel(*log);
  ExpectTimestampLookupsMatchModel(*log);
}

// Rebuilt indexes are mirrored to their files again, so that the next open is O(tail) again
// instead of rebuilding every old segment's index from its log each time.
TEST_F(CorruptionTest, RebuiltIndexesAreWrittenBackToTheirFiles) {
  ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
  const auto bases = SegmentBases();
  ASSERT_GE(bases.size(), 4u);
  std::map<std::string, Buffer> originals;
  for (int64_t base : bases) {
    for (const auto& path : {IndexPath(base), TimeIndexPath(base)}) {
      originals[path] = Load(path);
      EXPECT_FALSE(originals[path].empty()) << path;
      ASSERT_TRUE(fs_->Remove(path).ok());
    }
  }
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Close().ok());
  }
  for (const auto& [path, bytes] : originals) {
    EXPECT_EQ(Load(path), bytes) << path << " was not written back as it was";
  }
}

class IndexDamageTest : public CorruptionTest {
 protected:
  // Applies `damage(index, time_index, segment_log_size)` to the index files of every segment
  // (it returns false when it does not apply to one), then checks that reopening changes no
  // answer.
  void Run(const std::function<bool(Buffer&, Buffer&, uint64_t)>& damage) {
    ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
    const int64_t end = NextOffset(model_.rbegin()->second);
    const auto bases = SegmentBases();
    ASSERT_GE(bases.size(), 4u);
    int damaged = 0;
    for (int64_t base : bases) {
      Buffer index = Load(IndexPath(base));
      Buffer time_index = Load(TimeIndexPath(base));
      const Buffer index_before = index;
      const Buffer time_before = time_index;
      if (!damage(index, time_index, FileSize(LogPath(base)))) continue;
      ASSERT_TRUE(index != index_before || time_index != time_before);
      ++damaged;
      ASSERT_NO_FATAL_FAILURE(Store(IndexPath(base), index));
      ASSERT_NO_FATAL_FAILURE(Store(TimeIndexPath(base), time_index));
    }
    ASSERT_GE(damaged, static_cast<int>(bases.size()) - 1) << "the damage hardly applied";

    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->end_offset(), end);
    EXPECT_EQ(log->recovery_report().bytes_truncated, 0u);
    EXPECT_EQ(log->recovery_report().corrupt_trusted_segments, 0);
    ExpectReadsMatchModel(*log);
    ExpectTimestampLookupsMatchModel(*log);
    // And again after a clean close (whatever was repaired or rebuilt must still be right).
    log.reset();
    log = OpenLog();
    ASSERT_NE(log, nullptr);
    ExpectReadsMatchModel(*log);
    ExpectTimestampLookupsMatchModel(*log);
  }

  static std::vector<OffsetIndexEntry> Decode(const Buffer& index) {
    std::vector<OffsetIndexEntry> out;
    for (size_t at = 0; at + kOffsetIndexEntrySize <= index.size(); at += kOffsetIndexEntrySize) {
      out.push_back({LoadBigEndian<uint32_t>(&index[at]), LoadBigEndian<uint32_t>(&index[at + 4])});
    }
    return out;
  }
  static Buffer Encode(const std::vector<OffsetIndexEntry>& entries) {
    Buffer out;
    BufferWriter w(out);
    for (const auto& e : entries) {
      w.Int<uint32_t>(e.relative_offset);
      w.Int<uint32_t>(e.position);
    }
    return out;
  }
};

TEST_F(IndexDamageTest, GarbageBytes) {
  std::mt19937_64 rng(42);
  Run([&](Buffer& index, Buffer& time_index, uint64_t) {
    index.resize(std::max<size_t>(index.size(), 64));
    time_index.resize(std::max<size_t>(time_index.size(), 96));
    for (auto& b : index) b = static_cast<uint8_t>(rng());
    for (auto& b : time_index) b = static_cast<uint8_t>(rng());
    return true;
  });
}

TEST_F(IndexDamageTest, SizeNotAMultipleOfTheEntrySize) {
  Run([&](Buffer& index, Buffer& time_index, uint64_t) {
    if (index.size() < kOffsetIndexEntrySize) return false;
    index.resize(index.size() - 3);
    if (time_index.size() >= kTimeIndexEntrySize) time_index.resize(time_index.size() - 5);
    return true;
  });
}

TEST_F(IndexDamageTest, EntriesOutOfOrder) {
  Run([&](Buffer& index, Buffer& time_index, uint64_t) {
    auto entries = Decode(index);
    if (entries.size() < 4) return false;
    std::swap(entries[1], entries[2]);
    index = Encode(entries);
    if (time_index.size() >= 3 * kTimeIndexEntrySize) {
      std::swap_ranges(time_index.begin() + kTimeIndexEntrySize,
                       time_index.begin() + 2 * kTimeIndexEntrySize,
                       time_index.begin() + 2 * kTimeIndexEntrySize);
    }
    return true;
  });
}

TEST_F(IndexDamageTest, EntryPointingIntoTheMiddleOfABatch) {
  Run([&](Buffer& index, Buffer&, uint64_t) {
    auto entries = Decode(index);
    if (entries.size() < 4) return false;
    // Still strictly increasing and inside the log: only the batch boundary is wrong.
    if (entries[2].position <= entries[1].position + 7) return false;
    entries[1].position += 7;
    index = Encode(entries);
    return true;
  });
}

TEST_F(IndexDamageTest, EntryNamingTheWrongOffset) {
  Run([&](Buffer& index, Buffer&, uint64_t) {
    auto entries = Decode(index);
    if (entries.size() < 4) return false;
    // Still strictly increasing: the entry claims an offset below that of the batch it points at.
    if (entries[1].relative_offset < entries[0].relative_offset + 2) return false;
    entries[1].relative_offset -= 1;
    index = Encode(entries);
    return true;
  });
}

TEST_F(IndexDamageTest, EntriesPastTheEndOfTheLog) {
  Run([&](Buffer& index, Buffer& time_index, uint64_t log_size) {
    auto entries = Decode(index);
    if (entries.empty()) return false;
    for (uint32_t i = 1; i <= 3; ++i) {
      entries.push_back(
          {entries.back().relative_offset + 10, static_cast<uint32_t>(log_size) + 100 * i});
    }
    index = Encode(entries);
    BufferWriter tw(time_index);
    for (uint32_t i = 1; i <= 3; ++i) {
      tw.Int<int64_t>(kT0 + 1'000'000 * i);
      tw.Int<uint32_t>(entries.back().relative_offset + i);
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// The recovery checkpoint.

class CheckpointDamageTest : public CorruptionTest {
 protected:
  void Run(const std::function<void()>& damage) {
    ASSERT_NO_FATAL_FAILURE(WriteCleanLog(80));
    const int64_t end = NextOffset(model_.rbegin()->second);
    uint64_t total_size = 0;
    for (int64_t base : SegmentBases()) total_size += FileSize(LogPath(base));
    ASSERT_NO_FATAL_FAILURE(damage());

    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    const RecoveryReport& report = log->recovery_report();
    EXPECT_FALSE(report.had_checkpoint);
    EXPECT_EQ(report.bytes_scanned, total_size) << "without a checkpoint everything is checked";
    EXPECT_EQ(report.bytes_truncated, 0u);
    EXPECT_EQ(report.segments_removed, 0);
    EXPECT_EQ(report.corrupt_trusted_segments, 0);
    EXPECT_EQ(log->end_offset(), end);
    EXPECT_EQ(log->size_bytes(), total_size);
    ExpectReadsMatchModel(*log);
    ExpectTimestampLookupsMatchModel(*log);
    AppendBatches(*log, 2);

    // A good checkpoint was written again.
    log.reset();
    log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(log->recovery_report().had_checkpoint);
    EXPECT_LT(log->recovery_report().bytes_scanned, total_size);
    ExpectReadsMatchModel(*log);
  }
};

TEST_F(CheckpointDamageTest, Missing) {
  Run([&] { ASSERT_TRUE(fs_->Remove(CheckpointPath()).ok()); });
}

TEST_F(CheckpointDamageTest, FlippedBitFailsItsCrc) {
  Run([&] { FlipBit(CheckpointPath(), 12, 0x01); });
}

TEST_F(CheckpointDamageTest, Truncated) {
  Run([&] {
    Buffer bytes = Load(CheckpointPath());
    ASSERT_GT(bytes.size(), 10u);
    bytes.resize(10);
    Store(CheckpointPath(), bytes);
  });
}

TEST_F(CheckpointDamageTest, GarbageOnRealFiles) {
  UseRealFiles();
  Run([&] { Store(CheckpointPath(), Buffer(26, 0xA5)); });
}

// ---------------------------------------------------------------------------------------------
// Damage below the checkpoint in the active segment: acknowledged data, kept and reported.

TEST_F(CorruptionTest, DamagedDurableBatchInTheActiveSegmentIsKeptAndReported) {
  // One index entry per segment, so that opening validates the whole active segment.
  config_.index_interval_bytes = 1 << 20;
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    AppendBatches(*log, 40);
    // Enough batches in the active segment to damage one in its middle.
    while (static_cast<int64_t>(std::distance(
               model_.lower_bound(log->segments().back()->base_offset()), model_.end())) < 7) {
      AppendBatches(*log, 1);
    }
    ASSERT_TRUE(log->Close().ok());
  }
  const int64_t end = NextOffset(model_.rbegin()->second);
  const auto bases = SegmentBases();
  const auto active = InSegment(Locate(), bases.back());
  ASSERT_GE(active.size(), 7u);
  const BatchLocation victim = active[active.size() / 2];
  const uint64_t active_size = FileSize(LogPath(bases.back()));
  const Buffer active_bytes = Load(LogPath(bases.back()));
  const BitFlip flip = FlipFor(Region::kValue, model_.at(victim.header.base_offset));
  ASSERT_NO_FATAL_FAILURE(FlipBit(LogPath(bases.back()), victim.position + flip.at, flip.mask));

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  const RecoveryReport& report = log->recovery_report();
  EXPECT_TRUE(report.had_checkpoint);
  EXPECT_EQ(report.corrupt_trusted_segments, 1);
  EXPECT_EQ(report.bytes_truncated, 0u);
  EXPECT_EQ(report.segments_removed, 0);
  EXPECT_EQ(log->end_offset(), end) << "acknowledged batches after the damage were dropped";
  EXPECT_EQ(FileSize(LogPath(bases.back())), active_size) << "damaged durable bytes were cut";
  ReadExpectation expect;
  expect.corrupt.insert(victim.header.base_offset);
  ExpectReadsMatchModel(*log, expect);

  // New appends never land after damaged bytes, and read back.
  AppendBatches(*log, 3);  // (checks that they take the offsets from `end` on)
  EXPECT_TRUE(model_.contains(end));
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  ExpectReadsMatchModel(*log, expect);
  Buffer damaged_now = Load(LogPath(bases.back()));
  ASSERT_EQ(damaged_now.size(), active_bytes.size());
  damaged_now[victim.position + flip.at] ^= flip.mask;
  EXPECT_EQ(damaged_now, active_bytes) << "bytes were appended after the damaged batch";

  log.reset();
  log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  EXPECT_EQ(log->recovery_report().corrupt_trusted_segments, 1);
  ExpectReadsMatchModel(*log, expect);
}

// The same, with an older checkpoint and durable batches past it in the same segment: the
// segment must end at the checkpoint, and nothing past it may be served from its bytes.
TEST_F(CorruptionTest, DamagedDurableBatchBelowAnOldCheckpointEndsTheLogThere) {
  config_.index_interval_bytes = 1 << 20;
  config_.segment_bytes = 1 << 20;
  ASSERT_NO_FATAL_FAILURE(WriteLogWithOldCheckpoint(12, 6));
  const auto bases = SegmentBases();
  ASSERT_EQ(bases.size(), 1u);
  const auto all = Locate();
  const BatchLocation victim = all.at(6);
  ASSERT_LT(victim.header.next_offset(), checkpoint_offset_);
  const BitFlip flip = FlipFor(Region::kValue, model_.at(victim.header.base_offset));
  ASSERT_NO_FATAL_FAILURE(FlipBit(LogPath(bases[0]), victim.position + flip.at, flip.mask));

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  const RecoveryReport& report = log->recovery_report();
  EXPECT_TRUE(report.had_checkpoint);
  EXPECT_EQ(report.corrupt_trusted_segments, 1);
  EXPECT_EQ(report.bytes_truncated, 0u);
  EXPECT_EQ(log->end_offset(), checkpoint_offset_);
  // The batches past the checkpoint are unknown to the log now.
  const std::map<int64_t, Buffer> full_model = model_;
  ForgetFrom(checkpoint_offset_);
  ReadExpectation expect;
  expect.corrupt.insert(victim.header.base_offset);
  ExpectReadsMatchModel(*log, expect);

  // New batches take the offsets from the checkpoint on; reads must return them, not the old
  // bytes still in the damaged segment.
  AppendBatches(*log, 3);
  EXPECT_EQ(std::prev(model_.end(), 3)->first, checkpoint_offset_);
  for (auto it = model_.lower_bound(checkpoint_offset_); it != model_.end(); ++it) {
    EXPECT_NE(it->second, full_model.count(it->first) ? full_model.at(it->first) : Buffer())
        << "the new batch is indistinguishable from the old one";
  }
  ExpectReadsMatchModel(*log, expect);
  log.reset();
  log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  ExpectReadsMatchModel(*log, expect);
}

// ---------------------------------------------------------------------------------------------
// Invalid batches from a producer.

class RejectedAppendTest : public CorruptionTest {
 protected:
  void ExpectRejected(Buffer batch) {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    AppendBatches(*log, 12);
    const int64_t end = log->end_offset();
    const uint64_t size = log->size_bytes();
    const size_t segments = log->segment_count();
    const auto bases = SegmentBases();
    const Buffer active_before = Load(LogPath(bases.back()));

    auto result = log->AppendAndWait(batch, AckLevel::kDurable);
    ASSERT_FALSE(result.ok()) << "an invalid batch was accepted at " << result->base_offset;
    EXPECT_EQ(result.status().code(), StatusCode::kCorruption) << result.status().ToString();
    auto written = log->AppendAndWait(batch, AckLevel::kWritten);
    EXPECT_EQ(written.status().code(), StatusCode::kCorruption);

    EXPECT_EQ(log->end_offset(), end);
    EXPECT_EQ(log->durable_offset(), end);
    EXPECT_EQ(log->size_bytes(), size);
    EXPECT_EQ(log->segment_count(), segments);
    EXPECT_EQ(Load(LogPath(bases.back())), active_before);
    auto at_end = log->Read(end, kBigRead);
    ASSERT_TRUE(at_end.ok());
    EXPECT_TRUE(at_end->empty());
    ExpectReadsMatchModel(*log);

    // The next valid batch takes the next offset.
    AppendBatches(*log, 1);
    EXPECT_EQ(model_.rbegin()->first, end);
    log.reset();
    log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
    ExpectReadsMatchModel(*log);
  }
};

TEST_F(RejectedAppendTest, BadCrc) {
  Buffer batch = MakeBatch(1000);
  batch[batch.size() - 3] ^= 0x01;
  ExpectRejected(batch);
}

TEST_F(RejectedAppendTest, BadMagic) {
  Buffer batch = MakeBatch(1000);
  batch[batch_field::kMagic] = 1;
  ExpectRejected(batch);
}

TEST_F(RejectedAppendTest, LengthFieldLongerThanTheBatch) {
  Buffer batch = MakeBatch(1000);
  StoreBigEndian<int32_t>(&batch[batch_field::kBatchLength],
                          static_cast<int32_t>(batch.size() - kBatchLogOverhead + 1));
  ExpectRejected(batch);
}

TEST_F(RejectedAppendTest, LengthFieldShorterThanTheBatch) {
  Buffer batch = MakeBatch(1000);
  StoreBigEndian<int32_t>(&batch[batch_field::kBatchLength],
                          static_cast<int32_t>(batch.size() - kBatchLogOverhead - 1));
  ExpectRejected(batch);
}

TEST_F(RejectedAppendTest, ShorterThanAHeader) {
  Buffer batch = MakeBatch(1000);
  batch.resize(kBatchHeaderSize - 1);
  ExpectRejected(batch);
}

// ---------------------------------------------------------------------------------------------
// A full disk (ENOSPC) and a failing one (EIO on fsync).

TEST_F(CorruptionTest, NoSpaceLeavesTheLogUnchangedAndAppendsResumeWhenSpaceIsBack) {
  UseFaultFileSystem();
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendBatches(*log, 10);
  const int64_t end = log->end_offset();
  const uint64_t size = log->size_bytes();
  const auto bases = SegmentBases();
  Buffer active_before;
  ASSERT_TRUE(mem_.GetContents(LogPath(bases.back()), &active_before));

  fault_.SetSpaceLeft(40);  // less than a batch: a short write, undone
  Buffer batch = MakeBatch(next_batch_++);
  auto full = log->AppendAndWait(batch, AckLevel::kDurable);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kNoSpace) << full.status().ToString();
  auto still_full = log->AppendAndWait(batch, AckLevel::kWritten);
  EXPECT_EQ(still_full.status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(log->end_offset(), end);
  EXPECT_EQ(log->durable_offset(), end);
  EXPECT_EQ(log->size_bytes(), size);
  Buffer active_after;
  ASSERT_TRUE(mem_.GetContents(LogPath(bases.back()), &active_after));
  EXPECT_EQ(active_after, active_before) << "a failed append left bytes behind";
  ExpectReadsMatchModel(*log);

  fault_.ClearSpaceLimit();
  auto resumed = log->AppendAndWait(batch, AckLevel::kDurable);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->base_offset, end);
  model_[resumed->base_offset] = batch;
  AppendBatches(*log, 2);
  ExpectReadsMatchModel(*log);

  log.reset();
  log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  ExpectReadsMatchModel(*log);
}

TEST_F(CorruptionTest, NoSpaceWhenRollingASegment) {
  UseFaultFileSystem();
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendBatches(*log, 3);
  // Fill the active segment until the next batch needs a new one.
  while (log->segments().back()->size() + MakeBatch(next_batch_).size() <=
         static_cast<uint64_t>(config_.segment_bytes)) {
    AppendBatches(*log, 1);
  }
  const int64_t end = log->end_offset();
  const uint64_t size = log->size_bytes();

  fault_.SetSpaceLeft(0);
  Buffer batch = MakeBatch(next_batch_++);
  auto full = log->AppendAndWait(batch, AckLevel::kDurable);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kNoSpace) << full.status().ToString();
  EXPECT_EQ(log->end_offset(), end);
  EXPECT_EQ(log->size_bytes(), size);
  ExpectReadsMatchModel(*log);

  fault_.ClearSpaceLimit();
  auto resumed = log->AppendAndWait(batch, AckLevel::kDurable);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->base_offset, end);
  model_[resumed->base_offset] = batch;
  EXPECT_EQ(log->segments().back()->base_offset(), end);
  ExpectReadsMatchModel(*log);

  log.reset();
  log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  ExpectReadsMatchModel(*log);
}

TEST_F(CorruptionTest, FailedFsyncFailsTheLogUntilReopenedAndLosesNothingAcknowledged) {
  UseFaultFileSystem();
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendBatches(*log, 10);
  const int64_t acked_end = log->end_offset();

  fault_.FailSyncs(true);
  Buffer unacked = MakeBatch(next_batch_++);
  auto failed = log->AppendAndWait(unacked, AckLevel::kDurable);
  ASSERT_FALSE(failed.ok()) << "a batch was acknowledged as durable without an fsync";
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError) << failed.status().ToString();
  EXPECT_EQ(log->durable_offset(), acked_end);

  // The log is failed: every append is refused, even once the disk works again.
  Buffer later = MakeBatch(next_batch_++);
  auto written = log->AppendAndWait(later, AckLevel::kWritten);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), StatusCode::kFailedPrecondition)
      << written.status().ToString();
  fault_.FailSyncs(false);
  auto durable = log->AppendAndWait(later, AckLevel::kDurable);
  ASSERT_FALSE(durable.ok());
  EXPECT_EQ(durable.status().code(), StatusCode::kFailedPrecondition)
      << durable.status().ToString();
  EXPECT_FALSE(log->Flush().ok());
  EXPECT_EQ(log->durable_offset(), acked_end);

  // Acknowledged batches still read back.
  for (const auto& [base, bytes] : model_) {
    auto slice = log->Read(base, 1);
    ASSERT_TRUE(slice.ok()) << slice.status().ToString();
    Buffer got;
    ASSERT_TRUE(slice->AppendTo(got).ok());
    EXPECT_EQ(got, bytes) << base;
  }

  log.reset();
  log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_GE(log->end_offset(), acked_end);
  // The unacknowledged batch may or may not have survived; if it did, it is whole.
  if (log->end_offset() > acked_end) model_[acked_end] = unacked;
  EXPECT_EQ(log->end_offset(), NextOffset(model_.rbegin()->second));
  ExpectReadsMatchModel(*log);
  const int64_t reopened_end = log->end_offset();
  AppendBatches(*log, 2);
  EXPECT_EQ(std::prev(model_.end(), 2)->first, reopened_end);
  ExpectReadsMatchModel(*log);
}

}  // namespace
}  // namespace herald::storage
