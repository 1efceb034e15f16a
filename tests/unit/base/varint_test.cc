#include "base/varint.h"

#include <limits>

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(VarintTest, ZigZag) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  EXPECT_EQ(ZigZagDecode(ZigZagEncode(std::numeric_limits<int64_t>::min())),
            std::numeric_limits<int64_t>::min());
}

TEST(VarintTest, RoundTripVarlongs) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    int64_t{300}, int64_t{1} << 40, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    Buffer b;
    PutVarlong(b, v);
    EXPECT_EQ(b.size(), VarlongSize(v));
    VarintReader r(b);
    auto got = r.GetVarlong();
    ASSERT_TRUE(got.has_value()) << v;
    EXPECT_EQ(*got, v);
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(VarintTest, RoundTripVarints) {
  for (int32_t v : {0, 1, -1, 1000, -1000, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    Buffer b;
    PutVarint(b, v);
    VarintReader r(b);
    EXPECT_EQ(r.GetVarint(), v);
  }
}

TEST(VarintTest, KnownEncoding) {
  Buffer b;
  PutUnsignedVarint(b, 300);
  EXPECT_EQ(b, (Buffer{0xAC, 0x02}));
}

TEST(VarintTest, TruncatedInputLeavesPositionUnchanged) {
  Buffer b = {0xAC};
  VarintReader r(b);
  EXPECT_FALSE(r.GetVarlong().has_value());
  EXPECT_EQ(r.position(), 0u);
}

TEST(VarintTest, OverlongInputIsRejected) {
  Buffer eleven(11, 0x80);
  eleven.back() = 0x01;
  VarintReader r(eleven);
  EXPECT_FALSE(r.GetVarlong().has_value());
  // A varint (int32) longer than 5 bytes is rejected.
  Buffer six = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  VarintReader r2(six);
  EXPECT_FALSE(r2.GetVarint().has_value());
  // 5 bytes that overflow 32 bits are rejected as a varint.
  Buffer big = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
  VarintReader r3(big);
  EXPECT_FALSE(r3.GetVarint().has_value());
}

TEST(VarintTest, GetBytesBounds) {
  Buffer b = {1, 2, 3};
  VarintReader r(b);
  EXPECT_FALSE(r.GetBytes(4).has_value());
  auto two = r.GetBytes(2);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(r.remaining(), 1u);
}

}  // namespace
}  // namespace herald
