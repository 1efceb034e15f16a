#include "http/auth.h"

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "security/password_checker.h"
#include "security/scram.h"

namespace herald::http {
namespace {

std::string Basic(std::string_view user_and_password) {
  return "Basic " + Base64Encode(AsBytes(user_and_password));
}

TEST(HttpAuthenticatorTest, ARefusedApiKeyIsToldItIsAnInvalidToken) {
  HttpAuthenticator auth({.api_keys = {{"k3y", "User:alice"}}});
  EXPECT_EQ(auth.Challenge(""), "Bearer");
  EXPECT_EQ(auth.Challenge(Basic("alice:x")), "Bearer");
  EXPECT_EQ(auth.Challenge("Bearer n0pe"), R"(Bearer error="invalid_token")");
}

// Wrong passwords from one host, sent faster than they are checked, fill that host's share of the
// check queue only: another host's login is still checked.
TEST(HttpAuthenticatorTest, OneHostWaitsForItsOwnPasswordChecksNotEveryones) {
  ManualClock clock;
  const security::ScramCredential credential =
      security::NewCredential(security::ScramMechanism::kSha256, "s3cret");
  auto users = std::make_shared<security::PasswordChecker>(
      [&](const std::string& user,
          security::ScramMechanism mechanism) -> std::optional<security::ScramCredential> {
        if (user != "alice" || mechanism != security::ScramMechanism::kSha256) return std::nullopt;
        return credential;
      },
      clock, 1000, 100);
  HttpAuthenticator auth({.users = users});
  Mutex mu;
  int busy = 0;
  std::optional<Result<Identity>> other;
  constexpr int kAttempts = 40;
  for (int i = 0; i < kAttempts; ++i) {
    auth.Authenticate(Basic("alice:wrong"), "10.6.6.6", [&](Result<Identity> r) {
      MutexLock lock(mu);
      if (!r.ok() && r.status().code() == StatusCode::kUnavailable) ++busy;
    });
  }
  auth.Authenticate(Basic("alice:s3cret"), "10.0.0.1", [&](Result<Identity> r) {
    MutexLock lock(mu);
    other = std::move(r);
  });
  auth.Stop();
  MutexLock lock(mu);
  // The first kMaxPendingChecksPerHost attempts are always queued; a few more may be, when checks
  // finish while the attempts are still being sent.
  EXPECT_LE(busy, kAttempts - HttpAuthenticator::kMaxPendingChecksPerHost);
  EXPECT_GE(busy, kAttempts - 2 * HttpAuthenticator::kMaxPendingChecksPerHost);
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE(other->ok()) << other->status().ToString();
  EXPECT_EQ((*other)->principal, "User:alice");
}

}  // namespace
}  // namespace herald::http
