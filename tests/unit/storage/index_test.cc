#include "storage/index.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"

namespace herald::storage {
namespace {

constexpr char kOffsetPath[] = "/idx/00000000000000000000.index";
constexpr char kTimePath[] = "/idx/00000000000000000000.timeindex";

Buffer EncodeOffsets(const std::vector<OffsetIndexEntry>& entries) {
  Buffer out;
  BufferWriter w(out);
  for (const auto& e : entries) {
    w.Int<uint32_t>(e.relative_offset);
    w.Int<uint32_t>(e.position);
  }
  return out;
}

Buffer EncodeTimes(const std::vector<TimeIndexEntry>& entries) {
  Buffer out;
  BufferWriter w(out);
  for (const auto& e : entries) {
    w.Int<int64_t>(e.timestamp);
    w.Int<uint32_t>(e.relative_offset);
  }
  return out;
}

class SegmentIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mem_.CreateDir("/idx").ok()); }

  // A SegmentIndex over the two files, opened through `fs` (created when missing).
  std::unique_ptr<SegmentIndex> MakeIndex(FileSystem& fs) {
    auto offsets = fs.Open(kOffsetPath, OpenMode::kCreateOrOpen);
    auto times = fs.Open(kTimePath, OpenMode::kCreateOrOpen);
    EXPECT_TRUE(offsets.ok()) << offsets.status().ToString();
    EXPECT_TRUE(times.ok()) << times.status().ToString();
    if (!offsets.ok() || !times.ok()) return nullptr;
    return std::make_unique<SegmentIndex>(std::move(offsets).value(), std::move(times).value());
  }
  std::unique_ptr<SegmentIndex> MakeIndex() { return MakeIndex(mem_); }

  // Writes raw file contents (creating the files first).
  void WriteFiles(const Buffer& offsets, const Buffer& times) {
    for (const char* path : {kOffsetPath, kTimePath}) {
      auto f = mem_.Open(path, OpenMode::kCreateOrOpen);
      ASSERT_TRUE(f.ok());
    }
    ASSERT_TRUE(mem_.SetContents(kOffsetPath, offsets));
    ASSERT_TRUE(mem_.SetContents(kTimePath, times));
  }

  Buffer Contents(const std::string& path) {
    Buffer out;
    EXPECT_TRUE(mem_.GetContents(path, &out)) << path;
    return out;
  }

  // Four offset entries every 100 bytes and matching time entries.
  static void AddFour(SegmentIndex& index) {
    for (uint32_t i = 0; i < 4; ++i) {
      index.AddOffset({i * 10, i * 100});
      index.AddTime({1000 + int64_t{i} * 100, i * 10});
    }
  }

  MemFileSystem mem_;
};

TEST_F(SegmentIndexTest, EmptyIndexAnswersNothing) {
  auto index = MakeIndex();
  EXPECT_FALSE(index->FloorOffset(0).has_value());
  EXPECT_FALSE(index->FloorOffset(1000).has_value());
  EXPECT_FALSE(index->FloorPosition(1000).has_value());
  EXPECT_FALSE(index->FloorTime(1'000'000).has_value());
  EXPECT_FALSE(index->LastOffsetEntry().has_value());
  EXPECT_FALSE(index->LastTimeEntry().has_value());
  EXPECT_EQ(index->offset_entries(), 0u);
}

TEST_F(SegmentIndexTest, FloorOffsetReturnsTheLastEntryAtOrBelow) {
  auto index = MakeIndex();
  index->AddOffset({5, 100});
  index->AddOffset({10, 200});
  index->AddOffset({20, 300});
  EXPECT_EQ(index->offset_entries(), 3u);
  EXPECT_FALSE(index->FloorOffset(4).has_value());
  struct Case {
    uint32_t rel;
    uint32_t want_rel;
    uint32_t want_pos;
  };
  for (const Case& c : {Case{5, 5, 100}, Case{6, 5, 100}, Case{9, 5, 100}, Case{10, 10, 200},
                        Case{19, 10, 200}, Case{20, 20, 300}, Case{1'000'000, 20, 300}}) {
    auto e = index->FloorOffset(c.rel);
    ASSERT_TRUE(e.has_value()) << c.rel;
    EXPECT_EQ(e->relative_offset, c.want_rel) << c.rel;
    EXPECT_EQ(e->position, c.want_pos) << c.rel;
    EXPECT_TRUE(e->trusted) << "entries added in this process are trusted";
  }
}

TEST_F(SegmentIndexTest, FloorPositionReturnsTheLastEntryAtOrBelow) {
  auto index = MakeIndex();
  index->AddOffset({0, 0});
  index->AddOffset({10, 4096});
  index->AddOffset({20, 8200});
  struct Case {
    uint64_t pos;
    uint32_t want_rel;
  };
  for (const Case& c : {Case{0, 0}, Case{1, 0}, Case{4095, 0}, Case{4096, 10}, Case{8199, 10},
                        Case{8200, 20}, Case{uint64_t{1} << 40, 20}}) {
    auto e = index->FloorPosition(c.pos);
    ASSERT_TRUE(e.has_value()) << c.pos;
    EXPECT_EQ(e->relative_offset, c.want_rel) << c.pos;
  }
  auto late = MakeIndex();
  ASSERT_TRUE(late->Clear().ok());
  late->AddOffset({3, 50});
  EXPECT_FALSE(late->FloorPosition(49).has_value());
  EXPECT_EQ(late->FloorPosition(50)->relative_offset, 3u);
}

TEST_F(SegmentIndexTest, FloorTimeReturnsTheLastEntryStrictlyOlder) {
  auto index = MakeIndex();
  index->AddTime({100, 0});
  index->AddTime({200, 7});
  index->AddTime({300, 9});
  EXPECT_FALSE(index->FloorTime(50).has_value());
  EXPECT_FALSE(index->FloorTime(100).has_value()) << "an entry at ts itself is not below ts";
  struct Case {
    int64_t ts;
    int64_t want_ts;
    uint32_t want_rel;
  };
  for (const Case& c : {Case{101, 100, 0}, Case{200, 100, 0}, Case{201, 200, 7}, Case{300, 200, 7},
                        Case{301, 300, 9}, Case{1'000'000, 300, 9}}) {
    auto e = index->FloorTime(c.ts);
    ASSERT_TRUE(e.has_value()) << c.ts;
    EXPECT_EQ(e->timestamp, c.want_ts) << c.ts;
    EXPECT_EQ(e->relative_offset, c.want_rel) << c.ts;
  }
}

TEST_F(SegmentIndexTest, LastEntriesFollowAdds) {
  auto index = MakeIndex();
  index->AddOffset({0, 0});
  index->AddTime({10, 0});
  EXPECT_EQ(index->LastOffsetEntry()->position, 0u);
  index->AddOffset({4, 123});
  index->AddTime({55, 4});
  auto last = index->LastOffsetEntry();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->relative_offset, 4u);
  EXPECT_EQ(last->position, 123u);
  auto last_time = index->LastTimeEntry();
  ASSERT_TRUE(last_time.has_value());
  EXPECT_EQ(last_time->timestamp, 55);
  EXPECT_EQ(last_time->relative_offset, 4u);
}

TEST_F(SegmentIndexTest, PersistWritesOnlyNewEntriesBigEndian) {
  auto index = MakeIndex();
  index->AddOffset({0x01020304, 0x0A0B0C0D});
  index->AddTime({0x1122334455667788, 0x01020304});
  EXPECT_EQ(Contents(kOffsetPath).size(), 0u) << "entries reach the file only on Persist";
  ASSERT_TRUE(index->Persist(false).ok());
  Buffer offsets = Contents(kOffsetPath);
  Buffer times = Contents(kTimePath);
  EXPECT_EQ(offsets, (Buffer{0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D}));
  EXPECT_EQ(times,
            (Buffer{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x01, 0x02, 0x03, 0x04}));

  ASSERT_TRUE(index->Persist(true).ok());
  EXPECT_EQ(Contents(kOffsetPath).size(), kOffsetIndexEntrySize) << "nothing new: nothing written";
  EXPECT_EQ(Contents(kTimePath).size(), kTimeIndexEntrySize);

  index->AddOffset({0x01020305, 0x0A0B0D00});
  index->AddOffset({0x01020306, 0x0A0B0E00});
  index->AddTime({0x1122334455667799, 0x01020306});
  ASSERT_TRUE(index->Persist(true).ok());
  offsets = Contents(kOffsetPath);
  times = Contents(kTimePath);
  ASSERT_EQ(offsets.size(), 3 * kOffsetIndexEntrySize);
  ASSERT_EQ(times.size(), 2 * kTimeIndexEntrySize);
  EXPECT_EQ(offsets,
            EncodeOffsets(
                {{0x01020304, 0x0A0B0C0D}, {0x01020305, 0x0A0B0D00}, {0x01020306, 0x0A0B0E00}}));
  EXPECT_EQ(times,
            EncodeTimes({{0x1122334455667788, 0x01020304}, {0x1122334455667799, 0x01020306}}));
  EXPECT_EQ(LoadBigEndian<uint32_t>(&offsets[16]), 0x01020306u);
  EXPECT_EQ(LoadBigEndian<uint32_t>(&offsets[20]), 0x0A0B0E00u);
  EXPECT_EQ(LoadBigEndian<int64_t>(&times[12]), 0x1122334455667799);
  EXPECT_EQ(LoadBigEndian<uint32_t>(&times[20]), 0x01020306u);
}

TEST_F(SegmentIndexTest, PersistedEntriesLoadBackUntrustedUntilMarked) {
  {
    auto index = MakeIndex();
    AddFour(*index);
    ASSERT_TRUE(index->Persist(true).ok());
  }
  auto index = MakeIndex();
  auto report = index->Load(1000);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->offset_intact);
  EXPECT_TRUE(report->time_intact);
  EXPECT_EQ(index->offset_entries(), 4u);
  EXPECT_EQ(index->LastTimeEntry()->timestamp, 1300);
  auto e = index->FloorOffset(25);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->relative_offset, 20u);
  EXPECT_EQ(e->position, 200u);
  EXPECT_FALSE(e->trusted);
  index->MarkTrusted(20);
  EXPECT_TRUE(index->FloorOffset(25)->trusted);
  EXPECT_TRUE(index->FloorPosition(250)->trusted);
  EXPECT_FALSE(index->FloorOffset(15)->trusted) << "only the marked entry";
  // A new entry is trusted, and Persist appends only it.
  index->AddOffset({40, 400});
  EXPECT_TRUE(index->FloorOffset(40)->trusted);
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath).size(), 5 * kOffsetIndexEntrySize);
  EXPECT_EQ(Contents(kTimePath).size(), 4 * kTimeIndexEntrySize);
}

TEST_F(SegmentIndexTest, LoadCutsAPartialTrailingEntry) {
  Buffer offsets = EncodeOffsets({{0, 0}, {10, 100}});
  offsets.insert(offsets.end(), {0x00, 0x00, 0x00});
  Buffer times = EncodeTimes({{500, 0}, {600, 10}});
  times.insert(times.end(), {0x01, 0x02, 0x03, 0x04, 0x05});
  WriteFiles(offsets, times);
  auto index = MakeIndex();
  auto report = index->Load(1000);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->offset_intact);
  EXPECT_FALSE(report->time_intact);
  EXPECT_EQ(index->offset_entries(), 2u);
  EXPECT_EQ(index->LastTimeEntry()->timestamp, 600);
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{500, 0}, {600, 10}}));
  // New entries land right after the kept prefix.
  index->AddOffset({20, 200});
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}, {20, 200}}));
}

TEST_F(SegmentIndexTest, LoadStopsAtTheFirstNonIncreasingOffsetEntry) {
  struct Case {
    const char* what;
    std::vector<OffsetIndexEntry> entries;
    size_t keep;
  };
  std::vector<Case> cases = {
      {"repeated offset", {{0, 0}, {5, 100}, {5, 200}, {9, 300}}, 2},
      {"decreasing offset", {{0, 0}, {5, 100}, {4, 200}, {9, 300}}, 2},
      {"repeated position", {{0, 0}, {5, 100}, {7, 100}, {9, 300}}, 2},
      {"decreasing position", {{0, 0}, {5, 100}, {7, 50}, {9, 300}}, 2},
      {"bad second entry", {{3, 10}, {2, 100}}, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WriteFiles(EncodeOffsets(c.entries), {});
    auto index = MakeIndex();
    auto report = index->Load(1000);
    ASSERT_TRUE(report.ok());
    EXPECT_FALSE(report->offset_intact);
    EXPECT_TRUE(report->time_intact);
    EXPECT_EQ(index->offset_entries(), c.keep);
    std::vector<OffsetIndexEntry> kept(c.entries.begin(),
                                       c.entries.begin() + static_cast<ptrdiff_t>(c.keep));
    EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets(kept));
    EXPECT_EQ(index->LastOffsetEntry()->position, kept.back().position);
    EXPECT_EQ(index->FloorOffset(1000)->relative_offset, kept.back().relative_offset);
  }
}

TEST_F(SegmentIndexTest, LoadDropsOffsetEntriesAtOrPastTheLogSize) {
  WriteFiles(EncodeOffsets({{0, 0}, {5, 100}, {9, 250}, {12, 300}}), {});
  auto index = MakeIndex();
  auto report = index->Load(250);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->offset_intact);
  EXPECT_EQ(index->offset_entries(), 2u);
  EXPECT_EQ(index->LastOffsetEntry()->relative_offset, 5u);
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {5, 100}}));

  // Just inside the log is fine.
  WriteFiles(EncodeOffsets({{0, 0}, {5, 100}, {9, 249}}), {});
  auto whole = MakeIndex();
  auto whole_report = whole->Load(250);
  ASSERT_TRUE(whole_report.ok());
  EXPECT_TRUE(whole_report->offset_intact);
  EXPECT_EQ(whole->offset_entries(), 3u);

  // An empty log keeps no entry at all.
  WriteFiles(EncodeOffsets({{0, 0}}), {});
  auto empty = MakeIndex();
  auto empty_report = empty->Load(0);
  ASSERT_TRUE(empty_report.ok());
  EXPECT_FALSE(empty_report->offset_intact);
  EXPECT_EQ(empty->offset_entries(), 0u);
  EXPECT_TRUE(Contents(kOffsetPath).empty());
}

TEST_F(SegmentIndexTest, LoadDropsTimeEntriesPastTheLastOffsetEntry) {
  WriteFiles(EncodeOffsets({{0, 0}, {9, 100}}),
             EncodeTimes({{10, 0}, {20, 5}, {30, 9}, {40, 12}, {50, 15}}));
  auto index = MakeIndex();
  auto report = index->Load(1000);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->offset_intact);
  EXPECT_FALSE(report->time_intact);
  auto last = index->LastTimeEntry();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->timestamp, 30);
  EXPECT_EQ(last->relative_offset, 9u);
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{10, 0}, {20, 5}, {30, 9}}));
}

TEST_F(SegmentIndexTest, LoadDropsEveryTimeEntryWhenNoOffsetEntrySurvives) {
  // The only offset entry points past the log, so no time entry can stand.
  WriteFiles(EncodeOffsets({{0, 500}}), EncodeTimes({{10, 0}}));
  auto index = MakeIndex();
  auto report = index->Load(100);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->offset_intact);
  EXPECT_FALSE(report->time_intact);
  EXPECT_FALSE(index->LastTimeEntry().has_value());
  EXPECT_TRUE(Contents(kOffsetPath).empty());
  EXPECT_TRUE(Contents(kTimePath).empty());
}

TEST_F(SegmentIndexTest, LoadStopsAtTheFirstNonIncreasingTimeEntry) {
  struct Case {
    const char* what;
    std::vector<TimeIndexEntry> entries;
    size_t keep;
  };
  std::vector<Case> cases = {
      {"repeated timestamp", {{10, 0}, {20, 5}, {20, 7}, {30, 9}}, 2},
      {"older timestamp", {{10, 0}, {20, 5}, {15, 7}, {30, 9}}, 2},
      {"repeated offset", {{10, 0}, {20, 5}, {25, 5}, {30, 9}}, 2},
      {"decreasing offset", {{10, 0}, {20, 5}, {25, 3}, {30, 9}}, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WriteFiles(EncodeOffsets({{0, 0}, {9, 100}}), EncodeTimes(c.entries));
    auto index = MakeIndex();
    auto report = index->Load(1000);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->offset_intact);
    EXPECT_FALSE(report->time_intact);
    std::vector<TimeIndexEntry> kept(c.entries.begin(),
                                     c.entries.begin() + static_cast<ptrdiff_t>(c.keep));
    EXPECT_EQ(Contents(kTimePath), EncodeTimes(kept));
    EXPECT_EQ(index->LastTimeEntry()->timestamp, kept.back().timestamp);
    EXPECT_EQ(index->FloorTime(1000)->timestamp, kept.back().timestamp);
  }
}

TEST_F(SegmentIndexTest, LoadReplacesWhatWasInMemory) {
  WriteFiles(EncodeOffsets({{0, 0}, {9, 100}}), EncodeTimes({{10, 0}}));
  auto index = MakeIndex();
  index->AddOffset({50, 900});
  index->AddTime({99, 50});
  ASSERT_TRUE(index->Load(1000).ok());
  EXPECT_EQ(index->offset_entries(), 2u);
  EXPECT_EQ(index->LastOffsetEntry()->relative_offset, 9u);
  EXPECT_EQ(index->LastTimeEntry()->timestamp, 10);
}

TEST_F(SegmentIndexTest, TruncateToDropsEntriesInMemoryAndInTheFiles) {
  auto index = MakeIndex();
  AddFour(*index);  // offsets (0,0) (10,100) (20,200) (30,300); times at rel 0, 10, 20, 30
  ASSERT_TRUE(index->Persist(false).ok());
  ASSERT_TRUE(index->TruncateTo(200, 20).ok());
  EXPECT_EQ(index->offset_entries(), 2u);
  EXPECT_EQ(index->LastOffsetEntry()->relative_offset, 10u);
  EXPECT_EQ(index->FloorPosition(10'000)->position, 100u);
  EXPECT_EQ(index->LastTimeEntry()->relative_offset, 10u);
  EXPECT_EQ(index->LastTimeEntry()->timestamp, 1100);
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{1000, 0}, {1100, 10}}));

  // Later entries are appended after the kept ones, with no gap or duplicate.
  index->AddOffset({15, 150});
  index->AddTime({1150, 15});
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}, {15, 150}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{1000, 0}, {1100, 10}, {1150, 15}}));
}

TEST_F(SegmentIndexTest, TruncateToBoundsAreExclusive) {
  auto index = MakeIndex();
  AddFour(*index);
  // Position 201 keeps the entry at 200; relative offset 21 keeps the time entry at 20.
  ASSERT_TRUE(index->TruncateTo(201, 21).ok());
  EXPECT_EQ(index->offset_entries(), 3u);
  EXPECT_EQ(index->LastTimeEntry()->relative_offset, 20u);
  // Offsets and times are cut independently.
  ASSERT_TRUE(index->TruncateTo(1000, 1).ok());
  EXPECT_EQ(index->offset_entries(), 3u);
  EXPECT_EQ(index->LastTimeEntry()->relative_offset, 0u);
  ASSERT_TRUE(index->TruncateTo(0, 0).ok());
  EXPECT_EQ(index->offset_entries(), 0u);
  EXPECT_FALSE(index->LastTimeEntry().has_value());
}

TEST_F(SegmentIndexTest, TruncateToOfUnpersistedEntriesLeavesTheFilesAlone) {
  auto index = MakeIndex();
  index->AddOffset({0, 0});
  index->AddOffset({10, 100});
  index->AddTime({1000, 0});
  ASSERT_TRUE(index->Persist(false).ok());
  index->AddOffset({20, 200});
  index->AddOffset({30, 300});
  index->AddTime({1200, 20});
  ASSERT_TRUE(index->TruncateTo(300, 30).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}}));
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}, {20, 200}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{1000, 0}, {1200, 20}}));
}

TEST_F(SegmentIndexTest, TruncateToKeepsTrustOfLoadedEntries) {
  WriteFiles(EncodeOffsets({{0, 0}, {10, 100}, {20, 200}}), {});
  auto index = MakeIndex();
  ASSERT_TRUE(index->Load(1000).ok());
  index->MarkTrusted(10);
  ASSERT_TRUE(index->TruncateTo(200, 20).ok());
  EXPECT_TRUE(index->FloorOffset(10)->trusted);
  EXPECT_FALSE(index->FloorOffset(0)->trusted);
  // An entry added where a loaded (untrusted) one was cut is trusted.
  index->AddOffset({25, 250});
  EXPECT_TRUE(index->FloorOffset(25)->trusted);
}

TEST_F(SegmentIndexTest, ClearEmptiesMemoryAndFiles) {
  auto index = MakeIndex();
  AddFour(*index);
  ASSERT_TRUE(index->Persist(true).ok());
  ASSERT_FALSE(Contents(kOffsetPath).empty());
  ASSERT_TRUE(index->Clear().ok());
  EXPECT_EQ(index->offset_entries(), 0u);
  EXPECT_FALSE(index->LastOffsetEntry().has_value());
  EXPECT_FALSE(index->LastTimeEntry().has_value());
  EXPECT_FALSE(index->FloorOffset(100).has_value());
  EXPECT_FALSE(index->FloorTime(1'000'000).has_value());
  EXPECT_TRUE(Contents(kOffsetPath).empty());
  EXPECT_TRUE(Contents(kTimePath).empty());
  // The next Persist starts the files over.
  index->AddOffset({7, 70});
  index->AddTime({77, 7});
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{7, 70}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{77, 7}}));
}

TEST_F(SegmentIndexTest, ClearForgetsLoadedEntries) {
  WriteFiles(EncodeOffsets({{0, 0}, {10, 100}}), EncodeTimes({{5, 0}}));
  auto index = MakeIndex();
  ASSERT_TRUE(index->Load(1000).ok());
  ASSERT_TRUE(index->Clear().ok());
  index->AddOffset({0, 0});
  EXPECT_TRUE(index->FloorOffset(0)->trusted) << "a new entry after Clear is trusted";
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}}));
  EXPECT_TRUE(Contents(kTimePath).empty());
}

TEST_F(SegmentIndexTest, PersistAfterAFailedPersistWritesEachEntryOnce) {
  FaultFileSystem faulty(mem_);
  auto index = MakeIndex(faulty);
  index->AddOffset({0, 0});
  index->AddOffset({10, 100});
  index->AddTime({1000, 0});
  index->AddTime({1100, 10});
  faulty.SetSpaceLeft(4);  // not even one offset entry fits
  Status failed = index->Persist(false);
  EXPECT_EQ(failed.code(), StatusCode::kNoSpace) << failed.ToString();
  EXPECT_TRUE(Contents(kOffsetPath).empty());
  EXPECT_TRUE(Contents(kTimePath).empty());
  faulty.ClearSpaceLimit();
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{1000, 0}, {1100, 10}}));
  ASSERT_TRUE(index->Persist(false).ok());
  EXPECT_EQ(Contents(kOffsetPath).size(), 2 * kOffsetIndexEntrySize);
  EXPECT_EQ(Contents(kTimePath).size(), 2 * kTimeIndexEntrySize);
}

TEST_F(SegmentIndexTest, PersistThatFailsOnTheTimeFileDoesNotRewriteOffsets) {
  FaultFileSystem faulty(mem_);
  auto index = MakeIndex(faulty);
  index->AddOffset({0, 0});
  index->AddOffset({10, 100});
  index->AddTime({1000, 0});
  faulty.SetSpaceLeft(2 * kOffsetIndexEntrySize + 3);  // the offsets fit, the time entry not
  EXPECT_EQ(index->Persist(false).code(), StatusCode::kNoSpace);
  EXPECT_EQ(Contents(kOffsetPath).size(), 2 * kOffsetIndexEntrySize);
  EXPECT_TRUE(Contents(kTimePath).empty());
  faulty.ClearSpaceLimit();
  index->AddOffset({20, 200});
  ASSERT_TRUE(index->Persist(true).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}, {10, 100}, {20, 200}}));
  EXPECT_EQ(Contents(kTimePath), EncodeTimes({{1000, 0}}));
  // The files load back whole.
  auto reloaded = MakeIndex();
  auto report = reloaded->Load(1000);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->offset_intact);
  EXPECT_TRUE(report->time_intact);
  EXPECT_EQ(reloaded->offset_entries(), 3u);
}

TEST_F(SegmentIndexTest, PersistSyncFailureIsReportedAndEntriesAreNotRewritten) {
  FaultFileSystem faulty(mem_);
  auto index = MakeIndex(faulty);
  index->AddOffset({0, 0});
  faulty.FailSyncs(true);
  EXPECT_EQ(index->Persist(true).code(), StatusCode::kIoError);
  faulty.FailSyncs(false);
  ASSERT_TRUE(index->Persist(true).ok());
  EXPECT_EQ(Contents(kOffsetPath), EncodeOffsets({{0, 0}}));
}

}  // namespace
}  // namespace herald::storage
