// SCRAM users managed on a running broker (KIP-554): DescribeUserScramCredentials and
// AlterUserScramCredentials as raw requests to a real `herald serve --authorizer acl` with SASL
// (testing/acl_broker.h: admin the super user, alice and bob created offline). A user created
// online logs in at once, with kcat (SCRAM-SHA-256, librdkafka) and PLAIN, and over HTTP Basic; a
// password changed or a user deleted online is refused at once, on both doors (HTTP's remembered
// logins included). Each refusal is Kafka's code: CLUSTER_AUTHORIZATION_FAILED without the
// cluster ALTER (or DESCRIBE) binding, RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE,
// UNSUPPORTED_SASL_MECHANISM, UNACCEPTABLE_CREDENTIAL, and a user refused has none of its changes
// made while the request's other users have theirs. Changes survive a restart.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kafka/api.h"
#include "kafka/messages/alter_user_scram_credentials.h"
#include "kafka/messages/describe_user_scram_credentials.h"
#include "security/scram.h"
#include "testing/acl_broker.h"
#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using security::ScramMechanism;
using testing::raw_wire::RawWireClient;

constexpr int8_t kSha256 = 1;
constexpr int8_t kSha512 = 2;
constexpr char kCarolPassword[] = "c4rol-Pa55";

// A user's credentials as DescribeUserScramCredentials lists them: mechanism -> iterations; or
// the result's error code when it has one (as {-code: 0}).
using Credentials = std::map<int8_t, int32_t>;

// An upsertion of `user`'s `mechanism` credential for `password`, salted and hashed as a client
// does.
kafka::AlterUserScramCredentialsRequestUpsertion Upsertion(const std::string& user,
                                                           int8_t mechanism,
                                                           const std::string& password,
                                                           int32_t iterations = 4096) {
  kafka::AlterUserScramCredentialsRequestUpsertion u;
  u.name = user;
  u.mechanism = mechanism;
  u.iterations = iterations;
  const std::string salt = fmt::format("salt-of-{}-{}", user, mechanism);
  u.salt.assign(salt.begin(), salt.end());
  if (mechanism == kSha256 || mechanism == kSha512) {
    u.salted_password = security::SaltedPassword(static_cast<ScramMechanism>(mechanism), password,
                                                 u.salt, iterations);
  } else {
    u.salted_password.assign(32, 0);
  }
  return u;
}

class UsersTest : public ::testing::Test {
 protected:
  void Serve() {
    try {
      testing::CreateAclUsers(dir_.str() + "/data");
      Start();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  void Start() {
    server_ = testing::StartAclBroker(dir_.str() + "/data", {"--http-auth", "basic"});
    admin_ = testing::ConnectAs(server_->port(), "admin");
  }
  void Restart() {
    admin_.reset();
    server_.reset();
    Start();
  }

  // Every user's credentials (or an error code), as `client` is answered; with `users`, those.
  std::pair<int16_t, std::map<std::string, Credentials>> Describe(
      RawWireClient& client, std::optional<std::vector<std::string>> users = std::nullopt) {
    kafka::DescribeUserScramCredentialsRequest request;
    if (users) {
      request.users.emplace();
      for (const auto& u : *users) request.users->push_back({u});
    } else {
      request.users = std::nullopt;
    }
    const auto response = client
                              .Call<kafka::DescribeUserScramCredentialsResponse>(
                                  ApiKey::kDescribeUserScramCredentials, 0, request)
                              .body;
    std::map<std::string, Credentials> out;
    for (const auto& r : response.results) {
      Credentials& c = out[r.user];
      if (r.error_code != 0) c[static_cast<int8_t>(-r.error_code)] = 0;
      for (const auto& info : r.credential_infos) c[info.mechanism] = info.iterations;
    }
    return {response.error_code, out};
  }

  // Each user's error code, in the order of the results.
  std::vector<std::pair<std::string, int16_t>> Alter(
      RawWireClient& client,
      std::vector<kafka::AlterUserScramCredentialsRequestDeletion> deletions,
      std::vector<kafka::AlterUserScramCredentialsRequestUpsertion> upsertions) {
    kafka::AlterUserScramCredentialsRequest request;
    request.deletions = std::move(deletions);
    request.upsertions = std::move(upsertions);
    const auto response = client
                              .Call<kafka::AlterUserScramCredentialsResponse>(
                                  ApiKey::kAlterUserScramCredentials, 0, request)
                              .body;
    std::vector<std::pair<std::string, int16_t>> out;
    for (const auto& r : response.results) out.emplace_back(r.user, r.error_code);
    return out;
  }

  // Whether `user` logs in with PLAIN and `password` on a raw connection.
  bool LogsIn(const std::string& user, const std::string& password) {
    try {
      testing::ConnectAs(server_->port(), user, password);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  // The status of GET /topics with HTTP Basic as `user`.
  int HttpStatus(const std::string& user, const std::string& password) {
    return testing::Curl("GET", server_->http_url() + "/topics", "", "",
                         fmt::format("-u '{}:{}'", user, password))
        .status;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::unique_ptr<RawWireClient> admin_;
};

TEST_F(UsersTest, AUserCreatedOnlineLogsInAtOnceAndADeletedOneIsRefusedAtOnce) {
  HERALD_REQUIRE_CLIENT(testing::HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  auto [error, users] = Describe(*admin_);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(users, (std::map<std::string, Credentials>{{"admin", {{kSha256, 4096}, {kSha512, 4096}}},
                                                       {"alice", {{kSha256, 4096}, {kSha512, 4096}}},
                                                       {"bob", {{kSha256, 4096}, {kSha512, 4096}}}}));

  EXPECT_FALSE(LogsIn("carol", kCarolPassword));
  using Result = std::vector<std::pair<std::string, int16_t>>;
  EXPECT_EQ(Alter(*admin_, {}, {Upsertion("carol", kSha256, kCarolPassword, 8192)}),
            (Result{{"carol", 0}}));
  EXPECT_EQ(Describe(*admin_, std::vector<std::string>{"carol"}).second,
            (std::map<std::string, Credentials>{{"carol", {{kSha256, 8192}}}}));
  EXPECT_TRUE(LogsIn("carol", kCarolPassword)) << "PLAIN, checked against her SCRAM credential";
  EXPECT_FALSE(LogsIn("carol", "wrong"));
  const std::string kcat_sasl = fmt::format(
      "-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 "
      "-X sasl.username=carol -X sasl.password={}",
      kCarolPassword);
  const auto listed =
      testing::RunKcat(dir_.path(), server_->bootstrap(), kcat_sasl + " -L -m 10");
  EXPECT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_EQ(HttpStatus("carol", kCarolPassword), 200);
  EXPECT_EQ(HttpStatus("carol", kCarolPassword), 200) << "again, remembered";

  // A new password: the old one is refused at once, over HTTP too (though it was remembered).
  EXPECT_EQ(Alter(*admin_, {}, {Upsertion("carol", kSha256, "n3w-Pa55")}), (Result{{"carol", 0}}));
  EXPECT_FALSE(LogsIn("carol", kCarolPassword));
  EXPECT_TRUE(LogsIn("carol", "n3w-Pa55"));
  EXPECT_EQ(HttpStatus("carol", kCarolPassword), 401);
  EXPECT_EQ(HttpStatus("carol", "n3w-Pa55"), 200);

  // Deleted: refused everywhere, and gone after a restart.
  EXPECT_EQ(Alter(*admin_, {{"carol", kSha256}}, {}), (Result{{"carol", 0}}));
  EXPECT_FALSE(LogsIn("carol", "n3w-Pa55"));
  EXPECT_EQ(HttpStatus("carol", "n3w-Pa55"), 401);
  const auto refused = testing::RunKcat(dir_.path(), server_->bootstrap(),
                                        fmt::format("-X security.protocol=SASL_PLAINTEXT "
                                                    "-X sasl.mechanisms=SCRAM-SHA-256 "
                                                    "-X sasl.username=carol -X sasl.password={} "
                                                    "-L -m 5",
                                                    "n3w-Pa55"));
  EXPECT_NE(refused.exit_code, 0) << refused.out;

  EXPECT_EQ(Alter(*admin_, {}, {Upsertion("dave", kSha512, "d4ve-Pa55", 4096)}),
            (Result{{"dave", 0}}));
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_TRUE(LogsIn("dave", "d4ve-Pa55"));
  EXPECT_FALSE(LogsIn("carol", "n3w-Pa55"));
  EXPECT_EQ(Describe(*admin_, std::vector<std::string>{"carol", "dave"}).second,
            (std::map<std::string, Credentials>{
                {"carol", {{static_cast<int8_t>(-Code(ErrorCode::kResourceNotFound)), 0}}},
                {"dave", {{kSha512, 4096}}}}));
}

TEST_F(UsersTest, EachRefusalIsKafkasCodeAndARefusedUserHasNoneOfItsChanges) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  using Result = std::vector<std::pair<std::string, int16_t>>;
  const int16_t kNotFound = Code(ErrorCode::kResourceNotFound);
  const int16_t kDuplicate = Code(ErrorCode::kDuplicateResource);
  const int16_t kUnacceptable = Code(ErrorCode::kUnacceptableCredential);
  const int16_t kMechanism = Code(ErrorCode::kUnsupportedSaslMechanism);
  const int16_t kClusterDenied = Code(ErrorCode::kClusterAuthorizationFailed);

  // alice may neither describe nor alter without a binding on the cluster.
  auto alice = testing::ConnectAs(server_->port(), "alice");
  EXPECT_EQ(Describe(*alice).first, kClusterDenied);
  EXPECT_EQ(Alter(*alice, {{"bob", kSha256}}, {Upsertion("erin", kSha256, "x")}),
            (Result{{"bob", kClusterDenied}, {"erin", kClusterDenied}}));
  EXPECT_TRUE(LogsIn("bob", testing::AclPassword("bob")));
  testing::Grant(*admin_, {broker::ResourceType::kCluster, broker::kClusterResourceName,
                           broker::PatternType::kLiteral, "User:alice", "*",
                           broker::AclOperation::kAlter, broker::AclPermission::kAllow});
  EXPECT_EQ(Describe(*alice).first, 0) << "ALTER implies DESCRIBE";

  // One request: erin is fine; frank names one credential twice; gina has an unknown mechanism;
  // hal too few iterations; ivy an empty salt; bob's removal of a credential he has comes with
  // an upsertion of the same one. Only erin's change is made; bob keeps his credential.
  auto no_salt = Upsertion("ivy", kSha256, "x");
  no_salt.salt.clear();
  EXPECT_EQ(Alter(*alice, {{"frank", kSha256}, {"bob", kSha512}},
                  {Upsertion("erin", kSha256, "3rin-Pa55"), Upsertion("frank", kSha256, "x"),
                   Upsertion("gina", 9, "x"), Upsertion("hal", kSha256, "x", 100), no_salt,
                   Upsertion("bob", kSha512, "x")}),
            (Result{{"frank", kDuplicate},
                    {"bob", kDuplicate},
                    {"erin", 0},
                    {"gina", kMechanism},
                    {"hal", kUnacceptable},
                    {"ivy", kUnacceptable}}));
  EXPECT_TRUE(LogsIn("erin", "3rin-Pa55"));
  EXPECT_TRUE(LogsIn("bob", testing::AclPassword("bob")));
  EXPECT_EQ(Describe(*admin_, std::vector<std::string>{"frank", "gina", "hal", "ivy"}).second,
            (std::map<std::string, Credentials>{
                {"frank", {{static_cast<int8_t>(-kNotFound), 0}}},
                {"gina", {{static_cast<int8_t>(-kNotFound), 0}}},
                {"hal", {{static_cast<int8_t>(-kNotFound), 0}}},
                {"ivy", {{static_cast<int8_t>(-kNotFound), 0}}}}));

  // Removing a credential a user has not; an empty name; too many iterations.
  EXPECT_EQ(Alter(*admin_, {{"erin", kSha512}}, {}), (Result{{"erin", kNotFound}}));
  EXPECT_TRUE(LogsIn("erin", "3rin-Pa55"));
  EXPECT_EQ(Alter(*admin_, {}, {Upsertion("", kSha256, "x")}), (Result{{"", kUnacceptable}}));
  EXPECT_EQ(Alter(*admin_, {}, {Upsertion("jo", kSha256, "x", 20000)}),
            (Result{{"jo", kUnacceptable}}));

  // Describing one user twice.
  EXPECT_EQ(Describe(*admin_, std::vector<std::string>{"erin", "erin"}).second,
            (std::map<std::string, Credentials>{
                {"erin", {{static_cast<int8_t>(-kDuplicate), 0}}}}));
}

// `herald user` with --url changes the users of a running broker through its admin API, and
// the routes answer as the Kafka APIs do: DESCRIBE on the cluster to list, ALTER to change.
TEST_F(UsersTest, TheCliAndTheAdminApiManageUsersOnline) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string online =
      fmt::format("--url {} --api-key {}", server_->http_url(), testing::kAclApiKey);
  auto created = testing::RunCommand(fmt::format(
      "timeout 30 {} user create kim --password k1m-Pa55 --mechanism SCRAM-SHA-512 "
      "--iterations 8192 {}",
      HERALD_BINARY, online));
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  EXPECT_EQ(created.out, "kim SCRAM-SHA-512 (iterations 8192)\n");
  EXPECT_TRUE(LogsIn("kim", "k1m-Pa55"));
  EXPECT_EQ(HttpStatus("kim", "k1m-Pa55"), 200);
  auto listed = testing::RunCommand(
      fmt::format("timeout 30 {} user list {}", HERALD_BINARY, online));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("kim"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("alice"), std::string::npos) << listed.out;

  // As alice (Basic, no binding): refused; the body's mistakes are 422; an unknown user 404.
  const std::string as_alice = fmt::format("-u 'alice:{}'", testing::AclPassword("alice"));
  EXPECT_EQ(testing::Curl("GET", server_->http_url() + "/admin/users", "", "", as_alice).status,
            403);
  EXPECT_EQ(testing::Curl("PUT", server_->http_url() + "/admin/users/kim",
                          R"({"password":"x"})", "application/json", as_alice)
                .status,
            403);
  const std::string bearer = fmt::format("-H 'Authorization: Bearer {}'", testing::kAclApiKey);
  EXPECT_EQ(testing::Curl("PUT", server_->http_url() + "/admin/users/kim",
                          R"({"password":"x","mechanism":"MD5"})", "application/json", bearer)
                .status,
            422);
  EXPECT_EQ(testing::Curl("PUT", server_->http_url() + "/admin/users/kim",
                          R"({"password":"x","iterations":100})", "application/json", bearer)
                .status,
            422);
  EXPECT_TRUE(LogsIn("kim", "k1m-Pa55")) << "nothing changed";
  const auto unknown =
      testing::Curl("DELETE", server_->http_url() + "/admin/users/nobody", "", "", bearer);
  EXPECT_EQ(unknown.status, 404) << unknown.body;

  auto deleted = testing::RunCommand(
      fmt::format("timeout 30 {} user delete kim {}", HERALD_BINARY, online));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_FALSE(LogsIn("kim", "k1m-Pa55"));
  EXPECT_EQ(HttpStatus("kim", "k1m-Pa55"), 401);
  auto again = testing::RunCommand(
      fmt::format("timeout 30 {} user delete kim {}", HERALD_BINARY, online));
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
}

}  // namespace
}  // namespace herald
