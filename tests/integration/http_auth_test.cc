// HTTP authentication and the ACLs on the HTTP doors, with curl against a real `herald serve`:
//   - --http-auth basic: HTTP Basic with the users of `herald user create` (principal User:NAME),
//     401 with a Basic challenge for no, wrong or malformed credentials; /healthz and /readyz stay
//     open, /metrics too with --public-metrics;
//   - --api-key PRINCIPAL=KEY binds a key to a principal the ACLs bind, a bare KEY may do anything;
//   - with --authorizer acl, each REST proxy and admin route checks what its Kafka request would
//     (403, error code 40301, until the binding is granted), listings hold only what the caller
//     may DESCRIBE, the schema registry checks its subjects' topics, the event store its topic
//     and persistent subscriptions their groups, and REST consumer instances read as the caller
//     that made them (the Kafka door applies its ACLs) and are that caller's alone.
// The brokers are those of testing/acl_broker.h (admin the super user, alice and bob); bindings are
// granted with CreateAcls on admin's SASL connection.
#include <chrono>
#include <functional>
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
  // Each but the first (no credentials at all) is an auth_failed audit event.
  const std::string log = server_->Log();
  for (const char* scheme : {"Basic", "Digest", "Bearer"}) {
    EXPECT_TRUE(
        testing::Logged(log, "auth_failed", {"listener=http", fmt::format("scheme={}", scheme)}))
        << scheme << "\n"
        << log;
  }
  ExpectError(Call("-H 'Authorization: s3cret-key-without-scheme'", "GET", "/topics"), 40101);
  const std::string logged = server_->Log();
  EXPECT_TRUE(testing::Logged(logged, "auth_failed", {"listener=http", "scheme=(malformed)"}));
  for (const char* secret : {"al1ce-Pa55", "YWxpY2U6YWwxY2UtUGE1NQ==", "bWFsbG9yeTphbDFjZS1QYTU1",
                             "s3cret-key-without-scheme", "no-such-key"}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " is in the log";
  }
  const auto metrics = Call(As("admin"), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("auth_failures_total{listener=\"http\"} 8"), std::string::npos)
      << metrics.body;
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
  // The refusals are audit events; leaving topics out of a listing is none.
  const std::string log = server_->Log();
  EXPECT_TRUE(testing::Audited(log, {"principal=User:alice", "operation=write", "resource=orders",
                                     R"(request="POST /topics/{topic}")"}))
      << log;
  EXPECT_TRUE(testing::Audited(log, {"principal=User:alice", "operation=describe", "resource=ghost",
                                     R"(request="GET /topics/{topic}")"}))
      << log;
  EXPECT_FALSE(testing::Audited(log, {"resource=secret"})) << log;

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

// The schema registry checks the topic of each subject, as Confluent's topic-ACL authorizer does:
// READ to read a subject or a schema it uses, WRITE to register, DELETE to delete,
// DESCRIBE_CONFIGS and ALTER_CONFIGS for its compatibility level and mode (the cluster's for the
// global ones); the subject list holds the subjects the caller may read.
TEST_F(HttpAuthTest, TheSchemaRegistryChecksTheTopicOfEachSubject) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string sr = "application/vnd.schemaregistry.v1+json";
  auto registered = [&](const std::string& how, const std::string& subject,
                        const std::string& schema) {
    return Call(how, "POST", "/subjects/" + subject + "/versions",
                json({{"schema", schema}}).dump(), sr);
  };
  ExpectError(registered(As("alice"), "orders-value", R"("string")"), 40301);
  Allow("User:alice", AclOperation::kWrite, ResourceType::kTopic, "orders");
  const auto mine = registered(As("alice"), "orders-value", R"("string")");
  ASSERT_EQ(mine.status, 200) << mine.body;
  const int id = mine.Json()["id"];
  const auto theirs = registered(As("admin"), "secret-value", R"("int")");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  const int secret_id = theirs.Json()["id"];

  // WRITE does not read.
  ExpectError(Call(As("alice"), "GET", "/subjects/orders-value/versions"), 40301);
  ExpectError(Call(As("alice"), "GET", fmt::format("/schemas/ids/{}", id)), 40301);
  EXPECT_EQ(Call(As("alice"), "GET", "/subjects").Json(), json::array());
  Allow("User:alice", AclOperation::kRead, ResourceType::kTopic, "orders");
  EXPECT_EQ(Call(As("alice"), "GET", "/subjects/orders-value/versions").Json(), json::array({1}));
  EXPECT_EQ(Call(As("alice"), "GET", "/subjects/orders-value/versions/latest").Json()["id"], id);
  EXPECT_EQ(Call(As("alice"), "GET", fmt::format("/schemas/ids/{}", id)).status, 200);
  EXPECT_EQ(Call(As("alice"), "GET", fmt::format("/schemas/ids/{}/subjects", id)).Json(),
            json::array({"orders-value"}));
  EXPECT_EQ(Call(As("alice"), "GET", "/subjects").Json(), json::array({"orders-value"}));
  ExpectError(Call(As("alice"), "GET", "/subjects/secret-value/versions"), 40301);
  ExpectError(Call(As("alice"), "GET", fmt::format("/schemas/ids/{}", secret_id)), 40301);
  EXPECT_EQ(Call(As("alice"), "GET", "/schemas/types").status, 200);
  EXPECT_EQ(Call(As("alice"), "GET", "/schemas/ids/999").status, 404);

  // The subject's level and mode are its topic's configs; the global ones the cluster's.
  const std::string none = R"({"compatibility":"NONE"})";
  ExpectError(Call(As("alice"), "PUT", "/config/orders-value", none, sr), 40301);
  ExpectError(Call(As("alice"), "GET", "/mode/orders-value"), 40301);
  Allow("User:alice", AclOperation::kAlterConfigs, ResourceType::kTopic, "orders");
  EXPECT_EQ(Call(As("alice"), "PUT", "/config/orders-value", none, sr).status, 200);
  EXPECT_EQ(Call(As("alice"), "GET", "/config/orders-value").Json()["compatibilityLevel"], "NONE")
      << "ALTER_CONFIGS implies DESCRIBE_CONFIGS";
  ExpectError(Call(As("alice"), "PUT", "/config", none, sr), 40301);
  ExpectError(Call(As("alice"), "GET", "/mode"), 40301);
  Allow("User:alice", AclOperation::kDescribeConfigs, ResourceType::kCluster,
        broker::kClusterResourceName);
  EXPECT_EQ(Call(As("alice"), "GET", "/mode").Json()["mode"], "READWRITE");
  ExpectError(Call(As("alice"), "PUT", "/config", none, sr), 40301);

  ExpectError(Call(As("alice"), "DELETE", "/subjects/orders-value/versions/1"), 40301);
  Allow("User:alice", AclOperation::kDelete, ResourceType::kTopic, "orders");
  EXPECT_EQ(Call(As("alice"), "DELETE", "/subjects/orders-value").Json(), json::array({1}));

  // A subject not named after a topic is the topic of its own name: a prefixed ACL covers
  // RecordNameStrategy's subjects.
  ExpectError(registered(As("bob"), "com.acme.Order", R"("long")"), 40301);
  Allow("User:bob", AclOperation::kWrite, ResourceType::kTopic, "com.acme.",
        PatternType::kPrefixed);
  EXPECT_EQ(registered(As("bob"), "com.acme.Order", R"("long")").status, 200);

  // Through the REST proxy, registering under <topic>-value takes WRITE on the topic, as
  // producing there does.
  ASSERT_EQ(Produce(As("admin"), "payments").status, 200);
  const std::string avro = R"({"value_schema":"\"string\"","records":[{"value":"x"}]})";
  Allow("User:bob", AclOperation::kWrite, ResourceType::kTopic, "payments");
  const auto produced =
      Call(As("bob"), "POST", "/topics/payments", avro, "application/vnd.kafka.avro.v2+json");
  EXPECT_EQ(produced.status, 200) << produced.body;
  EXPECT_EQ(Call(As("admin"), "GET", "/subjects/payments-value/versions").Json(), json::array({1}));
}

// The event store checks its topic for every stream (READ to read, WRITE to append, DELETE to
// delete, DESCRIBE_CONFIGS and ALTER_CONFIGS for metadata); persistent subscriptions also check
// their group, as Kafka's consumer groups are checked.
TEST_F(HttpAuthTest, TheEventStoreChecksItsTopicAndSubscriptionsTheirGroup) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string append =
      R"({"expected_revision":"any","events":[{"type":"Placed","data":{"n":1}}]})";
  auto appended = [&](const std::string& how) {
    return Call(how, "POST", "/streams/order-1", append, "application/json");
  };
  ExpectError(appended(As("alice")), 40301);
  ExpectError(appended(Bearer(kCiKey)), 40301);
  ASSERT_EQ(appended(Bearer(testing::kAclApiKey)).status, 200) << "a bare key may do anything";
  Allow("User:alice", AclOperation::kWrite, ResourceType::kTopic, "herald.events");
  const auto written = appended(As("alice"));
  ASSERT_EQ(written.status, 200) << written.body;
  EXPECT_EQ(written.Json()["next_expected_revision"], 1);

  ExpectError(Call(As("alice"), "GET", "/streams/order-1"), 40301);  // WRITE does not read
  ExpectError(Call(As("alice"), "GET", "/streams/$all"), 40301);
  Allow("User:alice", AclOperation::kRead, ResourceType::kTopic, "herald.events");
  EXPECT_EQ(Call(As("alice"), "GET", "/streams/order-1").Json()["events"].size(), 2u);
  EXPECT_EQ(Call(As("alice"), "GET", "/streams/$ce-order").status, 200);

  const std::string meta = R"({"max_count":1})";
  ExpectError(Call(As("alice"), "GET", "/streams/order-1/metadata"), 40301);
  ExpectError(Call(As("alice"), "PUT", "/streams/order-1/metadata", meta, "application/json"),
              40301);
  Allow("User:alice", AclOperation::kAlterConfigs, ResourceType::kTopic, "herald.events");
  EXPECT_EQ(Call(As("alice"), "PUT", "/streams/order-1/metadata", meta, "application/json").status,
            200);
  EXPECT_EQ(Call(As("alice"), "GET", "/streams/order-1/metadata").Json()["max_count"], 1);
  ExpectError(Call(As("alice"), "DELETE", "/streams/order-1"), 40301);

  // Persistent subscriptions: READ on the topic and on the group.
  const std::string settings = "{}";
  ExpectError(
      Call(As("alice"), "PUT", "/subscriptions/order-1/billing", settings, "application/json"),
      40301);
  Allow("User:alice", AclOperation::kRead, ResourceType::kGroup, "billing");
  EXPECT_EQ(Call(As("alice"), "PUT", "/subscriptions/order-1/billing", settings, "application/json")
                .status,
            201);
  EXPECT_EQ(Call(As("alice"), "GET", "/subscriptions/order-1/billing/messages").status, 200);
  ASSERT_EQ(
      Call(As("admin"), "PUT", "/subscriptions/order-1/audit", settings, "application/json").status,
      201);
  const auto listed = Call(As("alice"), "GET", "/subscriptions").Json()["subscriptions"];
  ASSERT_EQ(listed.size(), 1u) << listed;
  EXPECT_EQ(listed[0]["group"], "billing") << "READ implies DESCRIBE; audit is not hers";
  ExpectError(Call(As("alice"), "GET", "/subscriptions/order-1/audit"), 40301);
  ExpectError(Call(As("alice"), "DELETE", "/subscriptions/order-1/billing"), 40301);
  Allow("User:alice", AclOperation::kDelete, ResourceType::kGroup, "billing");
  EXPECT_EQ(Call(As("alice"), "DELETE", "/subscriptions/order-1/billing").status, 200);
  // bob may READ the group too, but not the store's topic.
  Allow("User:bob", AclOperation::kRead, ResourceType::kGroup, "audit");
  ExpectError(Call(As("bob"), "GET", "/subscriptions/order-1/audit/messages"), 40301);
  ExpectError(Call(As("bob"), "GET", "/subscriptions"), 40301);
}

// REST consumer instances read as the caller that made them: their consumer authenticates with a
// login delegated by that caller, so the Kafka door applies its ACLs (READ on the group and the
// topic). Only that caller, or one who may do anything, may use or delete an instance.
TEST_F(HttpAuthTest, RestConsumersReadAsTheirCaller) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  const std::string v2 = "application/vnd.kafka.v2+json";
  ASSERT_EQ(Produce(As("admin"), "ledger").status, 200);
  const std::string base = "/consumers/g1/instances/";
  auto make = [&](const std::string& how, const std::string& name) {
    EXPECT_EQ(Call(how, "POST", "/consumers/g1",
                   fmt::format(R"({{"name":"{}","format":"json","auto.offset.reset":"earliest"}})",
                               name),
                   v2)
                  .status,
              200);
    EXPECT_EQ(Call(how, "POST", base + name + "/subscription", R"({"topics":["ledger"]})", v2)
                  .status,
              204);
  };
  // Polls the instance's records until `done` says the answer is the awaited one (or 30 s).
  auto poll = [&](const std::string& how, const std::string& name,
                  const std::function<bool(const HttpAnswer&)>& done) {
    HttpAnswer answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
      answer = Call(how + " -H 'Accept: application/vnd.kafka.json.v2+json'", "GET",
                    base + name + "/records?timeout=500");
    } while (!done(answer) && std::chrono::steady_clock::now() < deadline);
    return answer;
  };

  // alice holds no binding: she may not have an instance in g1.
  ExpectError(Call(As("alice"), "POST", "/consumers/g1", R"({"name":"c0"})", v2), 40301);
  EXPECT_TRUE(testing::Audited(server_->Log(), {"principal=User:alice", "operation=read",
                                                "resource_type=group", "resource=g1"}))
      << server_->Log();

  // With READ on the group but not the topic, her instance is refused the topic by the Kafka
  // door, which sees her (not the proxy) on the other side.
  Allow("User:alice", AclOperation::kRead, ResourceType::kGroup, "g1");
  make(As("alice"), "c1");
  const HttpAnswer refused = poll(As("alice"), "c1", [](const HttpAnswer& a) {
    return a.status != 200;
  });
  ExpectError(refused, 40301);
  // The Kafka door refused alice herself, at the address she called from.
  EXPECT_TRUE(testing::Audited(server_->Log(), {"principal=User:alice", "host=127.0.0.1",
                                                "resource_type=topic", "resource=ledger"}))
      << server_->Log();
  EXPECT_EQ(Call(As("alice"), "DELETE", base + "c1").status, 204);
  ExpectError(Call(As("alice"), "GET", base + "c1/records"), 40403);

  // With READ on the topic too, a new instance of hers reads the record.
  Allow("User:alice", AclOperation::kRead, ResourceType::kTopic, "ledger");
  make(As("alice"), "c2");
  const HttpAnswer read = poll(As("alice"), "c2", [](const HttpAnswer& a) {
    return a.status != 200 || !a.Json().empty();
  });
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json().size(), 1u) << read.body;

  // Nor alice from another address: her bindings name hosts, and the Kafka door checks the
  // instance's reads with the address that created it. To anyone else the instance does not
  // exist, and the refusal is audited.
  ExpectError(Call(As("alice") + " --interface 127.0.0.2", "GET", base + "c2/records"), 40403);
  EXPECT_TRUE(testing::Audited(
      server_->Log(), {"principal=User:alice", "host=127.0.0.2", "operation=read", "resource=g1"}))
      << server_->Log();
  // bob may not use or delete alice's instance; admin, a super user, may.
  ExpectError(Call(As("bob"), "GET", base + "c2/records"), 40403);
  ExpectError(Call(As("bob"), "DELETE", base + "c2"), 40403);
  EXPECT_TRUE(testing::Audited(server_->Log(), {"principal=User:bob", "operation=read",
                                                "resource_type=group", "resource=g1"}))
      << server_->Log();
  EXPECT_EQ(Call(As("admin"), "DELETE", base + "c2").status, 204);

  // A bare API key may do anything, its instances too.
  make(Bearer(testing::kAclApiKey), "c3");
  const HttpAnswer keyed = poll(Bearer(testing::kAclApiKey), "c3", [](const HttpAnswer& a) {
    return a.status != 200 || !a.Json().empty();
  });
  ASSERT_EQ(keyed.status, 200) << keyed.body;
  EXPECT_EQ(keyed.Json().size(), 1u) << keyed.body;
}

}  // namespace
}  // namespace herald
