#include "security/delegated_logins.h"

#include <gtest/gtest.h>

#include "security/sasl.h"

namespace herald::security {
namespace {

TEST(DelegatedLoginsTest, ALoginAuthenticatesAsThePrincipalItStandsFor) {
  DelegatedLogins logins;
  const auto login = logins.Issue({"User:alice", false});
  EXPECT_TRUE(login.user.starts_with("delegated-")) << login.user;
  const SaslServer::Credentials credentials = [&](const std::string& user, ScramMechanism m) {
    return logins.Find(user, m);
  };
  EXPECT_TRUE(CheckPassword(credentials, login.user, login.password).ok());
  EXPECT_FALSE(CheckPassword(credentials, login.user, login.password + "x").ok());
  EXPECT_FALSE(logins.Find(login.user, ScramMechanism::kSha512).has_value());
  auto delegation = logins.DelegationOf(login.user);
  ASSERT_TRUE(delegation.has_value());
  EXPECT_EQ(delegation->principal, "User:alice");
  EXPECT_FALSE(delegation->unrestricted);
}

TEST(DelegatedLoginsTest, EachLoginIsNewAndARevokedOneIsGone) {
  DelegatedLogins logins;
  const auto a = logins.Issue({"User:alice", false});
  const auto b = logins.Issue({"User:ANONYMOUS", true});
  EXPECT_NE(a.user, b.user);
  EXPECT_NE(a.password, b.password);
  EXPECT_TRUE(logins.DelegationOf(b.user)->unrestricted);
  logins.Revoke(a.user);
  EXPECT_FALSE(logins.Find(a.user, DelegatedLogins::kMechanism).has_value());
  EXPECT_FALSE(logins.DelegationOf(a.user).has_value());
  EXPECT_TRUE(logins.DelegationOf(b.user).has_value());
}

}  // namespace
}  // namespace herald::security
