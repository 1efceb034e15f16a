#include "storage/recovery_checkpoint.h"

#include <gtest/gtest.h>

#include "storage/mem_file_system.h"

namespace herald::storage {
namespace {

TEST(RecoveryCheckpointTest, RoundTripsThroughItsTwentySixBytes) {
  Buffer bytes = EncodeRecoveryCheckpoint({1234567890123, 42});
  ASSERT_EQ(bytes.size(), 26u);
  EXPECT_EQ(AsString(ByteView(bytes).first(4)), "HRCP");
  auto decoded = DecodeRecoveryCheckpoint(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->recovery_offset, 1234567890123);
  EXPECT_EQ(decoded->log_start_offset, 42);
}

TEST(RecoveryCheckpointTest, AnythingButAnIntactCheckpointDecodesAsNone) {
  const Buffer good = EncodeRecoveryCheckpoint({100, 0});
  EXPECT_FALSE(DecodeRecoveryCheckpoint(ByteView(good).first(25)).has_value());  // torn
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
