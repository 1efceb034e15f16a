#include "storage/aborted_txns.h"

#include <gtest/gtest.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"

namespace herald::storage {
namespace {

const std::string kPath = std::string("/p/") + kAbortedTxnsName;

class AbortedTxnIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDir("/p").ok()); }

  std::unique_ptr<AbortedTxnIndex> Open(int64_t start, int64_t end) {
    auto index = AbortedTxnIndex::Open(fs_, kPath, start, end);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? std::move(index).value() : nullptr;
  }

  MemFileSystem fs_;
};

// Kafka's transaction index entry: version 0, producer id, first offset, last offset, last
// stable offset, big-endian, 34 bytes.
TEST_F(AbortedTxnIndexTest, EntriesHaveKafkasLayout) {
  uint8_t bytes[kAbortedTxnEntrySize];
  EncodeAbortedTxn({0x0102030405060708, 9, 10, 11}, bytes);
  const uint8_t want[kAbortedTxnEntrySize] = {0, 0, 1, 2, 3, 4, 5, 6, 7,  8, 0, 0, 0, 0, 0, 0, 0,
                                              9, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 11};
  EXPECT_EQ(Buffer(bytes, bytes + sizeof bytes), Buffer(want, want + sizeof want));
  EXPECT_EQ(*DecodeAbortedTxn(ByteView(bytes, sizeof bytes)),
            (AbortedTxn{0x0102030405060708, 9, 10, 11}));
  bytes[1] = 1;  // version 1
  EXPECT_EQ(DecodeAbortedTxn(ByteView(bytes, sizeof bytes)).status().code(),
            StatusCode::kCorruption);
}

// A fetch from `start` up to `upper` gets every aborted transaction with records in that range,
// including one whose marker lies past `upper`.
TEST_F(AbortedTxnIndexTest, AFetchGetsTheTransactionsOverlappingItsRange) {
  auto index = Open(0, 0);
  ASSERT_TRUE(index->Append({1, 0, 4, 5}).ok());
  ASSERT_TRUE(index->Append({2, 3, 9, 10}).ok());
  ASSERT_TRUE(index->Append({3, 12, 12, 13}).ok());
  EXPECT_EQ(index->Overlapping(0, 100).size(), 3u);
  EXPECT_EQ(index->Overlapping(5, 8), (std::vector<AbortedTxn>{{2, 3, 9, 10}}));
  EXPECT_EQ(index->Overlapping(0, 3), (std::vector<AbortedTxn>{{1, 0, 4, 5}}));
  EXPECT_TRUE(index->Overlapping(10, 12).empty());
  EXPECT_EQ(index->Overlapping(12, 13), (std::vector<AbortedTxn>{{3, 12, 12, 13}}));
  EXPECT_EQ(index->last_marker_offset(), 12);
  // Markers come in order; a transaction ends at or after its first record.
  EXPECT_EQ(index->Append({4, 11, 12, 13}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Append({4, 20, 15, 16}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->size(), 3u);
}

// What was appended is read back; a marker the log lost (at or past its end) and entries before
// its start are dropped, and the file is rewritten without them.
TEST_F(AbortedTxnIndexTest, ReopeningKeepsWhatTheLogStillHolds) {
  {
    auto index = Open(0, 0);
    ASSERT_TRUE(index->Append({1, 0, 4, 5}).ok());
    ASSERT_TRUE(index->Append({2, 6, 9, 10}).ok());
    ASSERT_TRUE(index->Append({3, 11, 12, 13}).ok());
  }
  fs_.SimulateCrash(1);  // every entry was synced
  fs_.Restart();
  auto index = Open(5, 12);
  EXPECT_EQ(index->Overlapping(0, 100), (std::vector<AbortedTxn>{{2, 6, 9, 10}}));
  EXPECT_EQ(ReadFile(fs_, kPath)->size(), kAbortedTxnEntrySize);
  ASSERT_TRUE(index->Append({3, 11, 12, 13}).ok());  // the coordinator writes the marker again
  index.reset();
  EXPECT_EQ(Open(5, 13)->size(), 2u);
}

TEST_F(AbortedTxnIndexTest, ATornLastEntryIsCutAndDamageRefused) {
  {
    auto index = Open(0, 0);
    ASSERT_TRUE(index->Append({1, 0, 4, 5}).ok());
  }
  uint8_t entry[kAbortedTxnEntrySize];
  EncodeAbortedTxn({2, 5, 7, 8}, entry);
  {
    auto file = fs_.Open(kPath, OpenMode::kReadWrite);
    ASSERT_TRUE((*file)->Append(ByteView(entry, 20)).ok());
  }
  auto index = Open(0, 100);
  EXPECT_EQ(index->size(), 1u);
  EXPECT_EQ(ReadFile(fs_, kPath)->size(), kAbortedTxnEntrySize);
  index.reset();

  // Entries out of order are not a torn write.
  {
    auto file = fs_.Open(kPath, OpenMode::kReadWrite);
    EncodeAbortedTxn({2, 0, 3, 4}, entry);
    ASSERT_TRUE((*file)->Append(ByteView(entry, sizeof entry)).ok());
  }
  auto damaged = AbortedTxnIndex::Open(fs_, kPath, 0, 100);
  EXPECT_EQ(damaged.status().code(), StatusCode::kCorruption);
  // Repair keeps what comes before the damage.
  auto repaired = AbortedTxnIndex::Open(fs_, kPath, 0, 100, /*repair=*/true);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ((*repaired)->Overlapping(0, 100), (std::vector<AbortedTxn>{{1, 0, 4, 5}}));
  repaired->reset();
  EXPECT_TRUE(AbortedTxnIndex::Open(fs_, kPath, 0, 100).ok());
}

// A failed write keeps nothing: neither the entry in memory nor a part of it in the file.
TEST_F(AbortedTxnIndexTest, AFailedAppendLeavesNoEntry) {
  FaultFileSystem faulty(fs_);
  auto opened = AbortedTxnIndex::Open(faulty, kPath, 0, 0);
  ASSERT_TRUE(opened.ok());
  auto& index = *opened;
  faulty.FailSyncs(true);
  EXPECT_FALSE(index->Append({1, 0, 4, 5}).ok());
  faulty.FailSyncs(false);
  EXPECT_EQ(index->size(), 0u);
  EXPECT_EQ(ReadFile(fs_, kPath)->size(), 0u);
  ASSERT_TRUE(index->Append({1, 0, 4, 5}).ok());
  EXPECT_EQ(ReadFile(fs_, kPath)->size(), kAbortedTxnEntrySize);
}

TEST(InAbortedTxnTest, ABatchIsAbortedWhenItsProducersAbortedTransactionSpansIt) {
  const std::vector<AbortedTxn> aborted = {{7, 10, 20, 5}, {8, 30, 40, 30}};
  EXPECT_TRUE(InAbortedTxn(aborted, 7, 10));
  EXPECT_TRUE(InAbortedTxn(aborted, 7, 19));
  EXPECT_FALSE(InAbortedTxn(aborted, 7, 21));  // a later transaction of the same producer
  EXPECT_FALSE(InAbortedTxn(aborted, 7, 9));
  EXPECT_FALSE(InAbortedTxn(aborted, 8, 15));  // another producer's records in between
  EXPECT_TRUE(InAbortedTxn(aborted, 8, 35));
  EXPECT_FALSE(InAbortedTxn({}, 7, 15));
}

}  // namespace
}  // namespace herald::storage
