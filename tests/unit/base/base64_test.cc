#include "base/base64.h"

#include <string>

#include <gtest/gtest.h>

namespace herald {
namespace {

std::string Decoded(std::string_view text) {
  auto bytes = Base64Decode(text);
  EXPECT_TRUE(bytes.ok()) << text << ": " << bytes.status().ToString();
  return bytes.ok() ? std::string(AsString(*bytes)) : std::string();
}

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string in = all.substr(0, n);
    std::string text = Base64Encode(AsBytes(in));
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(Decoded(text), in) << n;
  }
}

TEST(Base64Test, KnownValuesWithAndWithoutPadding) {
  EXPECT_EQ(Base64Encode(AsBytes("hello")), "aGVsbG8=");
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Decoded("aGVsbG8="), "hello");
  EXPECT_EQ(Decoded("aGVsbG8"), "hello");
  EXPECT_EQ(Decoded("a2V5"), "key");
  EXPECT_EQ(Decoded(""), "");
}

TEST(Base64Test, RefusesWhatNoEncoderWrites) {
  for (std::string_view bad : {"a", "aGVsbG8==", "aGV=bG8=", "aGVs bG8=", "%%%", "aGVsbG8===",
                               "aGVsbG8-"}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace herald
