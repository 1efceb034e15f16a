// Kafka's ACLs on a real `herald serve --authorizer acl --super-users User:admin` with SASL
// (--sasl-mechanisms PLAIN,SCRAM-SHA-256): the `herald acl` commands (-X for the client's SASL
// settings), the decisions every door makes (kcat: Produce, Fetch, Metadata; a confluent-kafka
// consumer group; kafkajs and kafka-python as ACL admins; raw Metadata, DescribeAcls and
// CreateAcls requests), with Kafka's error codes: TOPIC_AUTHORIZATION_FAILED (29),
// GROUP_AUTHORIZATION_FAILED (30), CLUSTER_AUTHORIZATION_FAILED (31). Without an authorizer
// (--authorizer none, the default) the ACL APIs answer SECURITY_DISABLED (54).
//
// Each test starts its own broker (testing/acl_broker.h) on a fresh data directory where admin
// (the super user, who creates topics and bindings), alice (the principal the bindings are for)
// and bob (to be refused) were created offline. No principal has any binding at the start: whatever
// a test expects allowed, it grants first.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/api.h"
#include "kafka/messages/create_acls.h"
#include "kafka/messages/delete_acls.h"
#include "kafka/messages/describe_acls.h"
#include "kafka/messages/metadata.h"
#include "testing/acl_broker.h"
#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::string_literals;
using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using nlohmann::json;
using testing::AclPassword;
using testing::CommandResult;
using testing::HasCommand;
using testing::PythonHas;
using testing::RunCommand;
using testing::raw_wire::RawWireClient;

// `herald ARGS`, bounded by a timeout.
CommandResult Herald(const std::string& args) {
  return RunCommand(fmt::format("timeout 60 {} {}", HERALD_BINARY, args));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool Mentions(const std::string& text, const std::string& lower_case_words) {
  return Lower(text).find(lower_case_words) != std::string::npos;
}

bool Contains(const json& list, const json& value) {
  if (!list.is_array()) return false;
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The JSON object a client script printed on its last line (discarded when there is none).
json LastLineJson(std::string out) {
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return json::parse(out.substr(out.rfind('\n') + 1), nullptr, false);
}

// ---- bindings as `herald acl list` prints them ----

// A binding in one line, in the table's column order:
// "PRINCIPAL HOST PERMISSION OPERATION RESOURCE PATTERN NAME".
using Rows = std::multiset<std::string>;

// One object of `herald acl list --output json` as such a line.
std::string Row(const json& binding) {
  auto field = [&](const char* key) {
    return binding.is_object() && binding.contains(key) && binding[key].is_string()
               ? binding[key].get<std::string>()
               : fmt::format("<no {} in {}>", key, binding.dump());
  };
  return fmt::format("{} {} {} {} {} {} {}", field("principal"), field("host"), field("permission"),
                     field("operation"), field("resource_type"), field("pattern_type"),
                     field("resource_name"));
}

Rows RowsOf(const json& list) {
  if (!list.is_array()) return Rows{"<not a JSON array: " + list.dump() + ">"};
  Rows rows;
  for (const auto& binding : list) rows.insert(Row(binding));
  return rows;
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream words(line);
  return {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
}

// The table `herald acl list` prints: its header's words, and each further line as a Row.
struct Table {
  std::vector<std::string> header;
  Rows rows;
};
Table ParseTable(const std::string& out) {
  Table table;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto words = Words(line);
    if (words.empty()) continue;
    if (table.header.empty()) {
      table.header = words;
      continue;
    }
    std::string row;
    for (const auto& word : words) row += (row.empty() ? "" : " ") + word;
    table.rows.insert(row);
  }
  return table;
}

// A list of JSON values as a set of their texts (object keys sorted): equal whatever the order.
std::multiset<std::string> Dumps(const json& list) {
  std::multiset<std::string> out;
  if (!list.is_array()) return {"<not a JSON array: " + list.dump() + ">"};
  for (const auto& item : list) out.insert(item.dump());
  return out;
}

// ---- raw requests ----

// Metadata v4 for `names` (auto-creation asked for): each topic's error code by name.
std::map<std::string, int16_t> TopicErrors(RawWireClient& client,
                                           const std::vector<std::string>& names) {
  kafka::MetadataRequest request;
  request.topics = std::vector<kafka::MetadataRequestTopic>{};
  for (const auto& name : names) {
    kafka::MetadataRequestTopic topic;
    topic.name = name;
    request.topics->push_back(topic);
  }
  request.allow_auto_topic_creation = true;
  const auto response = client.Call<kafka::MetadataResponse>(ApiKey::kMetadata, 4, request).body;
  std::map<std::string, int16_t> errors;
  for (const auto& topic : response.topics) {
    errors[topic.name.value_or("<null>")] = topic.error_code;
  }
  return errors;
}

// Metadata v1 for every topic: the names listed without an error.
std::set<std::string> ListedTopics(RawWireClient& client) {
  kafka::MetadataRequest request;
  request.topics = std::nullopt;
  const auto response = client.Call<kafka::MetadataResponse>(ApiKey::kMetadata, 1, request).body;
  std::set<std::string> names;
  for (const auto& topic : response.topics) {
    if (topic.error_code == 0 && topic.name) names.insert(*topic.name);
  }
  return names;
}

// DescribeAcls at `version` with a filter that selects every binding.
kafka::DescribeAclsResponse DescribeAllAcls(RawWireClient& client, int16_t version) {
  kafka::DescribeAclsRequest request;
  request.resource_type_filter = 1;  // any
  request.pattern_type_filter = 1;   // any (v1+)
  request.operation = 1;             // any
  request.permission_type = 1;       // any
  return client.Call<kafka::DescribeAclsResponse>(ApiKey::kDescribeAcls, version, request).body;
}

// CreateAcls at `version` with one binding: alice may READ topic `topic`.
kafka::CreateAclsResponse CreateAliceReads(RawWireClient& client, int16_t version,
                                           const std::string& topic) {
  kafka::CreateAclsRequestCreation creation;
  creation.resource_type = 2;  // topic
  creation.resource_name = topic;
  creation.resource_pattern_type = 3;  // literal
  creation.principal = "User:alice";
  creation.host = "*";
  creation.operation = 3;        // read
  creation.permission_type = 3;  // allow
  kafka::CreateAclsRequest request;
  request.creations.push_back(creation);
  return client.Call<kafka::CreateAclsResponse>(ApiKey::kCreateAcls, version, request).body;
}

// ---- fixture ----

class AclTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  // Creates admin, alice and bob in a fresh data directory, offline, then starts the broker on
  // it. Use with ASSERT_NO_FATAL_FAILURE.
  void Serve() {
    data_dir_ = dir_.str() + "/data";
    try {
      testing::CreateAclUsers(data_dir_);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  // testing::StartAclBroker on data_dir_.
  void Start() {
    try {
      server_ = testing::StartAclBroker(data_dir_);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }

  // Stops the broker with SIGTERM (it must exit cleanly) and starts it again on the same data
  // directory (on new ports).
  // Stops the broker (SIGTERM, or SIGKILL with `kill`) and starts it on the same data again.
  void Restart(bool kill = false) {
    ASSERT_TRUE(server_->Alive()) << "the broker ended before the restart";
    if (kill) {
      server_->Kill();
    } else {
      EXPECT_EQ(server_->Stop(), 0) << "herald serve did not exit cleanly on SIGTERM";
    }
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  const std::string& bootstrap() const { return server_->bootstrap(); }

  // The librdkafka settings (kcat's -X, and every Kafka-client command of herald) that
  // authenticate as `user` over SASL_PLAINTEXT.
  static std::string Sasl(const std::string& user, const std::string& mechanism = "PLAIN") {
    return fmt::format(
        "-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms={} -X sasl.username={} -X "
        "sasl.password={}",
        mechanism, user, AclPassword(user));
  }

  // `herald ARGS --bootstrap <broker>`, authenticated as `user` (SCRAM-SHA-256).
  CommandResult HeraldAs(const std::string& user, const std::string& args) {
    return Herald(
        fmt::format("{} --bootstrap {} {}", args, bootstrap(), Sasl(user, "SCRAM-SHA-256")));
  }
  // HeraldAs admin, expecting success; its standard output.
  std::string AdminOk(const std::string& args) {
    auto r = HeraldAs("admin", args);
    EXPECT_EQ(r.exit_code, 0) << "herald " << args << " (as admin)\n" << r.out << r.err;
    return r.out;
  }
  // `herald acl create ARGS` as admin.
  void Grant(const std::string& args) { AdminOk("acl create " + args); }
  // `herald acl list --output json FILTER` as admin.
  json AclList(const std::string& filter = "") {
    const std::string out = AdminOk("acl list --output json " + filter);
    json list = json::parse(out, nullptr, false);
    EXPECT_TRUE(list.is_array()) << "herald acl list --output json " << filter << ":\n" << out;
    return list;
  }

  // kcat as `user` (PLAIN) with `args`, `input` on its stdin, bounded by a timeout.
  CommandResult Kcat(const std::string& user, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcat(scratch_.path(), bootstrap(), Sasl(user) + " " + args, input);
  }
  std::string KcatOk(const std::string& user, const std::string& args,
                     const std::string& input = "") {
    return testing::RunKcatOk(scratch_.path(), bootstrap(), Sasl(user) + " " + args, input);
  }
  // Every record of (single-partition) `topic`, one a line, as the super user reads them.
  std::string ReadAll(const std::string& topic) {
    return KcatOk("admin", fmt::format("-t {} -C -o beginning -e", topic));
  }

  std::unique_ptr<RawWireClient> ConnectAs(const std::string& user) {
    return testing::ConnectAs(server_->port(), user);
  }

  testing::TempDir dir_;      // the data directory and its log
  testing::TempDir scratch_;  // kcat's input files
  std::string data_dir_;
  std::unique_ptr<testing::HeraldProcess> server_;  // last: stopped before the files go
};

// ---- `herald acl` ----

// As admin: create (literal, prefixed with a host, a group), list (JSON, filtered, the table),
// delete (by operation, by permission) and list again. alice, with no ALTER or DESCRIBE on the
// cluster, may neither create nor list, through the CLI or on the wire.
TEST_F(AclTest, AclCommandsCreateListAndDelete) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  EXPECT_EQ(RowsOf(AclList()), Rows{}) << "a fresh broker has no bindings";

  Grant("--allow-principal User:alice --operation read --operation describe --topic orders");
  Grant(
      "--deny-principal User:bob --operation write --topic logs. --resource-pattern-type prefixed "
      "--host 127.0.0.1");
  Grant("--allow-principal User:alice --operation read --group g1");
  const std::string alice_reads = "User:alice * allow read topic literal orders";
  const std::string alice_describes = "User:alice * allow describe topic literal orders";
  const std::string bob_denied = "User:bob 127.0.0.1 deny write topic prefixed logs.";
  const std::string alice_group = "User:alice * allow read group literal g1";
  EXPECT_EQ(RowsOf(AclList()), (Rows{alice_reads, alice_describes, bob_denied, alice_group}));

  EXPECT_EQ(RowsOf(AclList("--principal User:alice --topic orders")),
            (Rows{alice_reads, alice_describes}));
  EXPECT_EQ(RowsOf(AclList("--group g1")), Rows{alice_group});
  EXPECT_EQ(RowsOf(AclList("--resource-pattern-type prefixed")), Rows{bob_denied});
  EXPECT_EQ(RowsOf(AclList("--topic logs.app --resource-pattern-type match")), Rows{bob_denied})
      << "match: the bindings that apply to logs.app";
  EXPECT_EQ(RowsOf(AclList("--principal User:bob --topic orders")), Rows{});

  const Table table = ParseTable(AdminOk("acl list"));
  EXPECT_EQ(table.header, (std::vector<std::string>{"PRINCIPAL", "HOST", "PERMISSION", "OPERATION",
                                                    "RESOURCE", "PATTERN", "NAME"}));
  EXPECT_EQ(table.rows, (Rows{alice_reads, alice_describes, bob_denied, alice_group}));

  // The raw answer groups the bindings by resource.
  {
    auto admin = ConnectAs("admin");
    const auto described = DescribeAllAcls(*admin, 1);
    EXPECT_EQ(described.error_code, 0);
    std::multiset<std::string> resources;
    size_t bindings = 0;
    for (const auto& resource : described.resources) {
      resources.insert(
          fmt::format("{} {} {}", resource.type, resource.pattern_type, resource.name));
      bindings += resource.acls.size();
    }
    EXPECT_EQ(resources, (std::multiset<std::string>{"2 3 orders", "2 4 logs.", "3 3 g1"}));
    EXPECT_EQ(bindings, 4u);
  }

  // delete prints what it removed.
  const json removed = json::parse(
      AdminOk("acl delete --principal User:alice --topic orders --operation read --output json"),
      nullptr, false);
  EXPECT_EQ(RowsOf(removed), Rows{alice_reads});
  EXPECT_EQ(RowsOf(AclList()), (Rows{alice_describes, bob_denied, alice_group}));
  const json denials =
      json::parse(AdminOk("acl delete --permission deny --output json"), nullptr, false);
  EXPECT_EQ(RowsOf(denials), Rows{bob_denied});
  const Rows left = {alice_describes, alice_group};
  EXPECT_EQ(RowsOf(AclList()), left);

  // alice may not change or read the ACLs.
  auto creating =
      HeraldAs("alice", "acl create --allow-principal User:alice --operation alter --cluster");
  EXPECT_NE(creating.exit_code, 0) << creating.out;
  EXPECT_TRUE(Mentions(creating.err, "authorization")) << creating.err;
  // librdkafka 2.0 drops DescribeAcls' top-level error: the refusal (31, checked on the wire
  // below) reaches `herald acl list` as an empty answer, so alice sees no binding.
  auto listing = HeraldAs("alice", "acl list");
  EXPECT_NE(listing.out.find("(no ACLs)"), std::string::npos) << listing.out;
  auto deleting = HeraldAs("alice", "acl delete --principal User:alice");
  EXPECT_NE(deleting.exit_code, 0) << deleting.out;
  {
    auto alice = ConnectAs("alice");
    for (int16_t version : {1, 2}) {
      SCOPED_TRACE(version);
      EXPECT_EQ(DescribeAllAcls(*alice, version).error_code,
                Code(ErrorCode::kClusterAuthorizationFailed));
      const auto created = CreateAliceReads(*alice, version, "anything");
      ASSERT_EQ(created.results.size(), 1u);
      EXPECT_EQ(created.results[0].error_code, Code(ErrorCode::kClusterAuthorizationFailed));
    }
  }
  EXPECT_EQ(RowsOf(AclList()), left) << "alice changed the ACLs";

  // Usage errors, before any connection: no principal, two principals, no resource, two.
  for (const char* args :
       {"acl create --operation read --topic t",
        "acl create --allow-principal User:a --deny-principal User:b "
        "--operation read --topic t",
        "acl create --allow-principal User:a --operation read",
        "acl create --allow-principal User:a --operation read --topic t --group g"}) {
    auto r = HeraldAs("admin", args);
    EXPECT_EQ(r.exit_code, 2) << "herald " << args << "\n" << r.out << r.err;
  }
  EXPECT_EQ(RowsOf(AclList()), left);
}

// ---- kcat: Produce, Fetch ----

// alice, with WRITE, READ and DESCRIBE on orders, produces (plain and idempotent) and consumes;
// bob, with no binding, is refused both with TOPIC_AUTHORIZATION_FAILED, and nothing of his is
// stored.
TEST_F(AclTest, KcatProducesAndConsumesOnlyWhereAllowed) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  AdminOk("topic create orders --partitions 1");
  Grant(
      "--allow-principal User:alice --operation write --operation read --operation describe "
      "--topic orders");

  KcatOk("alice", "-t orders -P", "a1\na2\n");
  EXPECT_EQ(KcatOk("alice", "-t orders -C -o beginning -e"), "a1\na2\n");
  // An idempotent producer's InitProducerId needs IDEMPOTENT_WRITE on the cluster or WRITE on
  // some topic: alice has the latter.
  KcatOk("alice", "-t orders -P -X enable.idempotence=true", "a3\n");

  auto produced = Kcat("bob", "-t orders -P -X message.timeout.ms=5000", "intruder\n");
  EXPECT_NE(produced.exit_code, 0) << "bob produced to orders\n" << produced.out;
  EXPECT_TRUE(Mentions(produced.err, "topic authorization failed")) << produced.err;
  auto consumed = Kcat("bob", "-t orders -C -o beginning -e");
  EXPECT_NE(consumed.exit_code, 0) << "bob consumed orders";
  EXPECT_EQ(consumed.out, "") << "bob read records of orders";

  // With DESCRIBE only, Metadata answers and the refusal comes from Produce and Fetch themselves.
  Grant("--allow-principal User:bob --operation describe --topic orders");
  produced = Kcat("bob", "-t orders -P -X message.timeout.ms=5000", "intruder\n");
  EXPECT_NE(produced.exit_code, 0) << "bob produced to orders with DESCRIBE only\n" << produced.out;
  EXPECT_TRUE(Mentions(produced.err, "topic authorization failed")) << produced.err;
  consumed = Kcat("bob", "-t orders -C -o beginning -e");
  EXPECT_NE(consumed.exit_code, 0) << "bob consumed orders with DESCRIBE only";
  EXPECT_EQ(consumed.out, "") << "bob read records of orders";

  EXPECT_EQ(ReadAll("orders"), "a1\na2\na3\n") << "a record of the refused producer was stored";
  // Each refusal is in the audit log.
  const std::string log = server_->Log();
  EXPECT_TRUE(testing::Audited(log, {"principal=User:bob", "operation=write", "resource=orders",
                                     "resource_type=topic", "request=Produce"}))
      << log;
  EXPECT_TRUE(testing::Audited(
      log, {"principal=User:bob", "operation=read", "resource=orders", "request=Fetch"}))
      << log;
}

// ---- Metadata, CreateTopics, DeleteTopics ----

// Metadata for every topic lists only those the principal may DESCRIBE; a named one it may not
// is answered TOPIC_AUTHORIZATION_FAILED and is not auto-created (that needs CREATE, and
// DESCRIBE). alice can neither create nor delete topics without CREATE or DELETE.
TEST_F(AclTest, MetadataListsOnlyTheTopicsThePrincipalMayDescribe) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  AdminOk("topic create orders --partitions 1");
  AdminOk("topic create secrets --partitions 1");
  Grant("--allow-principal User:alice --operation describe --topic orders");

  const std::string alice_sees = KcatOk("alice", "-L -m 5");
  EXPECT_NE(alice_sees.find("topic \"orders\" with"), std::string::npos) << alice_sees;
  EXPECT_EQ(alice_sees.find("topic \"secrets\""), std::string::npos) << alice_sees;
  const std::string admin_sees = KcatOk("admin", "-L -m 5");
  EXPECT_NE(admin_sees.find("topic \"orders\" with"), std::string::npos) << admin_sees;
  EXPECT_NE(admin_sees.find("topic \"secrets\" with"), std::string::npos) << admin_sees;

  auto alice = ConnectAs("alice");
  auto admin = ConnectAs("admin");
  EXPECT_EQ(ListedTopics(*alice), std::set<std::string>{"orders"});
  EXPECT_FALSE(testing::Audited(server_->Log(), {"resource=secrets"}))
      << "leaving a topic out of a listing is no refusal";
  const auto errors = TopicErrors(*alice, {"orders", "secrets", "ghost"});
  EXPECT_EQ(errors, (std::map<std::string, int16_t>{
                        {"orders", 0},
                        {"secrets", Code(ErrorCode::kTopicAuthorizationFailed)},
                        {"ghost", Code(ErrorCode::kTopicAuthorizationFailed)}}));
  const std::string log = server_->Log();
  EXPECT_TRUE(testing::Audited(
      log, {"principal=User:alice", "operation=describe", "resource=secrets", "request=Metadata"}))
      << "naming it is: " << log;
  EXPECT_FALSE(testing::Audited(log, {"principal=User:admin"})) << log;
  auto listed = ListedTopics(*admin);
  EXPECT_TRUE(listed.contains("orders")) << "the super user does not see orders";
  EXPECT_TRUE(listed.contains("secrets")) << "the super user does not see secrets";
  EXPECT_FALSE(listed.contains("ghost")) << "an unauthorized Metadata request created a topic";

  // With CREATE (and WRITE, which implies DESCRIBE) on a topic, Metadata auto-creates it.
  Grant("--allow-principal User:alice --operation create --operation write --topic alices");
  const auto created = TopicErrors(*alice, {"alices"});
  ASSERT_TRUE(created.contains("alices"));
  EXPECT_TRUE(created.at("alices") == 0 ||
              created.at("alices") == Code(ErrorCode::kLeaderNotAvailable))
      << "error " << created.at("alices");
  EXPECT_TRUE(ListedTopics(*admin).contains("alices"));

  // CreateTopics needs CREATE (cluster or topic), DeleteTopics DELETE on the topic.
  auto creating = HeraldAs("alice", "topic create mine --partitions 1");
  EXPECT_NE(creating.exit_code, 0) << creating.out;
  auto deleting = HeraldAs("alice", "topic delete secrets");
  EXPECT_NE(deleting.exit_code, 0) << deleting.out;
  listed = ListedTopics(*admin);
  EXPECT_FALSE(listed.contains("mine")) << "alice created a topic";
  EXPECT_TRUE(listed.contains("secrets")) << "alice deleted a topic";
}

// ---- patterns ----

// A PREFIXED binding covers the names that start with it and no other; a literal "User:*"
// binding lets anyone in; a DENY for one principal wins over the wildcard's ALLOW.
TEST_F(AclTest, PrefixedAndWildcardBindingsAndADenyThatWins) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  AdminOk("topic create logs.app --partitions 1");
  AdminOk("topic create logsX --partitions 1");
  Grant(
      "--allow-principal User:alice --operation write --topic logs. --resource-pattern-type "
      "prefixed");

  KcatOk("alice", "-t logs.app -P", "app line\n");
  auto outside = Kcat("alice", "-t logsX -P -X message.timeout.ms=5000", "not a log\n");
  EXPECT_NE(outside.exit_code, 0) << "alice produced to logsX\n" << outside.out;
  EXPECT_TRUE(Mentions(outside.err, "topic authorization failed")) << outside.err;
  EXPECT_EQ(ReadAll("logs.app"), "app line\n");
  EXPECT_EQ(ReadAll("logsX"), "");

  KcatOk("admin", "-t public -P", "hello\n");  // auto-created by the super user
  auto before = Kcat("bob", "-t public -C -o beginning -e");
  EXPECT_NE(before.exit_code, 0) << "bob read public with no binding";
  EXPECT_EQ(before.out, "");

  Grant("--allow-principal 'User:*' --operation read --topic public");
  EXPECT_EQ(KcatOk("bob", "-t public -C -o beginning -e"), "hello\n");
  EXPECT_EQ(KcatOk("alice", "-t public -C -o beginning -e"), "hello\n");

  Grant("--deny-principal User:bob --operation read --topic public");
  auto denied = Kcat("bob", "-t public -C -o beginning -e");
  EXPECT_NE(denied.exit_code, 0) << "the DENY did not win";
  EXPECT_EQ(denied.out, "") << "bob read public past his DENY";
  EXPECT_TRUE(Mentions(denied.err, "authorization")) << denied.err;
  EXPECT_EQ(KcatOk("alice", "-t public -C -o beginning -e"), "hello\n") << "the DENY is bob's";
}

// ---- consumer groups (python3-confluent-kafka) ----

// READ on the topic is not enough for a group: FindCoordinator needs DESCRIBE on it, and the
// member gets GROUP_AUTHORIZATION_FAILED from poll. With READ on the group (which implies
// DESCRIBE) it joins, consumes and commits.
TEST_F(AclTest, AConsumerGroupNeedsReadOnTheGroup) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  KcatOk("admin", "-t orders -P", "o0\no1\no2\no3\no4\n");
  Grant("--allow-principal User:alice --operation read --topic orders");

  json refused = testing::RunPythonClient(
      "acl_confluent_group.py",
      fmt::format("{} alice {} orders g1 0 20", bootstrap(), AclPassword("alice")));
  ASSERT_TRUE(refused.is_object());
  EXPECT_TRUE(Contains(refused["error_codes"], Code(ErrorCode::kGroupAuthorizationFailed)))
      << refused;
  EXPECT_TRUE(Contains(refused["errors"], "GROUP_AUTHORIZATION_FAILED")) << refused;
  EXPECT_EQ(refused["consumed"], json::array()) << refused;

  Grant("--allow-principal User:alice --operation read --group g1");
  json accepted = testing::RunPythonClient(
      "acl_confluent_group.py",
      fmt::format("{} alice {} orders g1 5 30", bootstrap(), AclPassword("alice")));
  ASSERT_TRUE(accepted.is_object());
  EXPECT_EQ(accepted["consumed"], json::parse(R"(["o0","o1","o2","o3","o4"])")) << accepted;
  EXPECT_EQ(accepted["committed"], json::parse("[5]")) << accepted;
  EXPECT_EQ(accepted["errors"], json::array()) << accepted;
}

// ---- ACL admin clients ----

// Debian's python3-confluent-kafka is 1.7.0, whose AdminClient has no ACL calls (create_acls and
// the rest came in 1.9): the ACL admin API is driven from kafka-python's KafkaAdminClient
// (CreateAcls, DescribeAcls, DeleteAcls v1). alice's calls are refused with
// CLUSTER_AUTHORIZATION_FAILED.
TEST_F(AclTest, KafkaPythonAdminCreatesDescribesAndDeletesAcls) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  ASSERT_NO_FATAL_FAILURE(Serve());
  json facts = testing::RunPythonClient(
      "acl_kafka_python_admin.py",
      fmt::format("{} {} {} kp", bootstrap(), AclPassword("admin"), AclPassword("alice")));
  ASSERT_TRUE(facts.is_object());
  auto binding = [](const char* principal, const char* operation, const char* resource_type,
                    const char* name, const char* pattern_type) {
    return json{{"principal", principal},         {"host", "*"},
                {"operation", operation},         {"permission", "ALLOW"},
                {"resource_type", resource_type}, {"resource_name", name},
                {"pattern_type", pattern_type}};
  };
  const json alice_reads = binding("User:alice", "READ", "TOPIC", "kp", "LITERAL");
  const json alice_writes = binding("User:alice", "WRITE", "TOPIC", "kp.", "PREFIXED");
  const json bob_describes = binding("User:bob", "DESCRIBE", "GROUP", "kp-group", "LITERAL");

  EXPECT_EQ(facts["created"], json::parse(R"({"succeeded":3,"failed":[]})"));
  EXPECT_EQ(Dumps(facts["alice"]), Dumps(json::array({alice_reads, alice_writes})));
  EXPECT_EQ(facts["describe_error"], "NoError");
  EXPECT_EQ(Dumps(facts["match"]), Dumps(json::array({alice_writes})))
      << "the bindings that apply to kp.x";

  EXPECT_EQ(facts["alice_create"],
            json::parse(R"({"succeeded":0,"failed":["ClusterAuthorizationFailedError"]})"));
  EXPECT_EQ(facts["alice_describe"], "ClusterAuthorizationFailedError");
  EXPECT_EQ(facts["alice_delete"], json::parse(R"(["ClusterAuthorizationFailedError"])"));

  EXPECT_EQ(Dumps(facts["deleted"]), Dumps(json::array({alice_reads, alice_writes})));
  EXPECT_EQ(facts["delete_errors"], json::parse(R"(["NoError"])"));
  EXPECT_EQ(Dumps(facts["left"]), Dumps(json::array({bob_describes})));
  // The CLI (librdkafka) reads the same.
  EXPECT_EQ(RowsOf(AclList()), Rows{"User:bob * allow describe group literal kp-group"});
}

// kafkajs's admin.createAcls, describeAcls and deleteAcls as admin (SCRAM-SHA-256), and a
// producer as alice (PLAIN): accepted where the binding allows, refused with
// TOPIC_AUTHORIZATION_FAILED elsewhere and once the binding is deleted.
TEST_F(AclTest, KafkajsAdminManagesAclsAndAProducerIsRefused) {
  HERALD_REQUIRE_CLIENT(testing::HasKafkajs(), "kafkajs");
  ASSERT_NO_FATAL_FAILURE(Serve());
  auto r = RunCommand(fmt::format(
      "cd {}/tests/integration/clients && timeout 90 node acl_kafkajs.js {} {} {} js-allowed "
      "js-denied",
      HERALD_SOURCE_DIR, bootstrap(), AclPassword("admin"), AclPassword("alice")));
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err;
  json facts = LastLineJson(r.out);
  ASSERT_TRUE(facts.is_object()) << r.out;

  EXPECT_EQ(facts["topics_created"], true);
  EXPECT_EQ(facts["acl_created"], true);
  EXPECT_EQ(facts["described"], json::parse(R"([{"resourceType":2,"resourceName":"js-allowed",
      "resourcePatternType":3,"acls":[{"principal":"User:alice","host":"*","operation":4,
      "permissionType":3}]}])"));

  EXPECT_EQ(facts["allowed"]["sent"], true) << facts["allowed"];
  EXPECT_EQ(facts["allowed"]["base_offset"], 0) << facts["allowed"];
  EXPECT_EQ(facts["denied"]["sent"], false) << facts["denied"];
  EXPECT_TRUE(Contains(facts["denied"]["names"], "TOPIC_AUTHORIZATION_FAILED")) << facts["denied"];

  EXPECT_EQ(facts["deleted"], json::parse(R"([[{"resourceType":2,"resourceName":"js-allowed",
      "resourcePatternType":3,"principal":"User:alice","host":"*","operation":4,
      "permissionType":3}]])"));
  EXPECT_EQ(facts["delete_errors"], json::parse("[0]"));
  EXPECT_EQ(facts["after_delete"], json::array());
  EXPECT_EQ(facts["revoked"]["sent"], false) << facts["revoked"];
  EXPECT_TRUE(Contains(facts["revoked"]["names"], "TOPIC_AUTHORIZATION_FAILED"))
      << facts["revoked"];

  EXPECT_EQ(facts["ends"], json::parse(R"({"allowed":1,"denied":0})"))
      << "only the accepted record is stored";
}

// ---- without the authorizer ----

// --authorizer none (the default): any client may do anything, and CreateAcls, DescribeAcls and
// DeleteAcls answer SECURITY_DISABLED, in every version; `herald acl list` says so.
TEST_F(AclTest, WithoutAnAuthorizerTheAclApisAnswerSecurityDisabled) {
  testing::TempDir dir;
  testing::HeraldProcess unguarded(dir.str() + "/data");
  RawWireClient client(unguarded.port());
  for (int16_t version = 0; version <= 3; ++version) {
    SCOPED_TRACE(version);
    const auto described = DescribeAllAcls(client, version);
    EXPECT_EQ(described.error_code, Code(ErrorCode::kSecurityDisabled));
    EXPECT_TRUE(described.resources.empty());

    const auto created = CreateAliceReads(client, version, "anything");
    ASSERT_EQ(created.results.size(), 1u);
    EXPECT_EQ(created.results[0].error_code, Code(ErrorCode::kSecurityDisabled));

    kafka::DeleteAclsRequestFilter filter;
    filter.resource_type_filter = 1;  // any
    filter.pattern_type_filter = 1;   // any (v1+)
    filter.operation = 1;             // any
    filter.permission_type = 1;       // any
    kafka::DeleteAclsRequest request;
    request.filters.push_back(filter);
    const auto deleted =
        client.Call<kafka::DeleteAclsResponse>(ApiKey::kDeleteAcls, version, request).body;
    ASSERT_EQ(deleted.filter_results.size(), 1u);
    EXPECT_EQ(deleted.filter_results[0].error_code, Code(ErrorCode::kSecurityDisabled));
    EXPECT_TRUE(deleted.filter_results[0].matching_acls.empty());
  }

  // SECURITY_DISABLED (checked on the wire above) is DescribeAcls' top-level error, which
  // librdkafka 2.0 drops: `herald acl list` shows no binding.
  auto listing = Herald("acl list --bootstrap " + unguarded.bootstrap());
  EXPECT_NE(listing.out.find("(no ACLs)"), std::string::npos) << listing.out;

  // Anything goes: an anonymous client creates a topic and lists it.
  auto created = Herald("topic create anyones --partitions 1 --bootstrap " + unguarded.bootstrap());
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(ListedTopics(client).contains("anyones"));
  if (HasFailure()) unguarded.PrintLogTail();
}

// --super-users needs --authorizer acl, and names principals; --authorizer acl needs HTTP
// authentication (--http-auth basic or --api-key); --authorizer knows none and acl. serve stops at
// start with a usage error naming what is wrong.
TEST_F(AclTest, SuperUsersWithoutTheAclAuthorizerIsAUsageError) {
  testing::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--super-users User:x", "--super-users"},
      {"--authorizer none --super-users User:x", "--super-users"},
      {"--authorizer acl --api-key k --super-users alice", "alice"},
      {"--authorizer acl", "--api-key"},
      {"--authorizer ranger", "ranger"}};
  for (const auto& [args, named] : cases) {
    SCOPED_TRACE(args);
    auto r = RunCommand(fmt::format(
        "timeout 10 {} serve --data-dir {}/data --kafka-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 "
        "{}",
        HERALD_BINARY, dir.str(), args));
    EXPECT_EQ(r.exit_code, 2) << "124: serve ran\n" << r.out << r.err;
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
  }
}

// ---- durability ----

// Bindings survive a restart, and their deletion a kill -9: the same list after each, alice still
// allowed, bob still refused.
TEST_F(AclTest, AclsSurviveARestart) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  ASSERT_NO_FATAL_FAILURE(Serve());
  AdminOk("topic create orders --partitions 1");
  Grant("--allow-principal User:alice --operation write --operation read --topic orders");
  Grant("--allow-principal User:alice --operation read --group g1");
  Grant("--deny-principal User:bob --operation all --topic orders");
  KcatOk("alice", "-t orders -P", "before\n");
  const Rows granted = RowsOf(AclList());
  ASSERT_EQ(granted.size(), 4u);

  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(RowsOf(AclList()), granted);
  KcatOk("alice", "-t orders -P", "after\n");
  EXPECT_EQ(KcatOk("alice", "-t orders -C -o beginning -e"), "before\nafter\n");
  auto bob = Kcat("bob", "-t orders -P -X message.timeout.ms=5000", "intruder\n");
  EXPECT_NE(bob.exit_code, 0) << "bob produced to orders after the restart";
  EXPECT_TRUE(Mentions(bob.err, "topic authorization failed")) << bob.err;

  // A deletion is as durable, acknowledged and then SIGKILLed: bob's DENY stays gone (and bob,
  // with no binding, stays refused).
  const json removed =
      json::parse(AdminOk("acl delete --principal User:bob --output json"), nullptr, false);
  EXPECT_EQ(RowsOf(removed), Rows{"User:bob * deny all topic literal orders"});
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/true));
  Rows kept = granted;
  kept.erase("User:bob * deny all topic literal orders");
  EXPECT_EQ(RowsOf(AclList()), kept);
  EXPECT_EQ(KcatOk("alice", "-t orders -C -o beginning -e"), "before\nafter\n");
  bob = Kcat("bob", "-t orders -P -X message.timeout.ms=5000", "intruder\n");
  EXPECT_NE(bob.exit_code, 0) << "bob produced to orders with no binding";
  EXPECT_EQ(ReadAll("orders"), "before\nafter\n") << "a record of bob's was stored";
}

}  // namespace
}  // namespace herald
