#include "base/time_text.h"

#include <gtest/gtest.h>

#include "base/log.h"

namespace herald {
namespace {

TEST(ParseIso8601, ReadsWhatFormatLogTimestampWrites) {
  for (int64_t ms : {int64_t{0}, int64_t{1764921600123}, int64_t{951782400999}}) {
    auto parsed = ParseIso8601(FormatLogTimestamp(ms));
    ASSERT_TRUE(parsed.ok()) << FormatLogTimestamp(ms);
    EXPECT_EQ(*parsed, ms);
  }
}

TEST(ParseIso8601, DatesTimesAndOffsets) {
  EXPECT_EQ(*ParseIso8601("1970-01-02"), 86400000);
  EXPECT_EQ(*ParseIso8601("1970-01-01T01:00"), 3600000);
  EXPECT_EQ(*ParseIso8601("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseIso8601("1970-01-01T00:00:00.5Z"), 500);
}

TEST(ParseIso8601, RefusesWhatIsNotATime) {
  for (const char* text : {"", "2026", "2026-13-01", "2026-02-30", "2026-01-01T25:00",
                           "2026-01-01T00:00:00.", "2026-01-01 junk", "yesterday"}) {
    EXPECT_FALSE(ParseIso8601(text).ok()) << text;
  }
}

}  // namespace
}  // namespace herald
