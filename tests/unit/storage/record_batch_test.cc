#include "storage/record_batch.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/compression.h"

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

// compression.type: the same records, header fields and offsets, in another codec, every way.
TEST(RecordBatchTest, RecompressKeepsRecordsAndHeaderFields) {
  const std::vector<Compression> codecs = {Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd};
  for (Compression from : codecs) {
    Buffer original = BuildBatch({{"k1", "v1", 1000, {{"h", "x"}}},
                                  {std::nullopt, std::nullopt, 1005, {}},
                                  {"k3", "", 990, {}}},
                                 from);
    auto header = ValidateBatch(original);
    ASSERT_TRUE(header.ok());
    header->producer_id = 7;  // header fields pass through as they are
    header->producer_epoch = 2;
    header->base_sequence = 40;
    for (Compression to : codecs) {
      SCOPED_TRACE(fmt::format("{} -> {}", CompressionName(from), CompressionName(to)));
      auto again = Recompress(original, *header, to);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      auto h = ValidateBatch(*again);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      EXPECT_EQ(h->compression(), to);
      EXPECT_EQ(h->record_count, 3);
      EXPECT_EQ(h->last_offset_delta, 2);
      EXPECT_EQ(h->base_timestamp, 1000);
      EXPECT_EQ(h->max_timestamp, 1005);
      EXPECT_EQ(h->producer_id, 7);
      EXPECT_EQ(h->producer_epoch, 2);
      EXPECT_EQ(h->base_sequence, 40);
      std::vector<std::string> seen;
      ASSERT_TRUE(ForEachRecord(*again, [&](const RecordView& r) {
                    seen.push_back(fmt::format(
                        "{}:{}:{}:{}:{}", r.offset, r.timestamp, r.key ? AsString(*r.key) : "null",
                        r.value ? AsString(*r.value) : "null", r.header_count));
                  }).ok());
      EXPECT_EQ(seen,
                (std::vector<std::string>{"0:1000:k1:v1:1", "1:1005:null:null:0", "2:990:k3::0"}));
    }
  }
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

// Header fields at their extremes are refused or read without overflow (found by fuzzing).
TEST(RecordBatchTest, ExtremeHeaderFieldsDoNotOverflow) {
  auto with = [](size_t field, auto value) {
    Buffer b = BuildBatch({{"k", "v", 1, {}}});
    StoreBigEndian(b.data() + field, value);
    StoreBigEndian<uint32_t>(b.data() + batch_field::kCrc, ComputeBatchCrc(b));
    return b;
  };
  Buffer delta = with(batch_field::kLastOffsetDelta, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(ValidateProducedBatch(delta).status().code(), StatusCode::kCorruption);
  for (int64_t base : {int64_t{-1}, kMaxBaseOffset + 1, std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ParseBatchHeader(with(batch_field::kBaseOffset, base)).status().code(),
              StatusCode::kCorruption)
        << base;
  }
  EXPECT_TRUE(ValidateBatch(with(batch_field::kBaseOffset, kMaxBaseOffset)).ok());
  // A timestamp delta past int64 wraps, as Kafka's (Java's) arithmetic does.
  Buffer late = BuildBatch({{"k", "v", 1, {}}, {"k", "w", 5, {}}});
  StoreBigEndian(late.data() + batch_field::kBaseTimestamp, std::numeric_limits<int64_t>::max());
  std::vector<int64_t> timestamps;
  ASSERT_TRUE(ForEachRecord(late, [&](const RecordView& r) { timestamps.push_back(r.timestamp); })
                  .ok());
  EXPECT_EQ(timestamps, (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                              std::numeric_limits<int64_t>::min() + 3}));
}

TEST(RecordBatchTest, RebuildKeepsOffsetsOfKeptRecords) {
  Buffer b = BuildBatch({{"a", "1", 10, {}}, {"b", "2", 11, {}}, {"c", "3", 12, {}}});
  SetBaseOffset(b, 100);
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok());
  Buffer kept;
  ASSERT_TRUE(ForEachRecord(b, [&](const RecordView& r) {
                if (r.offset != 101) kept.insert(kept.end(), r.raw.begin(), r.raw.end());
              }).ok());
  auto rebuilt_result = RebuildBatch(*h, kept, 2);
  ASSERT_TRUE(rebuilt_result.ok());
  Buffer rebuilt = *rebuilt_result;
  auto h2 = ValidateBatch(rebuilt);
  ASSERT_TRUE(h2.ok()) << h2.status().ToString();
  EXPECT_EQ(h2->base_offset, 100);
  EXPECT_EQ(h2->last_offset(), 102);
  EXPECT_EQ(h2->record_count, 2);
  std::vector<int64_t> offsets;
  ASSERT_TRUE(ForEachRecord(rebuilt, [&](const RecordView& r) { offsets.push_back(r.offset); }).ok());
  EXPECT_EQ(offsets, (std::vector<int64_t>{100, 102}));
}

class CompressedBatchTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedBatchTest, RecordsRoundTripThroughEachCodec) {
  std::vector<RecordSpec> specs;
  for (int i = 0; i < 50; ++i) {
    specs.push_back({fmt::format("key-{}", i % 26),
                     std::string(200, static_cast<char>('0' + i % 10)), 1000 + i, {{"h", "v"}}});
  }
  Buffer b = BuildBatch(specs, GetParam());
  auto h = ValidateBatch(b);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->compression(), GetParam());
  EXPECT_LT(b.size(), 50u * 200u) << "the records are compressed";
  int n = 0;
  ASSERT_TRUE(ForEachRecord(b, [&](const RecordView& r) {
                EXPECT_EQ(r.offset, n);
                EXPECT_EQ(r.timestamp, 1000 + n);
                EXPECT_EQ(AsString(*r.value), specs[static_cast<size_t>(n)].value);
                ++n;
              }).ok());
  EXPECT_EQ(n, 50);

  // Rebuilding a subset keeps the codec.
  Buffer kept;
  ASSERT_TRUE(ForEachRecord(b, [&](const RecordView& r) {
                if (r.offset % 2 == 0) kept.insert(kept.end(), r.raw.begin(), r.raw.end());
              }).ok());
  auto rebuilt = RebuildBatch(*h, kept, 25);
  ASSERT_TRUE(rebuilt.ok());
  auto h2 = ValidateBatch(*rebuilt);
  ASSERT_TRUE(h2.ok());
  EXPECT_EQ(h2->compression(), GetParam());
  EXPECT_EQ(h2->last_offset(), 49);
  int kept_n = 0;
  ASSERT_TRUE(ForEachRecord(*rebuilt, [&](const RecordView& r) {
                EXPECT_EQ(r.offset % 2, 0);
                ++kept_n;
              }).ok());
  EXPECT_EQ(kept_n, 25);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedBatchTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd));

TEST(RecordBatchTest, CorruptCompressedRecordsAreReported) {
  Buffer b = BuildBatch({{"k", std::string(100, 'x'), 1, {}}}, Compression::kZstd);
  b[kBatchHeaderSize + 5] ^= 0xFF;
  StoreBigEndian<uint32_t>(b.data() + batch_field::kCrc, ComputeBatchCrc(b));
  EXPECT_EQ(ForEachRecord(b, [](const RecordView&) {}).code(), StatusCode::kCorruption);
}

TEST(RecordBatchTest, ProducedBatchesMustBeWholeAndInOrder) {
  Buffer good = BuildBatch({{"a", "1", 1, {}}, {"b", "2", 2, {}}});
  EXPECT_TRUE(ValidateProducedBatch(good).ok());
  EXPECT_TRUE(ValidateProducedBatch(BuildBatch({{"a", "1", 1, {}}}, Compression::kLz4)).ok());

  Buffer count = good;  // three records claimed, two present
  StoreBigEndian<int32_t>(count.data() + batch_field::kRecordCount, 3);
  StoreBigEndian<uint32_t>(count.data() + batch_field::kCrc, ComputeBatchCrc(count));
  EXPECT_TRUE(ValidateBatch(count).ok()) << "the header alone looks fine";
  EXPECT_EQ(ValidateProducedBatch(count).status().code(), StatusCode::kCorruption);

  Buffer empty = BuildBatch({});
  EXPECT_EQ(ValidateProducedBatch(empty).status().code(), StatusCode::kCorruption);

  // A compacted batch keeps its offset range with fewer records: fine in the log, not from a
  // producer.
  auto h = ValidateBatch(good);
  Buffer kept;
  ASSERT_TRUE(ForEachRecord(good, [&](const RecordView& r) {
                if (r.offset == 1) kept.insert(kept.end(), r.raw.begin(), r.raw.end());
              }).ok());
  auto compacted = RebuildBatch(*h, kept, 1);
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(ValidateBatch(*compacted).ok());
  EXPECT_EQ(ValidateProducedBatch(*compacted).status().code(), StatusCode::kCorruption);
}

TEST(RecordBatchTest, CorruptRecordsAreReported) {
  Buffer b = BuildBatch({{"k", "v", 1, {}}});
  b[kBatchHeaderSize] = 0x7F;  // record length far too large
  EXPECT_EQ(ForEachRecord(b, [](const RecordView&) {}).code(), StatusCode::kCorruption);
}

// A transaction marker as Kafka's MemoryRecords.withEndTransactionMarker writes it, byte for byte:
// attributes 0x30, base sequence -1, one record with a 4-byte key (version 0, type) and a 6-byte
// value (version 0, coordinator epoch).
TEST(TxnMarkerTest, IsKafkasControlBatch) {
  Buffer marker = BuildTxnMarker(4242, 7, ControlType::kCommit, 3, 1'700'000'000'123);
  auto header = ValidateBatch(marker);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->attributes, 0x30);
  EXPECT_TRUE(header->transactional());
  EXPECT_TRUE(header->control());
  EXPECT_EQ(header->producer_id, 4242);
  EXPECT_EQ(header->producer_epoch, 7);
  EXPECT_EQ(header->base_sequence, -1);
  EXPECT_EQ(header->record_count, 1);
  EXPECT_EQ(header->last_offset_delta, 0);
  EXPECT_EQ(header->base_timestamp, 1'700'000'000'123);
  EXPECT_EQ(header->max_timestamp, 1'700'000'000'123);
  int records = 0;
  ASSERT_TRUE(ForEachRecord(marker, [&](const RecordView& r) {
                ++records;
                ASSERT_TRUE(r.key && r.value);
                EXPECT_EQ(Buffer(r.key->begin(), r.key->end()), (Buffer{0, 0, 0, 1}));
                EXPECT_EQ(Buffer(r.value->begin(), r.value->end()), (Buffer{0, 0, 0, 0, 0, 3}));
                EXPECT_EQ(ParseControlKey(*r.key).value(), ControlType::kCommit);
              }).ok());
  EXPECT_EQ(records, 1);
  Buffer abort = BuildTxnMarker(1, 0, ControlType::kAbort, 0, 0);
  ASSERT_TRUE(ForEachRecord(abort, [&](const RecordView& r) {
                EXPECT_EQ(ParseControlKey(*r.key).value(), ControlType::kAbort);
              }).ok());
  const Buffer short_key = {0, 0, 1};
  EXPECT_FALSE(ParseControlKey(short_key).ok());
  const Buffer negative_version = {0xff, 0xff, 0, 1};
  EXPECT_FALSE(ParseControlKey(negative_version).ok());
  const Buffer later_version = {0, 1, 0, 0};
  EXPECT_EQ(ParseControlKey(later_version).value(), ControlType::kAbort);
  const Buffer leader_change = {0, 0, 0, 2};
  EXPECT_EQ(ParseControlKey(leader_change).value(), ControlType::kUnknown);
}

}  // namespace
}  // namespace herald::storage
