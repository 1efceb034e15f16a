#include "base/crc32c.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace herald {
namespace {

// RFC 3720 appendix B.4 test vectors.
TEST(Crc32cTest, StandardVectors) {
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF), ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c(AsBytes("123456789")), 0xE3069283u);
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; len + start <= 300; len += 7) {
      EXPECT_EQ(internal::Crc32cPortable(0, data.data() + start, len),
                internal::Crc32cHardware(0, data.data() + start, len))
          << "start " << start << " len " << len;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  ByteView all = AsBytes(s);
  uint32_t whole = Crc32c(all);
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t part = Crc32cExtend(0, all.data(), split);
    EXPECT_EQ(Crc32cExtend(part, all.data() + split, s.size() - split), whole);
  }
}

}  // namespace
}  // namespace herald
