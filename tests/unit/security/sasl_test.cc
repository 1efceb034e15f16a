#include "security/sasl.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/base64.h"

namespace herald::security {
namespace {

using namespace std::string_literals;

// Users with SCRAM-SHA-256 credentials: alice/wonderland; bob has SCRAM-SHA-512 only.
SaslServer::Credentials Store() {
  auto users =
      std::make_shared<std::map<std::pair<std::string, ScramMechanism>, ScramCredential>>();
  (*users)[{"alice", ScramMechanism::kSha256}] =
      NewCredential(ScramMechanism::kSha256, "wonderland");
  (*users)[{"bob", ScramMechanism::kSha512}] = NewCredential(ScramMechanism::kSha512, "builder");
  return
      [users](const std::string& user, ScramMechanism mechanism) -> std::optional<ScramCredential> {
        auto it = users->find({user, mechanism});
        if (it == users->end()) return std::nullopt;
        return it->second;
      };
}

const std::vector<std::string> kAll = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

TEST(SaslTest, PlainChecksThePasswordAgainstTheScramCredential) {
  for (const auto& [token, ok] :
       std::vector<std::pair<std::string, bool>>{{"\0alice\0wonderland"s, true},
                                                 {"alice\0alice\0wonderland"s, true},
                                                 {"\0bob\0builder"s, true},
                                                 {"\0alice\0wrong"s, false},
                                                 {"\0nobody\0x"s, false},
                                                 {"carol\0alice\0wonderland"s, false},
                                                 {"\0alice\0"s, false},
                                                 {"alice\0wonderland"s, false},
                                                 {"\0alice\0wonderland\0"s, false}}) {
    SaslServer sasl(kAll, Store());
    ASSERT_TRUE(sasl.Select("PLAIN").ok());
    auto answer = sasl.Step(token);
    EXPECT_EQ(answer.ok(), ok) << token.size();
    EXPECT_EQ(sasl.authenticated(), ok);
    if (ok) {
      EXPECT_EQ(*answer, "");
      EXPECT_TRUE(sasl.principal() == "User:alice" || sasl.principal() == "User:bob");
    }
    EXPECT_FALSE(sasl.Step(token).ok()) << "one exchange per connection";
  }
}

TEST(SaslTest, PlainAcceptsThePasswordOfEitherMechanism) {
  // carol's SCRAM-SHA-512 password was changed, not her SCRAM-SHA-256 one.
  auto credentials = [](const std::string& user,
                        ScramMechanism mechanism) -> std::optional<ScramCredential> {
    if (user != "carol") return std::nullopt;
    return NewCredential(mechanism, mechanism == ScramMechanism::kSha256 ? "old" : "new");
  };
  for (const char* password : {"old", "new"}) {
    SaslServer sasl({"PLAIN"}, credentials);
    ASSERT_TRUE(sasl.Select("PLAIN").ok());
    EXPECT_TRUE(sasl.Step("\0carol\0"s + password).ok()) << password;
  }
}

TEST(SaslTest, OnlyEnabledMechanismsAreChosenAndOnlyOnce) {
  SaslServer sasl({"SCRAM-SHA-512"}, Store());
  EXPECT_FALSE(sasl.Step("x").ok()) << "a token before a mechanism";
  EXPECT_FALSE(sasl.Select("PLAIN").ok());
  EXPECT_FALSE(sasl.Select("GSSAPI").ok());
  EXPECT_TRUE(sasl.Select("SCRAM-SHA-512").ok());
  EXPECT_FALSE(sasl.Select("SCRAM-SHA-512").ok());
  EXPECT_TRUE(IsKnownMechanism("PLAIN"));
  EXPECT_TRUE(IsKnownMechanism("SCRAM-SHA-256"));
  EXPECT_FALSE(IsKnownMechanism("OAUTHBEARER"));
}

// A client's side of SCRAM, enough to drive the server (RFC 5802's computations, written
// apart from the server's): client-final for `server_first`.
Buffer Hmac(ScramMechanism mechanism, ByteView key, std::string_view data) {
  Buffer out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  HMAC(mechanism == ScramMechanism::kSha256 ? EVP_sha256() : EVP_sha512(), key.data(),
       static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &size);
  out.resize(size);
  return out;
}

std::string ClientFinal(ScramMechanism mechanism, const std::string& password,
                        const std::string& client_first_bare, const std::string& server_first) {
  const std::string nonce = server_first.substr(2, server_first.find(',') - 2);
  const size_t salt_at = server_first.find(",s=") + 3;
  const size_t iterations_at = server_first.find(",i=");
  const Buffer salt = *Base64Decode(server_first.substr(salt_at, iterations_at - salt_at));
  const int32_t iterations = std::stoi(server_first.substr(iterations_at + 3));
  const Buffer salted = SaltedPassword(mechanism, password, salt, iterations);
  Buffer client_key = Hmac(mechanism, salted, "Client Key");
  Buffer stored_key(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  EVP_Digest(client_key.data(), client_key.size(), stored_key.data(), &size,
             mechanism == ScramMechanism::kSha256 ? EVP_sha256() : EVP_sha512(), nullptr);
  stored_key.resize(size);
  const std::string without_proof = "c=biws,r=" + nonce;
  const Buffer signature =
      Hmac(mechanism, stored_key, client_first_bare + "," + server_first + "," + without_proof);
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= signature[i];
  return without_proof + ",p=" + Base64Encode(client_key);
}

TEST(SaslTest, ScramExchangesOfBothMechanisms) {
  for (const auto& [name, mechanism, user, password] :
       std::vector<std::tuple<std::string, ScramMechanism, std::string, std::string>>{
           {"SCRAM-SHA-256", ScramMechanism::kSha256, "alice", "wonderland"},
           {"SCRAM-SHA-512", ScramMechanism::kSha512, "bob", "builder"}}) {
    SaslServer sasl(kAll, Store());
    ASSERT_TRUE(sasl.Select(name).ok());
    const std::string bare = "n=" + user + ",r=client-nonce";
    auto server_first = sasl.Step("n,," + bare);
    ASSERT_TRUE(server_first.ok()) << server_first.status().ToString();
    EXPECT_FALSE(sasl.authenticated());
    auto server_final = sasl.Step(ClientFinal(mechanism, password, bare, *server_first));
    ASSERT_TRUE(server_final.ok()) << server_final.status().ToString();
    EXPECT_TRUE(server_final->starts_with("v="));
    EXPECT_EQ(sasl.principal(), "User:" + user);

    SaslServer wrong(kAll, Store());
    ASSERT_TRUE(wrong.Select(name).ok());
    auto first = wrong.Step("n,," + bare);
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(wrong.Step(ClientFinal(mechanism, "guess", bare, *first)).ok());
    EXPECT_FALSE(wrong.authenticated());
  }
  // alice has no SCRAM-SHA-512 credential.
  SaslServer other(kAll, Store());
  ASSERT_TRUE(other.Select("SCRAM-SHA-512").ok());
  EXPECT_FALSE(other.Step("n,,n=alice,r=x").ok());
}

}  // namespace
}  // namespace herald::security
