// HTTP authentication and the ACLs on the HTTP doors, with curl against a real `herald serve`:
//   - --http-auth basic: HTTP Basic with the users of `herald user create` (principal User:NAME),
//     401 with a Basic challenge for no, wrong or malformed credentials; /healthz and /readyz stay
//     open, /metrics too with --public-metrics;
//   - --api-key PRINCIPAL=KEY binds a key to a principal the ACLs bind, a bare KEY may do anything;
//   - with --authorizer acl, each REST proxy and admin route checks what its Kafka request would
//     (403, error code 40301, until the binding is granted), listings hold only what the caller
//     may DESCRIBE, and routes with no check of their own (schema registry, event store) are for
//     super users and bare keys.
// The brokers are those of testing/acl_broker.h (admin the super user, alice and bob); bindings are
// granted with CreateAcls on admin's SASL connection.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/authorizer.h"
#include "testing/acl_broker.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using broker::AclOperation;
using broker::AclPermission;
using broker::PatternType;
using broker::ResourceType;
using nlohmann::json;
using testing::AclPassword;
using testing::HttpAnswer;
using testing::RunCommand;

constexpr char kJsonV2[] = "application/vnd.kafka.json.v2+json";
constexpr char kCiKey[] = "c1-k3y";  // bound to User:ci

// curl's options for each way of calling.
std::string As(const std::string& user) {
  return fmt::format("-u '{}:{}'", user, AclPassword(user));
}
std::string Bearer(const std::string& key) {
  return fmt::format("-H 'Authorization: Bearer {}'", key);
}

class HttpAuthTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  // The ACL broker with Basic on HTTP and a key bound to User:ci, plus `extra`. Use with
  // ASSERT_NO_FATAL_FAILURE.
  void Serve(std::vector<std::string> extra = {}) {
    const std::string data_dir = dir_.str() + "/data";
    extra.insert(extra.end(),
                 {"--http-auth", "basic", "--api-key", fmt::format("User:ci={}", kCiKey)});
    try {
      testing::CreateAclUsers(data_dir);
      server_ = testing::StartAclBroker(data_dir, extra);
      admin_ = testing::ConnectAs(server_->port(), "admin");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }

  HttpAnswer Call(const std::string& how, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& content_type = "") {
    return testing::Curl(method, server_->http_url() + path, body, content_type, how);
  }
  // A REST proxy produce of one JSON record to `topic`.
  HttpAnswer Produce(const std::string& how, const std::string& topic) {
    return Call(how, "POST", "/topics/" + topic, R"({"records":[{"value":{"n":1}}]})", kJsonV2);
  }

  void Allow(const std::string& principal, AclOperation operation, ResourceType type,
             const std::string& name, PatternType pattern = PatternType::kLiteral) {
    testing::Grant(*admin_,
                   {type, name, pattern, principal, "*", operation, AclPermission::kAllow});
  }

  // The Confluent error shape with `error_code` (its status is the code's first three digits).
  static void ExpectError(const HttpAnswer& answer, int error_code) {
    EXPECT_EQ(answer.status, error_code / 100) << answer.body;
    const json body = answer.Json();
    EXPECT_TRUE(body.is_object() && body.value("error_code", 0) == error_code) << answer.body;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::unique_ptr<testing::raw_wire::RawWireClient> admin_;
};

// Basic with the users of `herald user create`: no credentials, a wrong password, an unknown user,
// malformed credentials and another scheme are 401 with a challenge naming both schemes; the right
// password is served. /healthz and /readyz need nothing; /metrics needs credentials.
TEST_F(HttpAuthTest, BasicTakesTheUsersOfHeraldUserCreate) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  ExpectError(Call("", "GET", "/topics"), 40101);
  ExpectError(Call("-u 'alice:wrong'", "GET", "/topics"), 40101);
  ExpectError(Call("-u 'mallory:al1ce-Pa55'", "GET", "/topics"), 40101);
  ExpectError(Call("-u 'alice:'", "GET", "/topics"), 40101);
  ExpectError(Call("-H 'Authorization: Basic !!!not-base64'", "GET", "/topics"), 40101);
  ExpectError(Call("-H 'Authorization: Basic YWxpY2U='", "GET", "/topics"), 40101);  // "alice"
  ExpectError(Call("-H 'Authorization: Digest x'", "GET", "/topics"), 40101);
  ExpectError(Call(Bearer("no-such-key"), "GET", "/topics"), 40101);
  EXPECT_EQ(Call(As("alice"), "GET", "/topics").status, 200);
  EXPECT_EQ(Call(As("alice"), "GET", "/topics").status, 200) << "again, remembered";
  EXPECT_EQ(Call("-H 'Authorization: basic " + std::string("YWxpY2U6YWwxY2UtUGE1NQ==") + "'", "GET",
                 "/topics")
                .status,
            200)
      << "the scheme's name is case-insensitive";

  const auto challenge =
      RunCommand(fmt::format("curl -s -o /dev/null -D - '{}/topics'", server_->http_url()));
  EXPECT_NE(challenge.out.find(R"(WWW-Authenticate: Basic realm="herald")"), std::string::npos)
      << challenge.out;
  EXPECT_NE(challenge.out.find("Bearer"), std::string::npos) << challenge.out;
  EXPECT_EQ(challenge.out.find("invalid_token"), std::string::npos) << challenge.out;
  const auto refused_key = RunCommand(
      fmt::format("curl -s -o /dev/null -D - -H 'Authorization: Bearer no-such-key' '{}/topics'",
                  server_->http_url()));
  EXPECT_NE(refused_key.out.find(R"(Bearer error="invalid_token")"), std::string::npos)
      << "RFC 6750: " << refused_key.out;

  EXPECT_EQ(Call("", "GET", "/healthz").status, 200);
  const auto ready = Call("", "GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Json(), json({{"status", "ready"}})) << "no details for anonymous callers";
  EXPECT_TRUE(Call(As("admin"), "GET", "/readyz").Json().contains("storage"));
  ExpectError(Call("", "GET", "/metrics"), 40101);
  ExpectError(Call("", "GET", "/no/such/path"), 40101);  // no 404 before authentication
  ExpectError(Call("-H 'Authorization: Basic YWxpY2UBOmFsMWNlLVBhNTU='", "GET", "/topics"),
              40101);  // "alice\x01:al1ce-Pa55": a control character
  EXPECT_EQ(Call(As("admin"), "GET", "/metrics").status, 200);
}

// --public-metrics serves /metrics to anyone; the rest still needs credentials.
TEST_F(HttpAuthTest, PublicMetricsNeedNoCredentials) {
  ASSERT_NO_FATAL_FAILURE(Serve({"--public-metrics"}));
  const auto metrics = Call("", "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("partitions_offline 0"), std::string::npos) << metrics.body;
  ExpectError(Call("", "GET", "/topics"), 40101);
}

// The REST proxy checks what Produce and Metadata would: WRITE to produce (and CREATE, on the
// topic or the cluster, for a missing topic to be made), DESCRIBE to see a topic, whether or not it
// exists, DESCRIBE_CONFIGS for its configs; the list holds only what the caller may DESCRIBE.
TEST_F(HttpAuthTest, TheRestProxyChecksTopicAcls) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  ASSERT_EQ(Produce(As("admin"), "orders").status, 200);
  ASSERT_EQ(Produce(As("admin"), "secret").status, 200);

  ExpectError(Produce(As("alice"), "orders"), 40301);
  ExpectError(Call(As("alice"), "GET", "/topics/orders"), 40301);
  ExpectError(Call(As("alice"), "GET", "/topics/ghost"), 40301);  // refused before looked up
  ExpectError(Call(As("alice"), "GET", "/topics/orders/partitions/0/offsets"), 40301);
  EXPECT_EQ(Call(As("alice"), "GET", "/topics").Json(), json::array());

  Allow("User:alice", AclOperation::kWrite, ResourceType::kTopic, "orders");
  const auto produced = Produce(As("alice"), "orders");
  ASSERT_EQ(produced.status, 200) << produced.body;
  EXPECT_EQ(produced.Json()["offsets"][0]["offset"], 1);
  EXPECT_EQ(Call(As("alice"), "GET", "/topics").Json(), json::array({"orders"}))
      << "WRITE implies DESCRIBE";
  const auto topic = Call(As("alice"), "GET", "/topics/orders");
  ASSERT_EQ(topic.status, 200) << topic.body;
  EXPECT_EQ(topic.Json()["configs"], json::object()) << "no DESCRIBE_CONFIGS";
  Allow("User:alice", AclOperation::kDescribeConfigs, ResourceType::kTopic, "orders");
  EXPECT_TRUE(
      Call(As("alice"), "GET", "/topics/orders").Json()["configs"].contains("cleanup.policy"));

  // A missing topic: made only for a caller who may CREATE it.
  Allow("User:alice", AclOperation::kWrite, ResourceType::kTopic, "new.", PatternType::kPrefixed);
  ExpectError(Produce(As("alice"), "new.one"), 40401);
  EXPECT_EQ(Call(As("admin"), "GET", "/topics/new.one").status, 404) << "not made";
  Allow("User:alice", AclOperation::kCreate, ResourceType::kTopic, "new.", PatternType::kPrefixed);
  EXPECT_EQ(Produce(As("alice"), "new.one").status, 200);

  // The ACLs bind a key's principal too; a bare key may do anything.
  ExpectError(Produce(Bearer(kCiKey), "orders"), 40301);
  Allow("User:ci", AclOperation::kWrite, ResourceType::kTopic, "orders");
  EXPECT_EQ(Produce(Bearer(kCiKey), "orders").status, 200);
  EXPECT_EQ(Produce(Bearer(testing::kAclApiKey), "secret").status, 200);
  ExpectError(Produce(As("bob"), "secret"), 40301);
}

// The admin API checks what CreateTopics, AlterConfigs, CreatePartitions, DeleteTopics,
// DescribeCluster, ListGroups and DeleteGroups would.
TEST_F(HttpAuthTest, TheAdminApiChecksWhatKafkaWould) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string topic = R"({"name":"app.events","partitions":1})";
  ExpectError(Call(As("alice"), "POST", "/admin/topics", topic, "application/json"), 40301);
  Allow("User:alice", AclOperation::kCreate, ResourceType::kTopic, "app.", PatternType::kPrefixed);
  const auto created = Call(As("alice"), "POST", "/admin/topics", topic, "application/json");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.Json().contains("configs")) << "no DESCRIBE_CONFIGS";

  const std::string configs = R"({"configs":{"retention.ms":"60000"}})";
  const std::string partitions = R"({"partitions":3})";
  ExpectError(Call(As("alice"), "PATCH", "/admin/topics/app.events", configs, "application/json"),
              40301);
  ExpectError(
      Call(As("alice"), "PATCH", "/admin/topics/app.events", partitions, "application/json"),
      40301);
  Allow("User:alice", AclOperation::kAlterConfigs, ResourceType::kTopic, "app.events");
  const auto altered =
      Call(As("alice"), "PATCH", "/admin/topics/app.events", configs, "application/json");
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(altered.Json()["overrides"]["retention.ms"], "60000") << "ALTER_CONFIGS implies "
                                                                     "DESCRIBE_CONFIGS";
  Allow("User:alice", AclOperation::kAlter, ResourceType::kTopic, "app.events");
  EXPECT_EQ(Call(As("alice"), "PATCH", "/admin/topics/app.events", partitions, "application/json")
                .Json()["partitions"],
            3);

  ExpectError(Call(As("bob"), "PATCH", "/admin/topics/app.events", R"({})", "application/json"),
              40301);
  EXPECT_EQ(
      Call(As("alice"), "PATCH", "/admin/topics/app.events", R"({})", "application/json").status,
      422)
      << "nothing to change";
  ExpectError(Call(As("bob"), "GET", "/admin/topics/app.events"), 40301);
  EXPECT_EQ(Call(As("bob"), "GET", "/admin/topics").Json(), json::array());
  ExpectError(Call(As("bob"), "DELETE", "/admin/topics/app.events"), 40301);
  Allow("User:bob", AclOperation::kDelete, ResourceType::kCluster, broker::kClusterResourceName);
  EXPECT_EQ(Call(As("bob"), "DELETE", "/admin/topics/app.events").status, 204)
      << "DELETE on the cluster covers every topic";

  ExpectError(Call(As("alice"), "GET", "/admin/broker"), 40301);
  ExpectError(Call(As("alice"), "GET", "/metrics"), 40301);
  Allow("User:alice", AclOperation::kDescribe, ResourceType::kCluster,
        broker::kClusterResourceName);
  EXPECT_EQ(Call(As("alice"), "GET", "/admin/broker").status, 200);
  EXPECT_EQ(Call(As("alice"), "GET", "/metrics").status, 200);

  ExpectError(Call(As("bob"), "GET", "/admin/groups/g1"), 40301);
  ExpectError(Call(As("bob"), "DELETE", "/admin/groups/g1"), 40301);
  Allow("User:bob", AclOperation::kDelete, ResourceType::kGroup, "g1");
  ExpectError(Call(As("bob"), "DELETE", "/admin/groups/g1"), 40404);  // allowed: there is none
}

// Routes with no ACL check of their own (the schema registry, the event store, REST consumer
// instances) are for super users and bare keys while the ACLs are on.
TEST_F(HttpAuthTest, RoutesWithoutTheirOwnChecksAreForSuperUsers) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  // Each with what a super user gets: the registry's (empty) subjects, a stream that does not
  // exist, the (empty) persistent subscriptions.
  for (const auto& [path, status] : std::vector<std::pair<std::string, int>>{
           {"/subjects", 200}, {"/streams/order-1", 404}, {"/subscriptions", 200}}) {
    SCOPED_TRACE(path);
    ExpectError(Call(As("alice"), "GET", path), 40301);
    ExpectError(Call(Bearer(kCiKey), "GET", path), 40301);
    EXPECT_EQ(Call(As("admin"), "GET", path).status, status);
    EXPECT_EQ(Call(Bearer(testing::kAclApiKey), "GET", path).status, status);
  }
  // Registering a schema through the REST proxy is the registry's business too.
  ASSERT_EQ(Produce(As("admin"), "orders").status, 200);
  Allow("User:alice", AclOperation::kWrite, ResourceType::kTopic, "orders");
  const std::string avro = R"({"value_schema":"\"string\"","records":[{"value":"x"}]})";
  ExpectError(
      Call(As("alice"), "POST", "/topics/orders", avro, "application/vnd.kafka.avro.v2+json"),
      40301);
  EXPECT_EQ(Call(As("admin"), "GET", "/subjects").Json(), json::array()) << "nothing registered";
  ExpectError(Call(As("alice"), "POST", "/consumers/g1", R"({"name":"c1"})",
                   "application/vnd.kafka.v2+json"),
              40301);
}

}  // namespace
}  // namespace herald
