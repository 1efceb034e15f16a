#include "security/password_checker.h"

#include <optional>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace herald::security {
namespace {

// Users: alice, and u0, u1, ...; each has the same SCRAM-SHA-256 credential, for "s3cret".
class PasswordCheckerTest : public ::testing::Test {
 protected:
  PasswordChecker Checker(int64_t remember_ms = 1000, size_t capacity = 100) {
    return PasswordChecker(
        [this](const std::string& user,
               ScramMechanism mechanism) -> std::optional<ScramCredential> {
          if (mechanism != ScramMechanism::kSha256) return std::nullopt;
          if (user != "alice" && !user.starts_with("u")) return std::nullopt;
          return credential_;
        },
        clock_, remember_ms, capacity);
  }

  const ScramCredential credential_ = NewCredential(ScramMechanism::kSha256, "s3cret");
  ManualClock clock_;
};

TEST_F(PasswordCheckerTest, AcceptsTheRightPasswordAndRemembersItForAWhile) {
  auto checker = Checker();
  EXPECT_FALSE(checker.Remembered("alice", "s3cret"));
  ASSERT_TRUE(checker.Check("alice", "s3cret").ok());
  EXPECT_TRUE(checker.Remembered("alice", "s3cret"));
  EXPECT_FALSE(checker.Remembered("alice", "s3cret!")) << "another password";
  EXPECT_FALSE(checker.Remembered("alicex", "s3cret")) << "another user";
  clock_.AdvanceMs(999);
  EXPECT_TRUE(checker.Remembered("alice", "s3cret"));
  clock_.AdvanceMs(1);
  EXPECT_FALSE(checker.Remembered("alice", "s3cret")) << "forgotten after remember_ms";
}

TEST_F(PasswordCheckerTest, RefusalsAreNotRemembered) {
  auto checker = Checker();
  for (const auto& [user, password] : {std::pair{"alice", "wrong"}, std::pair{"bob", "s3cret"},
                                       std::pair{"", "s3cret"}, std::pair{"alice", ""}}) {
    const Status refused = checker.Check(user, password);
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << user << ":" << password;
    EXPECT_FALSE(checker.Remembered(user, password));
  }
  // The user and password are kept apart: "alice" + "s3cret" is not "alices" + "3cret".
  ASSERT_TRUE(checker.Check("alice", "s3cret").ok());
  EXPECT_FALSE(checker.Remembered("alices", "3cret"));
}

// A remembered pair is found only while the user's credentials are those it was checked
// against: a password changed or a user deleted on a running broker takes effect at once.
TEST_F(PasswordCheckerTest, ChangedCredentialsForgetWhatWasRemembered) {
  std::optional<ScramCredential> current = NewCredential(ScramMechanism::kSha256, "s3cret");
  PasswordChecker checker(
      [&](const std::string& user, ScramMechanism mechanism) -> std::optional<ScramCredential> {
        if (user != "carol" || mechanism != ScramMechanism::kSha256) return std::nullopt;
        return current;
      },
      clock_);
  ASSERT_TRUE(checker.Check("carol", "s3cret").ok());
  EXPECT_TRUE(checker.Remembered("carol", "s3cret"));
  current = NewCredential(ScramMechanism::kSha256, "s3cret");  // the same password, a new salt
  EXPECT_FALSE(checker.Remembered("carol", "s3cret"));
  ASSERT_TRUE(checker.Check("carol", "s3cret").ok());
  EXPECT_TRUE(checker.Remembered("carol", "s3cret"));
  current.reset();  // deleted
  EXPECT_FALSE(checker.Remembered("carol", "s3cret"));
}

TEST_F(PasswordCheckerTest, AFullCacheForgetsItsOlderHalf) {
  auto checker = Checker(/*remember_ms=*/1'000'000, /*capacity=*/4);
  for (int i = 0; i < 4; ++i) {
    clock_.AdvanceMs(1);
    ASSERT_TRUE(checker.Check(fmt::format("u{}", i), "s3cret").ok());
  }
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(checker.Remembered(fmt::format("u{}", i), "s3cret"));
  clock_.AdvanceMs(1);
  ASSERT_TRUE(checker.Check("u4", "s3cret").ok());  // full: the older half goes
  EXPECT_FALSE(checker.Remembered("u0", "s3cret"));
  EXPECT_FALSE(checker.Remembered("u1", "s3cret"));
  EXPECT_TRUE(checker.Remembered("u3", "s3cret"));
  EXPECT_TRUE(checker.Remembered("u4", "s3cret"));
}

}  // namespace
}  // namespace herald::security
