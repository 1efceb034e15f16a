#include "security/principal_mapping.h"

#include <gtest/gtest.h>

namespace herald::security {
namespace {

std::optional<std::string> MapWith(std::string_view rules, const std::string& subject) {
  auto mapper = PrincipalMapper::Parse(rules);
  EXPECT_TRUE(mapper.ok()) << mapper.status().ToString();
  if (!mapper.ok()) return std::nullopt;
  return mapper->Map(subject);
}

TEST(PrincipalMapperTest, WithoutRulesTheSubjectIsTheName) {
  EXPECT_EQ(MapWith("", "CN=alice,O=Example"), "CN=alice,O=Example");
  EXPECT_EQ(MapWith("DEFAULT", "CN=alice,O=Example"), "CN=alice,O=Example");
}

TEST(PrincipalMapperTest, TheFirstMatchingRuleWins) {
  const std::string rules =
      "RULE:^CN=([^,]+),OU=ops,.*$/$1-ops/L, RULE:^CN=([^,]+),.*$/$1/U,DEFAULT";
  EXPECT_EQ(MapWith(rules, "CN=Alice,OU=ops,O=Example"), "alice-ops");
  EXPECT_EQ(MapWith(rules, "CN=bob,OU=dev,O=Example"), "BOB");
  // The pattern must match the whole subject: no comma, no match; DEFAULT then.
  EXPECT_EQ(MapWith(rules, "CN=carol"), "CN=carol");
}

TEST(PrincipalMapperTest, NoMatchingRuleNamesNobody) {
  EXPECT_EQ(MapWith("RULE:^CN=admin$/admin/", "CN=client"), std::nullopt);
  EXPECT_EQ(MapWith("RULE:^CN=admin$/admin/", "CN=admin"), "admin");
  // A rule that gives an empty name does not name the client either.
  EXPECT_EQ(MapWith("RULE:^CN=(x*)$/$1/", "CN="), std::nullopt);
}

TEST(PrincipalMapperTest, EscapedSlashesAndLiteralText) {
  EXPECT_EQ(MapWith("RULE:^CN=([^,]+),O=a\\/b$/team\\/$1/", "CN=eve,O=a/b"), "team/eve");
}

TEST(PrincipalMapperTest, RefusesMalformedRules) {
  for (const char* bad : {"RULE:^CN=(.*)$", "RULE:^CN=(.*)$/$1", "RULE:([/x/", "NOPE",
                          "DEFAULT junk", "RULE:^CN=(.*)$/$1/X"}) {
    EXPECT_FALSE(PrincipalMapper::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace herald::security
