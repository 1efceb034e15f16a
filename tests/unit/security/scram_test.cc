#include "security/scram.h"

#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "base/base64.h"

namespace herald::security {
namespace {

// RFC 7677's example exchange: user "user", password "pencil".
constexpr char kSalt[] = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr char kClientFirst[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr char kServerNonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kServerFinal[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramCredential PencilCredential() {
  const Buffer salt = *Base64Decode(kSalt);
  return CredentialFromSalted(ScramMechanism::kSha256,
                              SaltedPassword(ScramMechanism::kSha256, "pencil", salt, 4096), salt,
                              4096);
}

ScramServer::Lookup Users(std::map<std::string, ScramCredential> users) {
  return [users = std::move(users)](const std::string& user) -> std::optional<ScramCredential> {
    auto it = users.find(user);
    if (it == users.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ScramTest, Rfc7677ExampleExchange) {
  ScramServer server(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}), kServerNonce);
  auto first = server.First(kClientFirst);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, kServerFirst);
  auto final = server.Final(kClientFinal);
  ASSERT_TRUE(final.ok()) << final.status().ToString();
  EXPECT_EQ(*final, kServerFinal);
  EXPECT_TRUE(server.done());
  EXPECT_EQ(server.user(), "user");
}

TEST(ScramTest, AWrongPasswordAnUnknownUserAndAStrangeNonceFail) {
  const Buffer salt = *Base64Decode(kSalt);
  auto wrong =
      CredentialFromSalted(ScramMechanism::kSha256,
                           SaltedPassword(ScramMechanism::kSha256, "pen", salt, 4096), salt, 4096);
  ScramServer server(ScramMechanism::kSha256, Users({{"user", wrong}}), kServerNonce);
  ASSERT_TRUE(server.First(kClientFirst).ok());
  EXPECT_FALSE(server.Final(kClientFinal).ok()) << "the proof of another password";
  EXPECT_FALSE(server.done());

  ScramServer nobody(ScramMechanism::kSha256, Users({}), kServerNonce);
  EXPECT_FALSE(nobody.First(kClientFirst).ok());

  ScramServer other_nonce(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}), "xyz");
  ASSERT_TRUE(other_nonce.First(kClientFirst).ok());
  EXPECT_FALSE(other_nonce.Final(kClientFinal).ok()) << "a nonce the server did not give";
}

// librdkafka 2.x repeats its own nonce before the combined one in client-final; that form passes
// the nonce check (its proof is then checked as any other), another prefix does not.
TEST(ScramTest, LibrdkafkasRepeatedClientNonceIsAcceptedAndNoOtherPrefix) {
  constexpr char kProof[] = ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string combined = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  ScramServer repeated(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}),
                       kServerNonce);
  ASSERT_TRUE(repeated.First(kClientFirst).ok());
  auto final = repeated.Final("c=biws,r=rOprNGfwEbeRWgbNEkqO" + combined + kProof);
  ASSERT_FALSE(final.ok()) << "the proof was made for the RFC's client-final";
  EXPECT_EQ(final.status().message().find("nonce"), std::string::npos)
      << final.status().message();

  ScramServer other(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}), kServerNonce);
  ASSERT_TRUE(other.First(kClientFirst).ok());
  auto prefixed = other.Final("c=biws,r=xyz" + combined + kProof);
  ASSERT_FALSE(prefixed.ok());
  EXPECT_NE(prefixed.status().message().find("nonce"), std::string::npos);
}

TEST(ScramTest, MalformedMessagesAndCallsOutOfOrderFail) {
  for (const char* bad : {"", "y,,n=user,r=abc", "p=tls-unique,,n=user,r=abc", "n,,r=abc",
                          "n,,n=user", "n,,n=us=er,r=abc", "n,a=other,n=user,r=abc"}) {
    ScramServer server(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}));
    EXPECT_FALSE(server.First(bad).ok()) << bad;
  }
  ScramServer server(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}), kServerNonce);
  EXPECT_FALSE(server.Final(kClientFinal).ok()) << "final before first";
  ScramServer twice(ScramMechanism::kSha256, Users({{"user", PencilCredential()}}), kServerNonce);
  ASSERT_TRUE(twice.First(kClientFirst).ok());
  EXPECT_FALSE(twice.Final("c=biws,r=x").ok()) << "no proof";
  EXPECT_FALSE(twice.Final(kClientFinal).ok()) << "a failed exchange stays failed";
}

TEST(ScramTest, EscapedNamesAndAnAuthorizationIdOfTheSameUser) {
  ScramServer server(ScramMechanism::kSha256, Users({{"a,b=c", PencilCredential()}}));
  auto first = server.First("n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=nonce");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->starts_with("r=nonce"));
}

TEST(ScramTest, NewCredentialsHaveTheirOwnSaltAndCheckTheirPassword) {
  for (auto mechanism : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    auto a = NewCredential(mechanism, "secret");
    auto b = NewCredential(mechanism, "secret");
    EXPECT_NE(a.salt, b.salt);
    EXPECT_NE(a.stored_key, b.stored_key);
    EXPECT_EQ(a.iterations, kMinIterations);
    EXPECT_EQ(a, CredentialFromSalted(mechanism,
                                      SaltedPassword(mechanism, "secret", a.salt, a.iterations),
                                      a.salt, a.iterations));
    EXPECT_EQ(MechanismNamed(MechanismName(mechanism)), mechanism);
  }
  EXPECT_EQ(MechanismNamed("PLAIN"), std::nullopt);
}

// The client's side against the server's, for both mechanisms and a name to escape: the server
// takes the proof, the client takes the server's signature; a wrong password is refused, and a
// server-first that does not extend the client's nonce or a forged server-final fail the client.
TEST(ScramTest, TheClientsSideCompletesAnExchangeWithTheServer) {
  for (const auto mechanism : {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    SCOPED_TRACE(MechanismName(mechanism));
    const auto users = Users({{"a,b=c", NewCredential(mechanism, "pencil")}});
    ScramServer server(mechanism, users);
    ScramClient client(mechanism, "a,b=c", "pencil");
    auto server_first = server.First(client.First());
    ASSERT_TRUE(server_first.ok()) << server_first.status().ToString();
    auto client_final = client.Final(*server_first);
    ASSERT_TRUE(client_final.ok()) << client_final.status().ToString();
    auto server_final = server.Final(*client_final);
    ASSERT_TRUE(server_final.ok()) << server_final.status().ToString();
    EXPECT_EQ(server.user(), "a,b=c");
    EXPECT_TRUE(client.Verify(*server_final).ok());
    EXPECT_FALSE(client.Verify("v=" + server_final->substr(3, 4) + *server_final).ok());

    ScramServer refusing(mechanism, users);
    ScramClient wrong(mechanism, "a,b=c", "crayon");
    auto first = refusing.First(wrong.First());
    ASSERT_TRUE(first.ok());
    auto final_message = wrong.Final(*first);
    ASSERT_TRUE(final_message.ok());
    EXPECT_FALSE(refusing.Final(*final_message).ok());

    ScramClient fooled(mechanism, "a,b=c", "pencil");
    fooled.First();
    EXPECT_FALSE(fooled.Final("r=someone-else,s=c2FsdA==,i=4096").ok());
    EXPECT_FALSE(fooled.Final("garbage").ok());
    EXPECT_FALSE(ScramClient(mechanism, "u", "p").Verify("v=x").ok()) << "before client-final";
  }
}

}  // namespace
}  // namespace herald::security
