#include "broker/authorizer.h"

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/log.h"
#include "broker/audit.h"
#include "storage/record_batch.h"
#include "testing/memory_engine.h"

namespace herald::broker {
namespace {

AclBinding Allow(ResourceType type, std::string name, AclOperation op,
                 std::string principal = "User:alice",
                 PatternType pattern = PatternType::kLiteral, std::string host = "*") {
  return {type, std::move(name), pattern, std::move(principal), std::move(host), op,
          AclPermission::kAllow};
}
AclBinding Deny(ResourceType type, std::string name, AclOperation op,
                std::string principal = "User:alice", PatternType pattern = PatternType::kLiteral,
                std::string host = "*") {
  return {type, std::move(name), pattern, std::move(principal), std::move(host), op,
          AclPermission::kDeny};
}

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    Reopen();
  }
  void Reopen() {
    authorizer_.reset();
    auto opened = Authorizer::Open(*engine_, {"User:admin"});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    authorizer_ = std::move(opened).value();
  }
  void Create(const std::vector<AclBinding>& bindings) {
    for (const Status& s : authorizer_->Create(bindings)) ASSERT_TRUE(s.ok()) << s.ToString();
  }
  bool May(std::string_view principal, AclOperation op, ResourceType type, std::string_view name,
           std::string_view host = "10.0.0.1") {
    return authorizer_->Authorize(principal, host, op, type, name);
  }

  storage::MemFileSystem fs_;
  ManualClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<Authorizer> authorizer_;
};

TEST_F(AuthorizerTest, NothingIsAllowedWithoutABindingButSuperUsersMayDoAnything) {
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "orders"));
  EXPECT_TRUE(May("User:admin", AclOperation::kRead, ResourceType::kTopic, "orders"));
  EXPECT_TRUE(May("User:admin", AclOperation::kAlter, ResourceType::kCluster, kClusterResourceName));
}

TEST_F(AuthorizerTest, LiteralWildcardAndPrefixedPatterns) {
  Create({Allow(ResourceType::kTopic, "orders", AclOperation::kRead),
          Allow(ResourceType::kTopic, "logs.", AclOperation::kWrite, "User:alice",
                PatternType::kPrefixed),
          Allow(ResourceType::kGroup, "*", AclOperation::kRead)});
  EXPECT_TRUE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "orders"));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "orders2"));
  EXPECT_FALSE(May("User:alice", AclOperation::kWrite, ResourceType::kTopic, "orders"));
  EXPECT_TRUE(May("User:alice", AclOperation::kWrite, ResourceType::kTopic, "logs.app"));
  EXPECT_FALSE(May("User:alice", AclOperation::kWrite, ResourceType::kTopic, "logs"));
  EXPECT_TRUE(May("User:alice", AclOperation::kRead, ResourceType::kGroup, "any-group"));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "any-group"))
      << "a binding applies to its resource type only";
  EXPECT_FALSE(May("User:bob", AclOperation::kRead, ResourceType::kTopic, "orders"));
}

TEST_F(AuthorizerTest, DenyWinsAndImpliedOperations) {
  Create({Allow(ResourceType::kTopic, "*", AclOperation::kAll),
          Deny(ResourceType::kTopic, "secret", AclOperation::kRead),
          Allow(ResourceType::kTopic, "conf", AclOperation::kAlterConfigs, "User:bob")});
  EXPECT_TRUE(May("User:alice", AclOperation::kWrite, ResourceType::kTopic, "secret"));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "secret"));
  EXPECT_TRUE(May("User:alice", AclOperation::kDescribe, ResourceType::kTopic, "secret"))
      << "a DENY of READ does not deny DESCRIBE";
  EXPECT_TRUE(May("User:bob", AclOperation::kDescribeConfigs, ResourceType::kTopic, "conf"));
  EXPECT_FALSE(May("User:bob", AclOperation::kDescribe, ResourceType::kTopic, "conf"));
  Create({Allow(ResourceType::kTopic, "t", AclOperation::kWrite, "User:carol")});
  EXPECT_TRUE(May("User:carol", AclOperation::kDescribe, ResourceType::kTopic, "t"))
      << "WRITE implies DESCRIBE";
  EXPECT_FALSE(May("User:carol", AclOperation::kRead, ResourceType::kTopic, "t"));
}

TEST_F(AuthorizerTest, PrincipalAndHostWildcards) {
  Create({Allow(ResourceType::kTopic, "public", AclOperation::kRead, "User:*"),
          Allow(ResourceType::kTopic, "office", AclOperation::kRead, "User:alice",
                PatternType::kLiteral, "10.0.0.1"),
          Deny(ResourceType::kTopic, "public", AclOperation::kAll, "User:*", PatternType::kLiteral,
               "10.6.6.6")});
  EXPECT_TRUE(May("User:anyone", AclOperation::kRead, ResourceType::kTopic, "public"));
  EXPECT_FALSE(May("User:anyone", AclOperation::kRead, ResourceType::kTopic, "public", "10.6.6.6"));
  EXPECT_TRUE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "office", "10.0.0.1"));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "office", "10.0.0.2"));
}

TEST_F(AuthorizerTest, BindingsSurviveAReopenAndDeletionsToo) {
  Create({Allow(ResourceType::kTopic, "a", AclOperation::kRead),
          Allow(ResourceType::kTopic, "b", AclOperation::kRead),
          Allow(ResourceType::kGroup, "g", AclOperation::kRead)});
  AclFilter topic_b;
  topic_b.resource_type = ResourceType::kTopic;
  topic_b.resource_name = "b";
  auto removed = authorizer_->Delete({topic_b});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ((*removed)[0], std::vector<AclBinding>{Allow(ResourceType::kTopic, "b",
                                                         AclOperation::kRead)});

  ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "a"));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "b"));
  EXPECT_EQ(authorizer_->Describe({}).size(), 2u);
}

// More bindings than one batch of __herald_acls holds (max.message.bytes, 1 MiB): all stored,
// all replayed, all deleted.
TEST_F(AuthorizerTest, AChangeLargerThanOneBatchIsStoredWhole) {
  std::vector<AclBinding> many;
  for (int i = 0; i < 6000; ++i) {
    many.push_back(Allow(ResourceType::kTopic, fmt::format("{:0>200}", i), AclOperation::kRead));
  }
  Create(many);
  ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(authorizer_->Describe({}).size(), many.size());
  EXPECT_TRUE(
      May("User:alice", AclOperation::kRead, ResourceType::kTopic, many.back().resource_name));
  auto removed = authorizer_->Delete({AclFilter{}});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ((*removed)[0].size(), many.size());
  ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(authorizer_->Describe({}).empty());
}

// A name from a request may be megabytes long: only its prefixes as long as a stored name are
// looked at (every one of its prefixes would be a quadratic cost under the lock).
TEST_F(AuthorizerTest, AHugeNameIsDecidedByItsPrefixesAsLongAsAStoredName) {
  Create({Allow(ResourceType::kGroup, "g", AclOperation::kRead, "User:alice",
                PatternType::kPrefixed)});
  const std::string huge = "g" + std::string(8 << 20, 'x');
  EXPECT_TRUE(May("User:alice", AclOperation::kRead, ResourceType::kGroup, huge));
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kGroup, "h" + huge));
}

TEST_F(AuthorizerTest, FiltersSelectAsKafkasDo) {
  Create({Allow(ResourceType::kTopic, "orders", AclOperation::kRead),
          Allow(ResourceType::kTopic, "*", AclOperation::kDescribe),
          Allow(ResourceType::kTopic, "ord", AclOperation::kWrite, "User:alice",
                PatternType::kPrefixed),
          Allow(ResourceType::kTopic, "other", AclOperation::kRead, "User:bob")});
  AclFilter match;
  match.resource_type = ResourceType::kTopic;
  match.resource_name = "orders";
  match.pattern_type = PatternType::kMatch;
  EXPECT_EQ(authorizer_->Describe(match).size(), 3u) << "literal, wildcard and prefix";
  AclFilter any_named = match;
  any_named.pattern_type = PatternType::kAny;
  EXPECT_EQ(authorizer_->Describe(any_named).size(), 1u) << "exactly that name";
  AclFilter prefixed;
  prefixed.pattern_type = PatternType::kPrefixed;
  EXPECT_EQ(authorizer_->Describe(prefixed).size(), 1u);
  AclFilter bob;
  bob.principal = "User:bob";
  EXPECT_EQ(authorizer_->Describe(bob).size(), 1u);
}

TEST_F(AuthorizerTest, InvalidBindingsAreRefusedOneByOne) {
  const auto results = authorizer_->Create(
      {Allow(ResourceType::kAny, "x", AclOperation::kRead),
       Allow(ResourceType::kTopic, "x", AclOperation::kRead, "User:alice", PatternType::kMatch),
       Allow(ResourceType::kTopic, "x", AclOperation::kAny), Allow(ResourceType::kTopic, "",
                                                                   AclOperation::kRead),
       Allow(ResourceType::kTopic, "x", AclOperation::kRead, "alice"),
       Allow(ResourceType::kTopic, "x", AclOperation::kRead, "User:alice", PatternType::kLiteral,
             ""),
       Allow(ResourceType::kCluster, "my-cluster", AclOperation::kAlter),
       Allow(ResourceType::kTopic, "fine", AclOperation::kRead)});
  ASSERT_EQ(results.size(), 8u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(results[i].code(), StatusCode::kInvalidArgument) << i;
  }
  EXPECT_NE(results[6].message().find(kClusterResourceName), std::string::npos)
      << results[6].ToString();
  EXPECT_TRUE(results[7].ok());
  EXPECT_EQ(authorizer_->Describe({}).size(), 1u);
}

// A binding two filters select is removed once, and answered under the first filter only.
TEST_F(AuthorizerTest, OverlappingDeleteFiltersAnswerABindingUnderTheFirst) {
  Create({Allow(ResourceType::kTopic, "a", AclOperation::kRead),
          Allow(ResourceType::kTopic, "b", AclOperation::kRead)});
  AclFilter everything;
  AclFilter topic_a;
  topic_a.resource_type = ResourceType::kTopic;
  topic_a.resource_name = "a";
  auto removed = authorizer_->Delete({topic_a, everything});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  ASSERT_EQ(removed->size(), 2u);
  EXPECT_EQ((*removed)[0],
            std::vector<AclBinding>{Allow(ResourceType::kTopic, "a", AclOperation::kRead)});
  EXPECT_EQ((*removed)[1],
            std::vector<AclBinding>{Allow(ResourceType::kTopic, "b", AclOperation::kRead)});
  EXPECT_TRUE(authorizer_->Describe({}).empty());
}

// Kafka's newer resource types (delegation token, user) are valid in a filter and select nothing.
TEST_F(AuthorizerTest, FiltersMayNameTheTypesNoBindingHas) {
  Create({Allow(ResourceType::kTopic, "a", AclOperation::kRead)});
  for (ResourceType type : {ResourceType::kDelegationToken, ResourceType::kUser}) {
    AclFilter filter;
    filter.resource_type = type;
    EXPECT_TRUE(ValidateFilter(filter).ok());
    EXPECT_TRUE(authorizer_->Describe(filter).empty());
  }
  AclFilter beyond;
  beyond.resource_type = static_cast<ResourceType>(8);
  EXPECT_EQ(ValidateFilter(beyond).code(), StatusCode::kInvalidArgument);
}

// A record of __herald_acls that does not decode might have been a DENY: after it, nobody but the
// super users may do anything.
TEST_F(AuthorizerTest, AnUnreadableStoredBindingRefusesEveryoneButTheSuperUsers) {
  Create({Allow(ResourceType::kTopic, "a", AclOperation::kRead)});
  auto log = engine_->GetLog(kAclsTopic, 0);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  storage::RecordSpec unreadable;
  unreadable.key = "{\"resource_type\": \"from a later version\"}";
  unreadable.value = "{}";
  Buffer batch = storage::BuildBatch({unreadable});
  ASSERT_TRUE((*log)->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(May("User:alice", AclOperation::kRead, ResourceType::kTopic, "a"));
  EXPECT_FALSE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kRead, ResourceType::kTopic));
  EXPECT_TRUE(May("User:admin", AclOperation::kRead, ResourceType::kTopic, "a"));
}

TEST_F(AuthorizerTest, AnyResourceOfATypeForIdempotentWrites) {
  EXPECT_FALSE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kWrite, ResourceType::kTopic));
  Create({Allow(ResourceType::kTopic, "t", AclOperation::kWrite)});
  EXPECT_TRUE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kWrite, ResourceType::kTopic));
  Create({Deny(ResourceType::kTopic, "t", AclOperation::kWrite)});
  EXPECT_FALSE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kWrite, ResourceType::kTopic));
  Create({Allow(ResourceType::kTopic, "logs.", AclOperation::kWrite, "User:alice",
                PatternType::kPrefixed)});
  EXPECT_TRUE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kWrite, ResourceType::kTopic));
  Create({Deny(ResourceType::kTopic, "log", AclOperation::kAll, "User:alice",
               PatternType::kPrefixed)});
  EXPECT_FALSE(
      authorizer_->AuthorizeAny("User:alice", "h", AclOperation::kWrite, ResourceType::kTopic));
}

// Names that are prefixes of one another, "*" among them, under literal and prefixed bindings of
// two types, principals and hosts: every decision is the one the rule in authorizer.h gives when
// each binding is weighed in turn.
TEST_F(AuthorizerTest, EveryDecisionIsTheRuleAppliedToEachBinding) {
  const std::vector<std::string> names = {"*", "*x", "a", "ab", "abc", "b", "ba"};
  const std::vector<AclOperation> ops = {AclOperation::kAll, AclOperation::kRead,
                                         AclOperation::kWrite, AclOperation::kDescribe};
  std::vector<AclBinding> bindings;
  uint32_t seed = 7;
  auto pick = [&seed](size_t n) {
    seed = seed * 1103515245 + 12345;
    return static_cast<size_t>((seed >> 16) % n);
  };
  for (int i = 0; i < 60; ++i) {
    bindings.push_back(
        {pick(2) == 0 ? ResourceType::kTopic : ResourceType::kGroup, names[pick(names.size())],
         pick(2) == 0 ? PatternType::kLiteral : PatternType::kPrefixed,
         pick(3) == 0 ? "User:*" : "User:alice", pick(4) == 0 ? "10.6.6.6" : "*",
         ops[pick(ops.size())], pick(4) == 0 ? AclPermission::kDeny : AclPermission::kAllow});
  }
  Create(bindings);
  for (const std::string& name : names) {
    for (const AclOperation op : ops) {
      for (const char* host : {"10.0.0.1", "10.6.6.6"}) {
        bool denied = false, allowed = false;
        for (const AclBinding& b : bindings) {
          const bool covers = b.pattern_type == PatternType::kPrefixed
                                  ? name.starts_with(b.resource_name)
                                  : b.resource_name == name || b.resource_name == "*";
          if (b.resource_type != ResourceType::kTopic || !covers ||
              (b.host != "*" && b.host != host)) {
            continue;
          }
          const bool for_op = b.operation == AclOperation::kAll || b.operation == op;
          if (b.permission == AclPermission::kDeny) {
            denied |= for_op;
          } else {
            allowed |=
                for_op || (op == AclOperation::kDescribe && (b.operation == AclOperation::kRead ||
                                                             b.operation == AclOperation::kWrite));
          }
        }
        EXPECT_EQ(May("User:alice", op, ResourceType::kTopic, name, host), allowed && !denied)
            << name << " " << OperationName(op) << " " << host;
      }
    }
  }
}

// The log's lines, as JSON, while alive; then the log goes back to stderr.
class CapturedLog {
 public:
  CapturedLog() { ConfigureLogging(LogFormat::kJson, LogLevel::kInfo, out_); }
  ~CapturedLog() { ConfigureLogging(LogFormat::kJson, LogLevel::kInfo); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::vector<nlohmann::json> Lines() const {
    std::vector<nlohmann::json> parsed;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) parsed.push_back(nlohmann::json::parse(line));
    return parsed;
  }

 private:
  std::ostringstream out_;
};

// Waits for the start of the next second of the steady clock the audit log's window counts in.
void WaitForANewSecond() {
  using namespace std::chrono;
  const auto next = ceil<seconds>(steady_clock::now().time_since_epoch());
  std::this_thread::sleep_until(steady_clock::time_point(next) + milliseconds(5));
}

// A refusal through Permits is an audit event unless it is quiet; past kMaxAuditLinesPerSecond
// lines in one second the rest are counted, and the next line says how many were left out.
TEST_F(AuthorizerTest, RefusalsAreAuditedAtABoundedRate) {
  const CapturedLog log;
  const Requester alice{"User:alice", "10.0.0.1", "Produce"};
  EXPECT_FALSE(Permits(authorizer_.get(), alice, AclOperation::kRead, ResourceType::kTopic,
                       "orders", OnDenial::kQuiet));
  EXPECT_TRUE(Permits(nullptr, alice, AclOperation::kRead, ResourceType::kTopic, "orders",
                      OnDenial::kAudit));
  EXPECT_TRUE(Permits(authorizer_.get(), {"User:admin", "10.0.0.1", "Produce"}, AclOperation::kRead,
                      ResourceType::kTopic, "orders", OnDenial::kAudit));
  EXPECT_TRUE(log.Lines().empty());

  WaitForANewSecond();
  for (int i = 0; i < kMaxAuditLinesPerSecond + 50; ++i) {
    EXPECT_FALSE(Permits(authorizer_.get(), alice, AclOperation::kWrite, ResourceType::kTopic,
                         "orders", OnDenial::kAudit));
  }
  auto logged = log.Lines();
  ASSERT_EQ(logged.size(), static_cast<size_t>(kMaxAuditLinesPerSecond));
  EXPECT_EQ(logged[0]["event"], "acl_denied");
  EXPECT_EQ(logged[0]["level"], "info");
  EXPECT_EQ(logged[0]["context"],
            nlohmann::json({{"principal", "User:alice"},
                            {"host", "10.0.0.1"},
                            {"operation", OperationName(AclOperation::kWrite)},
                            {"resource_type", ResourceTypeName(ResourceType::kTopic)},
                            {"resource", "orders"},
                            {"request", "Produce"}}));
  WaitForANewSecond();
  AuditDenial(alice, AclOperation::kRead, ResourceType::kGroup, "g1");
  logged = log.Lines();
  ASSERT_EQ(logged.size(), static_cast<size_t>(kMaxAuditLinesPerSecond) + 1);
  EXPECT_EQ(logged.back()["context"]["left_out_before"], 50);
  EXPECT_EQ(logged.back()["context"]["resource"], "g1");
}

// An authentication failure is an auth_failed warning with what was tried; it spends the same
// budget as the ACLs' refusals.
TEST_F(AuthorizerTest, AuthenticationFailuresShareTheAuditBudget) {
  const CapturedLog log;
  WaitForANewSecond();
  for (int i = 0; i < kMaxAuditLinesPerSecond; ++i) {
    AuditAuthFailure("kafka", "10.0.0.1:5000", {{"mechanism", "PLAIN"}}, "wrong password");
  }
  AuditDenial({"User:alice", "10.0.0.1", "Produce"}, AclOperation::kWrite, ResourceType::kTopic,
              "orders");
  auto logged = log.Lines();
  ASSERT_EQ(logged.size(), static_cast<size_t>(kMaxAuditLinesPerSecond));
  EXPECT_EQ(logged[0]["event"], "auth_failed");
  EXPECT_EQ(logged[0]["level"], "warn");
  EXPECT_EQ(logged[0]["message"], "wrong password");
  EXPECT_EQ(
      logged[0]["context"],
      nlohmann::json({{"listener", "kafka"}, {"peer", "10.0.0.1:5000"}, {"mechanism", "PLAIN"}}));
  WaitForANewSecond();
  AuditAuthFailure("http", "10.0.0.2:6000", {{"scheme", "Basic"}}, "wrong password");
  logged = log.Lines();
  ASSERT_EQ(logged.size(), static_cast<size_t>(kMaxAuditLinesPerSecond) + 1);
  EXPECT_EQ(logged.back()["context"]["left_out_before"], 1) << "the refusal left out";
  EXPECT_EQ(logged.back()["context"]["listener"], "http");
}

}  // namespace
}  // namespace herald::broker
