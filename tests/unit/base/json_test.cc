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
// A float out of range converted with get<int64_t>() is undefined behaviour (the fuzzer found
// {"next_producer_id": 4e75}); JsonInteger takes only integers that fit.
TEST(JsonIntegers, TakeOnlyIntegersThatFit) {
  using nlohmann::json;
  EXPECT_EQ(JsonInteger<int64_t>(json(42)), 42);
  EXPECT_EQ(JsonInteger<int64_t>(json(-7)), -7);
  EXPECT_EQ(JsonInteger<int64_t>(json(9223372036854775807ULL)), INT64_MAX);
  EXPECT_EQ(JsonInteger<int64_t>(json(9223372036854775808ULL)), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json::parse("4e75")), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json(1.0)), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json("1")), std::nullopt);
  EXPECT_EQ(JsonInteger<int32_t>(json(2147483647)), 2147483647);
  EXPECT_EQ(JsonInteger<int32_t>(json(2147483648LL)), std::nullopt);
  EXPECT_EQ(JsonInteger<int32_t>(json(-2147483649LL)), std::nullopt);
  const json object = json::parse(R"({"a": 3, "b": 1e300})");
  EXPECT_EQ(JsonIntegerOr<int32_t>(object, "a", 9), 3);
  EXPECT_EQ(JsonIntegerOr<int32_t>(object, "missing", 9), 9);
  EXPECT_EQ(JsonIntegerOr<int32_t>(object, "b", 9), std::nullopt);
  EXPECT_EQ(JsonIntegerOr<int32_t>(json::array(), "a", 9), std::nullopt);
}

TEST(JsonPointer, EscapesTildeAndSlash) {
  EXPECT_EQ(JsonPointerToken("plain"), "plain");
  EXPECT_EQ(JsonPointerToken("a/b~c"), "a~1b~0c");
  EXPECT_EQ(JsonPointerToken("~1"), "~01") << "a tilde first, so the token reads back";
}

}  // namespace herald
