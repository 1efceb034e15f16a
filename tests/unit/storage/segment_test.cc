#include "storage/segment.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::storage {
namespace {

constexpr char kDir[] = "/seg";
constexpr uint32_t kNoIndex = std::numeric_limits<uint32_t>::max();  // one entry, at 0

// Where a batch went in a segment.
struct Stored {
  int64_t base_offset;
  int64_t last_offset;
  uint64_t pos;
  uint64_t size;
  int64_t max_timestamp;
};

// A batch of `records` records with values of `value_size` bytes and timestamps ts, ts+1, ...
Buffer MakeBatch(int records, int64_t ts, size_t value_size) {
  std::vector<RecordSpec> specs;
  for (int i = 0; i < records; ++i) {
    specs.push_back({fmt::format("k{}", i), std::string(value_size, 'v'), ts + i, {}});
  }
  return BuildBatch(specs);
}

// What FindBatchPosition should answer, from the list of stored batches.
uint64_t ExpectedPosition(const std::vector<Stored>& batches, int64_t offset, uint64_t limit) {
  for (const Stored& b : batches) {
    if (b.pos >= limit) break;
    if (b.last_offset >= offset) return b.pos;
  }
  return limit;
}

// What SliceEnd should answer: the most whole batches from batches[first] that fit in
// max_bytes, at least one, never past limit.
uint64_t ExpectedSliceEnd(const std::vector<Stored>& batches, size_t first, uint64_t max_bytes,
                          uint64_t limit) {
  uint64_t pos = batches[first].pos;
  if (limit - pos <= max_bytes) return limit;
  uint64_t end = pos + batches[first].size;
  for (size_t i = first + 1; i < batches.size(); ++i) {
    const Stored& b = batches[i];
    if (b.pos + b.size > limit || b.pos + b.size - pos > max_bytes) break;
    end = b.pos + b.size;
  }
  return std::min(end, limit);
}

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDir(kDir).ok()); }

  std::shared_ptr<Segment> Create(int64_t base, uint32_t interval, int64_t now_ms = 1000) {
    auto seg = Segment::Create(fs_, kDir, base, interval, now_ms);
    EXPECT_TRUE(seg.ok()) << seg.status().ToString();
    return seg.ok() ? *seg : nullptr;
  }

  std::shared_ptr<Segment> Open(int64_t base, uint32_t interval, int64_t now_ms = 1000) {
    auto seg = Segment::Open(fs_, kDir, base, interval, now_ms);
    EXPECT_TRUE(seg.ok()) << seg.status().ToString();
    return seg.ok() ? *seg : nullptr;
  }

  // Appends a batch at seg.next_offset() and says where it went.
  static Stored Append(Segment& seg, int records, int64_t ts, size_t value_size = 40,
                       int64_t now_ms = 5000) {
    Buffer b = MakeBatch(records, ts, value_size);
    SetBaseOffset(b, seg.next_offset());
    auto h = ValidateBatch(b);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (!h.ok()) return {};
    Stored s{h->base_offset, h->last_offset(), seg.size(), h->size(), h->max_timestamp};
    Status st = seg.Append(b, *h, now_ms);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }

  // Batches of assorted record counts and sizes.
  static std::vector<Stored> AppendAssorted(Segment& seg, int count = 12) {
    static constexpr int kRecords[] = {1, 3, 2, 5, 1, 4, 2, 1, 6, 2, 3, 1};
    static constexpr size_t kValueSizes[] = {20, 200, 60, 10, 300, 40, 90, 150, 5, 70, 30, 250};
    std::vector<Stored> out;
    for (int i = 0; i < count; ++i) {
      out.push_back(Append(seg, kRecords[i % 12], 1'000 + i * 10, kValueSizes[i % 12]));
    }
    return out;
  }

  std::string PathOf(const std::string& name) const { return JoinPath(kDir, name); }

  Buffer Contents(const std::string& path) {
    Buffer out;
    EXPECT_TRUE(fs_.GetContents(path, &out)) << path;
    return out;
  }

  void FlipByte(const std::string& path, uint64_t at) {
    Buffer data = Contents(path);
    ASSERT_LT(at, data.size());
    data[at] ^= 0x5A;
    ASSERT_TRUE(fs_.SetContents(path, data));
  }

  // Checks FindBatchPosition for every offset around the segment, against several limits.
  static void ExpectPositions(const Segment& seg, const std::vector<Stored>& batches) {
    std::vector<uint64_t> limits = {seg.size()};
    if (batches.size() > 2) limits.push_back(batches[batches.size() / 2].pos);
    for (uint64_t limit : limits) {
      for (int64_t o = seg.base_offset() - 2; o <= seg.next_offset() + 2; ++o) {
        auto pos = seg.FindBatchPosition(o, limit);
        ASSERT_TRUE(pos.ok()) << o << ": " << pos.status().ToString();
        EXPECT_EQ(*pos, ExpectedPosition(batches, o, limit))
            << "offset " << o << " limit " << limit;
      }
    }
  }

  MemFileSystem fs_;
};

TEST_F(SegmentTest, FileNamesUseTwentyDigitBaseOffsets) {
  EXPECT_EQ(Segment::FileStem(0), "00000000000000000000");
  EXPECT_EQ(Segment::FileStem(1234), "00000000000000001234");
  EXPECT_EQ(Segment::FileStem(std::numeric_limits<int64_t>::max()), "09223372036854775807");
  EXPECT_EQ(Segment::LogFileName(42), "00000000000000000042.log");
  EXPECT_EQ(Segment::IndexFileName(42), "00000000000000000042.index");
  EXPECT_EQ(Segment::TimeIndexFileName(42), "00000000000000000042.timeindex");
  for (int64_t base : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1} << 40,
                       std::numeric_limits<int64_t>::max()}) {
    auto parsed = Segment::ParseLogFileName(Segment::LogFileName(base));
    ASSERT_TRUE(parsed.has_value()) << base;
    EXPECT_EQ(*parsed, base);
  }
}

TEST_F(SegmentTest, ParseLogFileNameAcceptsOnlyTwentyDigitsAndLog) {
  EXPECT_EQ(Segment::ParseLogFileName("00000000000000000017.log").value_or(-1), 17);
  for (const char* bad : {
           "", ".log",
           "0000000000000000017.log",     // 19 digits
           "000000000000000000017.log",   // 21 digits
           "00000000000000000017.index",  // not the log
           "00000000000000000017.timeindex", "00000000000000000017.LOG",
           "00000000000000000017.log.tmp", "00000000000000000017xlog", "0000000000000000001a.log",
           "a0000000000000000001.log", " 0000000000000000001.log", "+0000000000000000001.log",
           "-0000000000000000001.log",
           "99999999999999999999.log",  // does not fit int64
       }) {
    EXPECT_FALSE(Segment::ParseLogFileName(bad).has_value()) << "'" << bad << "'";
  }
}

TEST_F(SegmentTest, ParseLogFileNameRejectsASignedZero) {
  // "-" is not a digit: the name is 1 sign + 19 digits, not 20 digits.
  EXPECT_FALSE(Segment::ParseLogFileName("-0000000000000000000.log").has_value());
}

TEST_F(SegmentTest, CreateMakesAnEmptySegmentAndItsFiles) {
  auto seg = Create(100, 4096, 777);
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->base_offset(), 100);
  EXPECT_EQ(seg->next_offset(), 100);
  EXPECT_EQ(seg->size(), 0u);
  EXPECT_TRUE(seg->empty());
  EXPECT_EQ(seg->max_timestamp(), -1);
  EXPECT_EQ(seg->created_ms(), 777);
  EXPECT_EQ(seg->log_path(), PathOf("00000000000000000100.log"));
  EXPECT_TRUE(fs_.Exists(PathOf(Segment::LogFileName(100))));
  EXPECT_TRUE(fs_.Exists(PathOf(Segment::IndexFileName(100))));
  EXPECT_TRUE(fs_.Exists(PathOf(Segment::TimeIndexFileName(100))));
  EXPECT_EQ(seg->FindBatchPosition(100, seg->size()).value(), 0u);
}

TEST_F(SegmentTest, CreateEmptiesExistingFiles) {
  {
    auto seg = Create(0, 0);
    Append(*seg, 2, 10);
    ASSERT_TRUE(seg->SyncIndexes().ok());
    ASSERT_GT(Contents(PathOf(Segment::IndexFileName(0))).size(), 0u);
  }
  auto seg = Create(0, 0);
  EXPECT_EQ(seg->size(), 0u);
  EXPECT_TRUE(Contents(seg->log_path()).empty());
  EXPECT_TRUE(Contents(PathOf(Segment::IndexFileName(0))).empty());
  EXPECT_TRUE(Contents(PathOf(Segment::TimeIndexFileName(0))).empty());
}

TEST_F(SegmentTest, OpenNeedsTheLogFileAndReportsNothingBeforeRecovery) {
  auto missing = Segment::Open(fs_, kDir, 5, 4096, 1000);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  {
    auto seg = Create(5, 4096);
    Append(*seg, 3, 10);
    ASSERT_TRUE(seg->Sync().ok());
  }
  ASSERT_TRUE(fs_.Remove(PathOf(Segment::IndexFileName(5))).ok());
  ASSERT_TRUE(fs_.Remove(PathOf(Segment::TimeIndexFileName(5))).ok());
  auto seg = Open(5, 4096, 4242);
  ASSERT_NE(seg, nullptr);
  EXPECT_TRUE(fs_.Exists(PathOf(Segment::IndexFileName(5)))) << "missing index files are created";
  EXPECT_TRUE(fs_.Exists(PathOf(Segment::TimeIndexFileName(5))));
  EXPECT_EQ(seg->size(), 0u);
  EXPECT_EQ(seg->next_offset(), 5);
  EXPECT_EQ(seg->max_timestamp(), -1);
  EXPECT_EQ(seg->created_ms(), 4242);
  EXPECT_GT(seg->log_file().Size(), 0u) << "the bytes are there, just not reported yet";
  EXPECT_FALSE(seg->IsVerified(0, seg->log_file().Size()));
}

TEST_F(SegmentTest, AppendTracksOffsetsSizeAndTimestamps) {
  auto seg = Create(100, 4096, 50);
  Buffer expected_bytes;
  uint64_t total = 0;
  Stored a = Append(*seg, 3, 1'000, 40, /*now_ms=*/200);
  EXPECT_EQ(a.base_offset, 100);
  EXPECT_EQ(a.pos, 0u);
  EXPECT_EQ(seg->next_offset(), 103);
  EXPECT_EQ(seg->size(), a.size);
  EXPECT_EQ(seg->max_timestamp(), 1'002);
  EXPECT_EQ(seg->created_ms(), 200) << "the first append starts the segment's age";
  total += a.size;

  Stored b = Append(*seg, 1, 5'000, 10, /*now_ms=*/300);
  EXPECT_EQ(b.base_offset, 103);
  EXPECT_EQ(b.pos, total);
  total += b.size;
  EXPECT_EQ(seg->next_offset(), 104);
  EXPECT_EQ(seg->max_timestamp(), 5'000);
  EXPECT_EQ(seg->created_ms(), 200) << "later appends keep the age";

  Stored c = Append(*seg, 4, 2'000, 100, /*now_ms=*/400);  // older records
  EXPECT_EQ(c.base_offset, 104);
  EXPECT_EQ(c.pos, total);
  total += c.size;
  EXPECT_EQ(seg->next_offset(), 108);
  EXPECT_EQ(seg->size(), total);
  EXPECT_EQ(seg->max_timestamp(), 5'000) << "the largest timestamp, not the latest";
  EXPECT_FALSE(seg->empty());
  EXPECT_EQ(seg->log_file().Size(), total);
  EXPECT_TRUE(seg->IsVerified(0, total));

  // The file holds the batches back to back, each carrying its assigned offset.
  Buffer data = Contents(seg->log_path());
  ASSERT_EQ(data.size(), total);
  for (const Stored& s : {a, b, c}) {
    auto h = ValidateBatch(ByteView(data).subspan(s.pos, s.size));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(h->base_offset, s.base_offset);
  }
}

TEST_F(SegmentTest, AppendThatFailsLeavesTheSegmentUnchanged) {
  FaultFileSystem faulty(fs_);
  auto created = Segment::Create(faulty, kDir, 0, 0, 1000);
  ASSERT_TRUE(created.ok());
  auto seg = *created;
  Stored first = Append(*seg, 2, 10);
  faulty.SetSpaceLeft(20);
  Buffer b = MakeBatch(2, 20, 40);
  SetBaseOffset(b, seg->next_offset());
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(seg->Append(b, *h, 6000).code(), StatusCode::kNoSpace);
  EXPECT_EQ(seg->size(), first.size);
  EXPECT_EQ(seg->next_offset(), 2);
  EXPECT_EQ(seg->log_file().Size(), first.size);
  EXPECT_EQ(seg->index().offset_entries(), 1u);
  faulty.ClearSpaceLimit();
  Stored second = Append(*seg, 2, 20);
  EXPECT_EQ(second.pos, first.size);
  EXPECT_EQ(second.base_offset, 2);
}

TEST_F(SegmentTest, IndexEntriesAreSpacedByTheInterval) {
  // Batches of one fixed size, so the expected entries are easy to count.
  const uint64_t batch_size = MakeBatch(2, 1000, 50).size();
  struct Case {
    uint32_t interval;
    size_t entries;  // for 12 batches
    size_t every;    // one entry every n batches
  };
  for (const Case& c :
       {Case{0, 12, 1}, Case{1, 12, 1}, Case{static_cast<uint32_t>(batch_size), 12, 1},
        Case{static_cast<uint32_t>(batch_size + 1), 6, 2},
        Case{static_cast<uint32_t>(2 * batch_size), 6, 2},
        Case{static_cast<uint32_t>(3 * batch_size - 1), 4, 3},
        Case{static_cast<uint32_t>(5 * batch_size), 3, 5}, Case{kNoIndex, 1, 12}}) {
    SCOPED_TRACE(fmt::format("interval {}", c.interval));
    auto seg = Create(1000, c.interval);
    std::vector<Stored> batches;
    for (int i = 0; i < 12; ++i) {
      batches.push_back(Append(*seg, 2, 1000 + i, 50));
      ASSERT_EQ(batches.back().size, batch_size);
    }
    EXPECT_EQ(seg->index().offset_entries(), c.entries);
    // Each entry names the batch at its position.
    for (size_t i = 0; i < batches.size(); i += c.every) {
      auto e = seg->index().FloorPosition(batches[i].pos);
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->position, batches[i].pos);
      EXPECT_EQ(int64_t{e->relative_offset}, batches[i].base_offset - 1000);
    }
    auto last = seg->index().LastOffsetEntry();
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->position, batches[(c.entries - 1) * c.every].pos);
    // The time index follows the offset index; timestamps here only grow.
    auto last_time = seg->index().LastTimeEntry();
    ASSERT_TRUE(last_time.has_value());
    EXPECT_EQ(last_time->relative_offset, last->relative_offset);
    ASSERT_TRUE(seg->RemoveFiles().ok());
  }
}

TEST_F(SegmentTest, FindBatchPositionForEveryOffset) {
  for (uint32_t interval : {uint32_t{0}, uint32_t{300}, uint32_t{1000}, kNoIndex}) {
    SCOPED_TRACE(fmt::format("interval {}", interval));
    auto seg = Create(50, interval);
    std::vector<Stored> batches = AppendAssorted(*seg);
    ASSERT_EQ(seg->next_offset(), batches.back().last_offset + 1);
    ExpectPositions(*seg, batches);
    // Offsets inside a multi-record batch lead to its start.
    const Stored& multi = batches[3];
    ASSERT_GT(multi.last_offset, multi.base_offset);
    for (int64_t o = multi.base_offset; o <= multi.last_offset; ++o) {
      EXPECT_EQ(seg->FindBatchPosition(o, seg->size()).value(), multi.pos) << o;
    }
    EXPECT_EQ(seg->FindBatchPosition(seg->next_offset(), seg->size()).value(), seg->size());
    EXPECT_EQ(seg->FindBatchPosition(seg->next_offset(), 0).value(), 0u);
    ASSERT_TRUE(seg->RemoveFiles().ok());
  }
}

TEST_F(SegmentTest, SliceEndTakesWholeBatchesAtLeastOneNeverPastLimit) {
  auto seg = Create(0, 0);  // every batch indexed
  std::vector<Stored> batches = AppendAssorted(*seg);
  const uint64_t size = seg->size();
  for (size_t i = 0; i < batches.size(); ++i) {
    for (uint64_t max_bytes :
         {uint64_t{1}, batches[i].size - 1, batches[i].size, batches[i].size + 1, uint64_t{300},
          uint64_t{700}, uint64_t{1500}, size, size * 2}) {
      for (size_t j = i + 1; j <= batches.size(); ++j) {
        uint64_t limit = j == batches.size() ? size : batches[j].pos;
        auto end = seg->SliceEnd(batches[i].pos, max_bytes, limit);
        ASSERT_TRUE(end.ok()) << end.status().ToString();
        EXPECT_EQ(*end, ExpectedSliceEnd(batches, i, max_bytes, limit))
            << "batch " << i << " max_bytes " << max_bytes << " limit " << limit;
        EXPECT_LE(*end, limit);
        EXPECT_GE(*end, std::min(limit, batches[i].pos + batches[i].size));
      }
    }
  }
}

TEST_F(SegmentTest, SliceEndTakesEveryWholeBatchThatFitsWithASparseIndex) {
  for (uint32_t interval : {uint32_t{300}, uint32_t{1000}, kNoIndex}) {
    SCOPED_TRACE(fmt::format("interval {}", interval));
    auto seg = Create(0, interval);
    std::vector<Stored> batches = AppendAssorted(*seg);
    const uint64_t size = seg->size();
    for (size_t i = 0; i < batches.size(); ++i) {
      for (uint64_t max_bytes : {uint64_t{1}, uint64_t{300}, uint64_t{700}, uint64_t{1500}}) {
        auto end = seg->SliceEnd(batches[i].pos, max_bytes, size);
        ASSERT_TRUE(end.ok()) << end.status().ToString();
        EXPECT_EQ(*end, ExpectedSliceEnd(batches, i, max_bytes, size))
            << "batch " << i << " at " << batches[i].pos << " max_bytes " << max_bytes;
      }
    }
    ASSERT_TRUE(seg->RemoveFiles().ok());
  }
}

TEST_F(SegmentTest, ReadVerifiedReturnsTheBytesOfValidBatches) {
  auto seg = Create(0, 0);
  std::vector<Stored> batches = AppendAssorted(*seg, 5);
  auto all = seg->ReadVerified(0, seg->size());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, Contents(seg->log_path()));
  auto middle = seg->ReadVerified(batches[1].pos, batches[3].pos);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(middle->size(), batches[3].pos - batches[1].pos);
}

TEST_F(SegmentTest, ReadVerifiedReportsAFlippedByteOnAFreshlyOpenedSegment) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 4);
    ASSERT_TRUE(seg->Sync().ok());
  }
  auto seg = Open(0, 0);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  ASSERT_EQ(seg->size(), batches.back().pos + batches.back().size);
  ASSERT_FALSE(seg->IsVerified(0, seg->size()));
  // A byte inside the records of batch 1, covered by its CRC.
  FlipByte(seg->log_path(), batches[1].pos + kBatchHeaderSize + 3);

  auto at_bad = seg->ReadVerified(batches[1].pos, seg->size());
  EXPECT_EQ(at_bad.status().code(), StatusCode::kCorruption) << at_bad.status().ToString();
  auto bad_alone = seg->ReadVerified(batches[1].pos, batches[2].pos);
  EXPECT_EQ(bad_alone.status().code(), StatusCode::kCorruption);

  // A read from before it serves the good batches and stops at the bad one.
  auto from_start = seg->ReadVerified(0, seg->size());
  ASSERT_TRUE(from_start.ok()) << from_start.status().ToString();
  EXPECT_EQ(from_start->size(), batches[1].pos);
  // A read past it is fine.
  auto after = seg->ReadVerified(batches[2].pos, seg->size());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->size(), seg->size() - batches[2].pos);
  // Still reported on a second try.
  EXPECT_EQ(seg->ReadVerified(batches[1].pos, batches[2].pos).status().code(),
            StatusCode::kCorruption);
}

TEST_F(SegmentTest, ReadVerifiedRejectsAFlippedOffsetField) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 3);
    ASSERT_TRUE(seg->Sync().ok());
  }
  auto seg = Open(0, 0);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  // The base offset lies outside the CRC: moving it past the segment's end must still be caught.
  Buffer data = Contents(seg->log_path());
  StoreBigEndian<int64_t>(&data[batches[1].pos + batch_field::kBaseOffset], 1'000'000);
  ASSERT_TRUE(fs_.SetContents(seg->log_path(), data));
  EXPECT_EQ(seg->ReadVerified(batches[1].pos, batches[2].pos).status().code(),
            StatusCode::kCorruption);
}

TEST_F(SegmentTest, ForEachBatchVisitsInOrderAndStopsEarly) {
  auto seg = Create(10, 0);
  std::vector<Stored> batches = AppendAssorted(*seg, 6);
  std::vector<int64_t> seen;
  Status all =
      seg->ForEachBatch(0, seg->size(), [&](const BatchHeader& h, ByteView bytes, uint64_t pos) {
        size_t i = seen.size();
        EXPECT_LT(i, batches.size());
        if (i < batches.size()) {
          EXPECT_EQ(pos, batches[i].pos);
          EXPECT_EQ(bytes.size(), batches[i].size);
        }
        seen.push_back(h.base_offset);
        return true;
      });
  ASSERT_TRUE(all.ok()) << all.ToString();
  ASSERT_EQ(seen.size(), batches.size());
  for (size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(seen[i], batches[i].base_offset);

  int calls = 0;
  Status stopped = seg->ForEachBatch(0, seg->size(), [&](const BatchHeader&, ByteView, uint64_t) {
    ++calls;
    return calls < 2;
  });
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_EQ(calls, 2);

  std::vector<uint64_t> positions;
  ASSERT_TRUE(seg->ForEachBatch(batches[2].pos, batches[4].pos,
                                [&](const BatchHeader&, ByteView, uint64_t pos) {
                                  positions.push_back(pos);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(positions, (std::vector<uint64_t>{batches[2].pos, batches[3].pos}));
}

TEST_F(SegmentTest, ForEachBatchReportsTheFirstBadBatch) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 4);
    ASSERT_TRUE(seg->Sync().ok());
  }
  auto seg = Open(0, 0);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  FlipByte(seg->log_path(), batches[2].pos + kBatchHeaderSize + 1);
  int calls = 0;
  Status s = seg->ForEachBatch(0, seg->size(), [&](const BatchHeader&, ByteView, uint64_t) {
    ++calls;
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_EQ(calls, 2);
}

TEST_F(SegmentTest, RecoverTrustedWithIntactIndexesRestoresTheState) {
  std::vector<Stored> batches;
  int64_t max_ts = 0;
  {
    auto seg = Create(200, 300);
    batches = AppendAssorted(*seg);
    Append(*seg, 1, 99'999, 10);  // the largest timestamp, in the middle
    for (const Stored& s : AppendAssorted(*seg, 5)) batches.push_back(s);
    max_ts = seg->max_timestamp();
    ASSERT_TRUE(seg->SyncIndexes().ok());
    ASSERT_TRUE(seg->Sync().ok());
  }
  ASSERT_EQ(max_ts, 99'999);
  auto seg = Open(200, 300);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  EXPECT_EQ(seg->size(), Contents(seg->log_path()).size());
  EXPECT_EQ(seg->next_offset(), batches.back().last_offset + 1);
  EXPECT_EQ(seg->max_timestamp(), max_ts);
  // (ExpectPositions uses the list of batches; the middle one is missing from it, so rebuild.)
  std::vector<Stored> all;
  ASSERT_TRUE(
      seg->ForEachBatch(
             0, seg->size(),
             [&](const BatchHeader& h, ByteView, uint64_t pos) {
               all.push_back({h.base_offset, h.last_offset(), pos, h.size(), h.max_timestamp});
               return true;
             })
          .ok());
  ExpectPositions(*seg, all);
  // Appends continue after recovery.
  Stored next = Append(*seg, 2, 5);
  EXPECT_EQ(next.base_offset, batches.back().last_offset + 1);
  EXPECT_EQ(next.pos, all.back().pos + all.back().size);
}

TEST_F(SegmentTest, RecoverTrustedRebuildsDeletedIndexes) {
  const uint32_t interval = 300;
  std::vector<Stored> batches;
  std::vector<uint64_t> answers;
  size_t entries = 0;
  int64_t max_ts = 0;
  {
    auto seg = Create(0, interval);
    batches = AppendAssorted(*seg);
    ASSERT_TRUE(seg->Sync().ok());
    ASSERT_TRUE(seg->SyncIndexes().ok());
    entries = seg->index().offset_entries();
    max_ts = seg->max_timestamp();
    for (int64_t o = 0; o <= seg->next_offset(); ++o) {
      answers.push_back(seg->FindBatchPosition(o, seg->size()).value());
    }
  }
  ASSERT_GT(entries, 2u);
  ASSERT_TRUE(fs_.Remove(PathOf(Segment::IndexFileName(0))).ok());
  ASSERT_TRUE(fs_.Remove(PathOf(Segment::TimeIndexFileName(0))).ok());
  auto seg = Open(0, interval);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  EXPECT_EQ(seg->size(), batches.back().pos + batches.back().size);
  EXPECT_EQ(seg->next_offset(), batches.back().last_offset + 1);
  EXPECT_EQ(seg->max_timestamp(), max_ts);
  EXPECT_EQ(seg->index().offset_entries(), entries);
  for (int64_t o = 0; o <= seg->next_offset(); ++o) {
    EXPECT_EQ(seg->FindBatchPosition(o, seg->size()).value(), answers[static_cast<size_t>(o)]) << o;
  }
  ExpectPositions(*seg, batches);
  // The rebuilt index was written back.
  EXPECT_EQ(Contents(PathOf(Segment::IndexFileName(0))).size(), entries * kOffsetIndexEntrySize);
  EXPECT_GT(Contents(PathOf(Segment::TimeIndexFileName(0))).size(), 0u);
}

TEST_F(SegmentTest, RecoverTrustedDoesNotIndexTheLastIndexedBatchTwice) {
  // With interval 0 every batch has an entry; recovery re-reads the last indexed batch.
  {
    auto seg = Create(0, 0);
    AppendAssorted(*seg, 4);
    ASSERT_TRUE(seg->Sync().ok());
    ASSERT_TRUE(seg->SyncIndexes().ok());
  }
  auto seg = Open(0, 0);
  ASSERT_TRUE(seg->RecoverTrusted(std::nullopt).ok());
  EXPECT_EQ(seg->index().offset_entries(), 4u);
  ASSERT_TRUE(seg->SyncIndexes().ok());
  EXPECT_EQ(Contents(PathOf(Segment::IndexFileName(0))).size(), 4 * kOffsetIndexEntrySize);
  // The file loads back whole.
  seg.reset();
  auto again = Open(0, 0);
  ASSERT_TRUE(again->RecoverTrusted(std::nullopt).ok());
  EXPECT_EQ(again->index().offset_entries(), 4u);
}

TEST_F(SegmentTest, RecoverTailDoesNotIndexTheBatchItStartsFromTwice) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 4);
    ASSERT_TRUE(seg->Sync().ok());
    ASSERT_TRUE(seg->SyncIndexes().ok());
  }
  auto seg = Open(0, 0);
  auto r = seg->RecoverTail(batches[2].base_offset, 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bytes_scanned, seg->size() - batches[2].pos);
  EXPECT_EQ(seg->index().offset_entries(), 4u);
  ASSERT_TRUE(seg->SyncIndexes().ok());
  EXPECT_EQ(Contents(PathOf(Segment::IndexFileName(0))).size(), 4 * kOffsetIndexEntrySize);
}

TEST_F(SegmentTest, RecoverTrustedKeepsBytesOfABadBatchAndEndsAtTheNextSegment) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, kNoIndex);
    batches = AppendAssorted(*seg, 4);
    ASSERT_TRUE(seg->Sync().ok());
  }
  FlipByte(PathOf(Segment::LogFileName(0)), batches[1].pos + kBatchHeaderSize + 2);
  auto seg = Open(0, kNoIndex);
  Status s = seg->RecoverTrusted(int64_t{500});
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_EQ(seg->size(), batches.back().pos + batches.back().size);
  EXPECT_EQ(seg->next_offset(), 500);
  EXPECT_EQ(seg->ReadVerified(batches[1].pos, batches[2].pos).status().code(),
            StatusCode::kCorruption);
}

TEST_F(SegmentTest, RecoverTailTruncatesATornLastBatch) {
  for (uint32_t interval : {uint32_t{0}, uint32_t{300}, kNoIndex}) {
    SCOPED_TRACE(fmt::format("interval {}", interval));
    std::vector<Stored> batches;
    {
      auto seg = Create(0, interval);
      batches = AppendAssorted(*seg, 6);
      ASSERT_TRUE(seg->Sync().ok());
      ASSERT_TRUE(seg->SyncIndexes().ok());
    }
    const Stored& last = batches.back();
    Buffer data = Contents(PathOf(Segment::LogFileName(0)));
    data.resize(data.size() - 10);  // the last batch lost its tail
    ASSERT_TRUE(fs_.SetContents(PathOf(Segment::LogFileName(0)), data));

    auto seg = Open(0, interval);
    auto r = seg->RecoverTail(/*from_offset=*/0, /*durable_offset=*/0);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->bytes_truncated, last.size - 10);
    EXPECT_EQ(r->bytes_scanned, last.pos);
    EXPECT_FALSE(r->damaged_durable_data);
    EXPECT_EQ(seg->size(), last.pos);
    EXPECT_EQ(seg->log_file().Size(), last.pos);
    EXPECT_EQ(seg->next_offset(), last.base_offset);
    auto entry = seg->index().LastOffsetEntry();
    ASSERT_TRUE(entry.has_value());
    EXPECT_LT(entry->position, last.pos) << "no index entry for the cut batch";
    batches.pop_back();
    ExpectPositions(*seg, batches);
    // The log goes on where the torn batch was.
    Stored again = Append(*seg, 2, 77);
    EXPECT_EQ(again.base_offset, last.base_offset);
    EXPECT_EQ(again.pos, last.pos);
    ASSERT_TRUE(seg->RemoveFiles().ok());
  }
}

TEST_F(SegmentTest, RecoverTailCutsGarbageAfterTheLastBatchAndScansFromTheIndex) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 6);
    ASSERT_TRUE(seg->Sync().ok());
    ASSERT_TRUE(seg->SyncIndexes().ok());
  }
  Buffer data = Contents(PathOf(Segment::LogFileName(0)));
  const uint64_t good_size = data.size();
  data.insert(data.end(), 30, 0xEE);
  ASSERT_TRUE(fs_.SetContents(PathOf(Segment::LogFileName(0)), data));
  auto seg = Open(0, 0);
  // From the fourth batch: only it and what follows are scanned.
  auto r = seg->RecoverTail(batches[3].base_offset, batches[3].base_offset);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bytes_truncated, 30u);
  EXPECT_EQ(r->bytes_scanned, good_size - batches[3].pos);
  EXPECT_FALSE(r->damaged_durable_data);
  EXPECT_EQ(seg->size(), good_size);
  EXPECT_EQ(seg->next_offset(), batches.back().last_offset + 1);
  ExpectPositions(*seg, batches);
}

TEST_F(SegmentTest, RecoverTailKeepsDamagedDurableData) {
  std::vector<Stored> batches;
  {
    auto seg = Create(0, 0);
    batches = AppendAssorted(*seg, 5);
    ASSERT_TRUE(seg->Sync().ok());
    ASSERT_TRUE(seg->SyncIndexes().ok());
  }
  const uint64_t file_size = batches.back().pos + batches.back().size;
  FlipByte(PathOf(Segment::LogFileName(0)), batches[2].pos + kBatchHeaderSize + 4);
  auto seg = Open(0, 0);
  const int64_t durable = batches.back().last_offset + 1;
  auto r = seg->RecoverTail(0, durable);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->damaged_durable_data);
  EXPECT_EQ(r->bytes_truncated, 0u);
  EXPECT_EQ(seg->size(), file_size);
  EXPECT_EQ(seg->log_file().Size(), file_size) << "nothing is cut";
  EXPECT_EQ(seg->next_offset(), durable);
  EXPECT_EQ(seg->ReadVerified(batches[2].pos, batches[3].pos).status().code(),
            StatusCode::kCorruption);
}

TEST_F(SegmentTest, RecoverTailFallsBackToAFullScanWhenTheIndexEntryIsWrong) {
  struct Case {
    const char* what;
    int shift;  // where entry 3 points: the start of batch 4, or inside batch 3
  };
  for (const Case& c : {Case{"points at the next batch", 0}, Case{"points inside its batch", 1}}) {
    SCOPED_TRACE(c.what);
    std::vector<Stored> batches;
    {
      auto seg = Create(0, 0);
      batches = AppendAssorted(*seg, 8);
      ASSERT_TRUE(seg->Sync().ok());
      ASSERT_TRUE(seg->SyncIndexes().ok());
    }
    const uint64_t file_size = batches.back().pos + batches.back().size;
    const std::string index_path = PathOf(Segment::IndexFileName(0));
    Buffer index = Contents(index_path);
    ASSERT_EQ(index.size(), batches.size() * kOffsetIndexEntrySize);
    // Entry 3 keeps its offset but gets a wrong position; later entries stay increasing.
    uint64_t wrong = c.shift == 0 ? batches[4].pos : batches[3].pos + 7;
    StoreBigEndian<uint32_t>(&index[3 * kOffsetIndexEntrySize + 4], static_cast<uint32_t>(wrong));
    if (c.shift == 0) index.resize(4 * kOffsetIndexEntrySize);  // keep positions increasing
    ASSERT_TRUE(fs_.SetContents(index_path, index));

    auto seg = Open(0, 0);
    auto r = seg->RecoverTail(batches[3].base_offset, 0);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->bytes_truncated, 0u) << "nothing lost";
    EXPECT_EQ(r->bytes_scanned, file_size) << "a full scan";
    EXPECT_FALSE(r->damaged_durable_data);
    EXPECT_EQ(seg->size(), file_size);
    EXPECT_EQ(seg->log_file().Size(), file_size);
    EXPECT_EQ(seg->next_offset(), batches.back().last_offset + 1);
    ExpectPositions(*seg, batches);
    ASSERT_TRUE(seg->RemoveFiles().ok());
  }
}

TEST_F(SegmentTest, RemoveFilesDeletesAllThreeButHandlesStayReadable) {
  auto seg = Create(7, 0);
  std::vector<Stored> batches = AppendAssorted(*seg, 3);
  ASSERT_TRUE(seg->Sync().ok());
  Buffer before = Contents(seg->log_path());
  ASSERT_TRUE(seg->RemoveFiles().ok());
  EXPECT_FALSE(fs_.Exists(PathOf(Segment::LogFileName(7))));
  EXPECT_FALSE(fs_.Exists(PathOf(Segment::IndexFileName(7))));
  EXPECT_FALSE(fs_.Exists(PathOf(Segment::TimeIndexFileName(7))));
  auto list = fs_.ListDir(kDir);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  auto read = seg->ReadVerified(0, seg->size());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, before);
  EXPECT_EQ(seg->FindBatchPosition(batches[2].base_offset, seg->size()).value(), batches[2].pos);
  EXPECT_EQ(seg->RemoveFiles().code(), StatusCode::kNotFound) << "the log is gone already";
}

TEST_F(SegmentTest, RemoveFilesToleratesMissingIndexFiles) {
  auto seg = Create(0, 0);
  AppendAssorted(*seg, 2);
  ASSERT_TRUE(fs_.Remove(PathOf(Segment::TimeIndexFileName(0))).ok());
  ASSERT_TRUE(seg->RemoveFiles().ok());
  EXPECT_FALSE(fs_.Exists(PathOf(Segment::LogFileName(0))));
  EXPECT_FALSE(fs_.Exists(PathOf(Segment::IndexFileName(0))));
}

}  // namespace
}  // namespace herald::storage
