#include "storage/compression.h"

#include <snappy.h>

#include <gtest/gtest.h>

namespace herald::storage {
namespace {

Buffer Sample(size_t n) {
  Buffer b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>("herald event log "[i % 17]);
  return b;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsSmallAndLargeInputs) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{70'000}, size_t{1} << 20}) {
    Buffer in = Sample(n);
    auto packed = Compress(GetParam(), in);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    auto unpacked = Decompress(GetParam(), *packed, in.size() + 1);
    ASSERT_TRUE(unpacked.ok()) << CompressionName(GetParam()) << " " << n << ": "
                               << unpacked.status().ToString();
    EXPECT_EQ(*unpacked, in);
  }
}

TEST_P(CodecTest, RefusesToDecompressPastTheLimit) {
  Buffer in = Sample(1 << 20);
  auto packed = Compress(GetParam(), in);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(Decompress(GetParam(), *packed, 1000).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(CodecTest, GarbageIsCorruption) {
  Buffer garbage = {0x00, 0x13, 0x37, 0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04};
  auto r = Decompress(GetParam(), garbage, 1 << 20);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << CompressionName(GetParam());
}

TEST_P(CodecTest, TruncatedInputIsCorruption) {
  Buffer in = Sample(100'000);
  auto packed = Compress(GetParam(), in);
  ASSERT_TRUE(packed.ok());
  Buffer cut(packed->begin(), packed->begin() + static_cast<ptrdiff_t>(packed->size() / 2));
  EXPECT_FALSE(Decompress(GetParam(), cut, 1 << 20).ok()) << CompressionName(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd));

TEST(SnappyTest, ReadsARawBlockAsLibrdkafkaWritesIt) {
  Buffer in = Sample(5000);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &raw);
  auto out = Decompress(Compression::kSnappy, AsBytes(raw), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, in);
}

TEST(SnappyTest, WritesTheXerialFraming) {
  auto packed = Compress(Compression::kSnappy, Sample(100));
  ASSERT_TRUE(packed.ok());
  ASSERT_GE(packed->size(), 20u);
  EXPECT_EQ((*packed)[0], 0x82);
  EXPECT_EQ(std::string(packed->begin() + 1, packed->begin() + 7), "SNAPPY");
}

}  // namespace
}  // namespace herald::storage
