#include "storage/record_batch.h"

#include <gtest/gtest.h>

namespace herald::storage {
namespace {

TEST(RecordBatchTest, BuildValidateAndIterate) {
  Buffer b = BuildBatch({{"k1", "v1", 1000, {{"h", "x"}}}, {std::nullopt, std::nullopt, 1005, {}}});
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->record_count, 2);
  EXPECT_EQ(h->last_offset_delta, 1);
  EXPECT_EQ(h->max_timestamp, 1005);
  EXPECT_EQ(h->size(), b.size());
  std::vector<RecordView> recs;
  ASSERT_TRUE(ForEachRecord(b, [&](const RecordView& r) { recs.push_back(r); }).ok());
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(AsString(*recs[0].key), "k1");
  EXPECT_EQ(AsString(*recs[0].value), "v1");
  EXPECT_FALSE(recs[1].key.has_value());
  EXPECT_FALSE(recs[1].value.has_value());
  EXPECT_EQ(recs[1].timestamp, 1005);
  EXPECT_EQ(recs[1].offset, 1);
}

TEST(RecordBatchTest, BaseOffsetAndEpochAreOutsideTheCrc) {
  Buffer b = BuildBatch({{"k", "v", 1, {}}});
  SetBaseOffset(b, 12345);
  SetLeaderEpoch(b, 7);
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->base_offset, 12345);
  EXPECT_EQ(h->leader_epoch, 7);
}

TEST(RecordBatchTest, RejectsBadLengthMagicAndCrc) {
  Buffer good = BuildBatch({{"k", "v", 1, {}}});
  Buffer short_batch(good.begin(), good.begin() + 30);
  EXPECT_EQ(ValidateBatch(short_batch).status().code(), StatusCode::kCorruption);

  Buffer longer = good;
  longer.push_back(0);
  auto s = ValidateBatch(longer).status();
  EXPECT_NE(s.message().find("length"), std::string::npos) << s.ToString();

  Buffer magic = good;
  magic[batch_field::kMagic] = 1;
  s = ValidateBatch(magic).status();
  EXPECT_NE(s.message().find("magic"), std::string::npos) << s.ToString();

  Buffer crc = good;
  crc.back() ^= 0x40;
  s = ValidateBatch(crc).status();
  EXPECT_NE(s.message().find("CRC"), std::string::npos) << s.ToString();
}

TEST(RecordBatchTest, RebuildKeepsOffsetsOfKeptRecords) {
  Buffer b = BuildBatch({{"a", "1", 10, {}}, {"b", "2", 11, {}}, {"c", "3", 12, {}}});
  SetBaseOffset(b, 100);
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok());
  std::vector<ByteView> kept;
  ASSERT_TRUE(ForEachRecord(b, [&](const RecordView& r) {
                if (r.offset != 101) kept.push_back(r.raw);
              }).ok());
  Buffer rebuilt = RebuildBatch(*h, kept);
  auto h2 = ValidateBatch(rebuilt);
  ASSERT_TRUE(h2.ok()) << h2.status().ToString();
  EXPECT_EQ(h2->base_offset, 100);
  EXPECT_EQ(h2->last_offset(), 102);
  EXPECT_EQ(h2->record_count, 2);
  std::vector<int64_t> offsets;
  ASSERT_TRUE(ForEachRecord(rebuilt, [&](const RecordView& r) { offsets.push_back(r.offset); }).ok());
  EXPECT_EQ(offsets, (std::vector<int64_t>{100, 102}));
}

TEST(RecordBatchTest, CorruptRecordsAreReported) {
  Buffer b = BuildBatch({{"k", "v", 1, {}}});
  b[kBatchHeaderSize] = 0x7F;  // record length far too large
  EXPECT_EQ(ForEachRecord(b, [](const RecordView&) {}).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace herald::storage
