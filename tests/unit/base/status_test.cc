#include "base/status.h"

#include <cerrno>
#include <memory>

#include <gtest/gtest.h>

namespace herald {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("{} is odd", v);
  return v / 2;
}

Result<int> Quarter(int v) {
  HERALD_ASSIGN_OR_RETURN(int half, Half(v));
  HERALD_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  HERALD_RETURN_IF_ERROR(Half(v), "checking {}", v);
  return Status::Ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("topic {}", "orders");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: topic orders");
}

TEST(StatusTest, MacrosPropagateWithContext) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "3 is odd");
  Status s = CheckEven(5);
  EXPECT_EQ(s.message(), "checking 5: 5 is odd");
  EXPECT_TRUE(CheckEven(4).ok());
}

TEST(StatusTest, ErrnoMapping) {
  EXPECT_EQ(ErrnoStatus(ENOSPC, "write").code(), StatusCode::kNoSpace);
  EXPECT_EQ(ErrnoStatus(EIO, "write").code(), StatusCode::kIoError);
  EXPECT_EQ(ErrnoStatus(ENOENT, "open").code(), StatusCode::kNotFound);
}

TEST(StatusTest, ResultHoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusDeathTest, ValueOfFailedResultAborts) {
  Result<int> r = Internal("boom");
  EXPECT_DEATH((void)r.value(), "boom");
}

}  // namespace
}  // namespace herald
