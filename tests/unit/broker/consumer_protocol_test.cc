#include "broker/consumer_protocol.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace herald::broker {
namespace {

TEST(ConsumerAssignmentTest, ReadsTopicsAndPartitionsOfEveryVersion) {
  // [{"t", [1]}, {"orders", [0, 2]}], user_data 07.
  const std::string body =
      "00000002 0001 74 00000001 00000001 0006 6f7264657273 00000002 00000000 00000002 "
      "00000001 07";
  const std::vector<AssignedTopic> want = {{"t", {1}}, {"orders", {0, 2}}};
  for (const char* version : {"0000", "0001", "0003"}) {
    auto got = DecodeConsumerAssignment(testing::Hex(std::string(version) + body));
    ASSERT_TRUE(got.has_value()) << version;
    EXPECT_EQ(*got, want);
  }
  // A later version's appended fields are not read.
  auto later = DecodeConsumerAssignment(testing::Hex("0004" + body + " 00000005 ffff"));
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(*later, want);
}

TEST(ConsumerAssignmentTest, RefusesWhatIsNotAnAssignment) {
  EXPECT_FALSE(DecodeConsumerAssignment({}).has_value());
  EXPECT_FALSE(DecodeConsumerAssignment(testing::Hex("00")).has_value());
  EXPECT_FALSE(DecodeConsumerAssignment(testing::Hex("ffff 00000000")).has_value());  // version
  EXPECT_FALSE(DecodeConsumerAssignment(testing::Hex("0000 ffffffff")).has_value());  // count
  // A count the bytes cannot hold never allocates.
  EXPECT_FALSE(DecodeConsumerAssignment(testing::Hex("0000 7fffffff 0001 74")).has_value());
  EXPECT_FALSE(
      DecodeConsumerAssignment(testing::Hex("0000 00000001 0001 74 7fffffff")).has_value());
  // Cut short inside a topic name and inside the partitions.
  EXPECT_FALSE(DecodeConsumerAssignment(testing::Hex("0000 00000001 0005 74")).has_value());
  EXPECT_FALSE(
      DecodeConsumerAssignment(testing::Hex("0000 00000001 0001 74 00000002 00000001")).has_value());
  // No topics is an assignment.
  auto empty = DecodeConsumerAssignment(testing::Hex("0001 00000000 ffffffff"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace herald::broker
