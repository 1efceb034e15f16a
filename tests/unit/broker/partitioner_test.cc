#include "broker/partitioner.h"

#include <string>

#include <gtest/gtest.h>

namespace herald::broker {
namespace {

// Values of Kafka's Utils.murmur2 (its UtilsTest).
TEST(PartitionerTest, Murmur2MatchesKafka) {
  EXPECT_EQ(Murmur2(AsBytes("21")), -973932308);
  EXPECT_EQ(Murmur2(AsBytes("foobar")), -790332482);
  EXPECT_EQ(Murmur2(AsBytes("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(Murmur2(AsBytes("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(Murmur2(AsBytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(Murmur2(AsBytes("abc")), 479470107);
}

TEST(PartitionerTest, PartitionIsInRangeAndStable) {
  for (int n = 1; n <= 17; ++n) {
    for (const char* key : {"", "a", "order-1", "customer-42"}) {
      int32_t p = PartitionForKey(AsBytes(key), n);
      EXPECT_GE(p, 0);
      EXPECT_LT(p, n);
      EXPECT_EQ(p, PartitionForKey(AsBytes(key), n));
    }
  }
}

}  // namespace
}  // namespace herald::broker
