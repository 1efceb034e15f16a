#include "base/json.h"

#include <string>

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(BoundedJson, CountsNestingOutsideStrings) {
  EXPECT_EQ(JsonDepth("42"), 0);
  EXPECT_EQ(JsonDepth("[1, {\"a\": [2]}]"), 3);
  EXPECT_EQ(JsonDepth("{\"a\": \"[[[[\"}"), 1);
  EXPECT_EQ(JsonDepth("[\"\\\"[[[\"]"), 1);  // an escaped quote does not end the string
  EXPECT_EQ(JsonDepth(std::string(1000, '['), 10), 11);
}

TEST(BoundedJson, ParsesWhatIsWithinTheBound) {
  auto parsed = ParseBoundedJson("{\"records\": [{\"value\": [1, 2]}]}");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)["records"][0]["value"][1], 2);
  std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseBoundedJson(deep).has_value());
}

TEST(BoundedJson, RefusesDeepOrInvalidInput) {
  std::string too_deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(ParseBoundedJson(too_deep).has_value());
  EXPECT_FALSE(ParseBoundedJson(std::string(500000, '[')).has_value());
  EXPECT_FALSE(ParseBoundedJson("{\"a\": ").has_value());
  EXPECT_FALSE(ParseBoundedJson("\"\xFF\xFE\"").has_value());
}

}  // namespace
}  // namespace herald
