#include "base/uuid.h"

#include <set>

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(UuidTest, NewUuidsAreVersionFourVariantOneAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    auto parsed = ParseUuid(id);
    ASSERT_TRUE(parsed.has_value()) << id;
    EXPECT_EQ(parsed->ToString(), id);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, ParseAcceptsEitherCaseAndRefusesAnythingElse) {
  auto upper = ParseUuid("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(upper->ToString(), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(upper->high, 0x0f8fad5bd9cb469fULL);
  EXPECT_EQ(upper->low, 0xa16570867728950eULL);
  EXPECT_EQ(*upper, *ParseUuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  for (const char* bad : {"", "0f8fad5b", "0f8fad5bd9cb469fa16570867728950e",
                          "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950e0",
                          "0f8fad5b_d9cb-469f-a165-70867728950e", "0g8fad5b-d9cb-469f-a165-70867728950e",
                          "{f8fad5b-d9cb-469f-a165-70867728950e"}) {
    EXPECT_FALSE(ParseUuid(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace herald
