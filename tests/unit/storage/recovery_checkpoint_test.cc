#include "storage/recovery_checkpoint.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "storage/mem_file_system.h"

namespace herald::storage {
namespace {

TEST(RecoveryCheckpointTest, RoundTripsThroughItsThirtyFourBytes) {
  Buffer bytes = EncodeRecoveryCheckpoint({1234567890123, 42, 77});
  ASSERT_EQ(bytes.size(), 34u);
  EXPECT_EQ(AsString(ByteView(bytes).first(4)), "HRCP");
  EXPECT_EQ(LoadBigEndian<uint16_t>(&bytes[4]), 2);
  auto decoded = DecodeRecoveryCheckpoint(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->recovery_offset, 1234567890123);
  EXPECT_EQ(decoded->log_start_offset, 42);
  EXPECT_EQ(decoded->first_unstable_offset, 77);
  EXPECT_EQ(DecodeRecoveryCheckpoint(EncodeRecoveryCheckpoint({5, 0}))->first_unstable_offset, -1);
}

// Version 1 (26 bytes) did not record the first unstable offset: it reads as unknown, and the
// next producer-state rebuild reads the whole log once.
TEST(RecoveryCheckpointTest, VersionOneReadsAsAnUnknownFirstUnstableOffset) {
  Buffer v1;
  BufferWriter w(v1);
  w.Bytes(AsBytes(std::string_view("HRCP")));
  w.Int<uint16_t>(1);
  w.Int<int64_t>(900);
  w.Int<int64_t>(12);
  w.Int<uint32_t>(Crc32c(v1));
  auto decoded = DecodeRecoveryCheckpoint(v1);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->recovery_offset, 900);
  EXPECT_EQ(decoded->log_start_offset, 12);
  EXPECT_EQ(decoded->first_unstable_offset, kUnknownFirstUnstable);
}

TEST(RecoveryCheckpointTest, AnythingButAnIntactCheckpointDecodesAsNone) {
  const Buffer good = EncodeRecoveryCheckpoint({100, 0});
  EXPECT_FALSE(DecodeRecoveryCheckpoint(ByteView(good).first(33)).has_value());  // torn
  Buffer longer = good;
  longer.push_back(0);
  EXPECT_FALSE(DecodeRecoveryCheckpoint(longer).has_value());
  for (size_t i = 0; i < good.size(); ++i) {
    Buffer flipped = good;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(DecodeRecoveryCheckpoint(flipped).has_value()) << "byte " << i;
  }
  // Well formed, CRC and all, but an offset no log can have.
  EXPECT_FALSE(DecodeRecoveryCheckpoint(EncodeRecoveryCheckpoint({-1, 0})).has_value());
  EXPECT_FALSE(DecodeRecoveryCheckpoint(EncodeRecoveryCheckpoint({0, -5})).has_value());
  EXPECT_FALSE(DecodeRecoveryCheckpoint(EncodeRecoveryCheckpoint({0, 0, -2})).has_value());
}

TEST(RecoveryCheckpointTest, AMissingOrUnreadableFileIsNoCheckpointAndAWrittenOneReadsBack) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/p").ok());
  const std::string path = std::string("/p/") + kRecoveryCheckpointName;
  auto missing = ReadRecoveryCheckpoint(fs, path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(WriteRecoveryCheckpoint(fs, path, {77, 5}).ok());
  auto read = ReadRecoveryCheckpoint(fs, path);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->recovery_offset, 77);
  EXPECT_EQ((*read)->log_start_offset, 5);

  ASSERT_TRUE(WriteFileAtomic(fs, path, Buffer(26, 0)).ok());
  auto garbage = ReadRecoveryCheckpoint(fs, path);
  ASSERT_TRUE(garbage.ok());
  EXPECT_FALSE(garbage->has_value());
}

}  // namespace
}  // namespace herald::storage
