// kafkajs 2.2 (npm) against a real `herald serve`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::HasKafkajs;

TEST(KafkajsTest, ProducerAndConsumerGroupWithEachMessage) {
  const std::string clients = std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients";
  HERALD_REQUIRE_CLIENT(HasKafkajs(), "kafkajs");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data",
                                {"--group-initial-rebalance-delay-ms", "200"});
  auto r = RunCommand(fmt::format("cd {} && timeout 120 node kafkajs_group.js {}", clients,
                                  server.bootstrap()));
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err << "\n" << server.Log();
  json facts = json::parse(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(facts["acked"], 2) << "one answer per partition";
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[static_cast<size_t>(i)] = i;
  EXPECT_EQ(facts["consumed"], json(expected));
  EXPECT_EQ(facts["committed"], json::parse("[10,10]"));
}

// kafkajs's admin client, every call it has that one node can serve.
TEST(KafkajsTest, AdminClient) {
  const std::string clients = std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients";
  HERALD_REQUIRE_CLIENT(HasKafkajs(), "kafkajs");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data");
  auto r = RunCommand(
      fmt::format("cd {} && timeout 120 node kafkajs_admin.js {}", clients, server.bootstrap()));
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err << "\n" << server.Log();
  // The facts are the last line (a JSON object with objects inside).
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  json facts = json::parse(out.substr(out.rfind('\n') + 1));
  EXPECT_EQ(facts["created"], true);
  EXPECT_EQ(facts["brokers"], 1);
  EXPECT_EQ(facts["partitions"], 3);
  EXPECT_EQ(facts["reassignments"], json::array());
  EXPECT_EQ(facts["all_reassignments"], json::array());
  EXPECT_EQ(facts["configs"]["cleanup.policy"], "compact");
  // AlterConfigs replaces the whole set of overrides, as in Kafka.
  EXPECT_EQ(facts["configs"]["retention.ms"], "604800000");
  EXPECT_EQ(facts["broker"], json::parse(R"({"num.partitions": ["1", true, 1],
      "log.retention.hours": ["168", true, 1]})"));
  EXPECT_EQ(facts["low"], 4);
  EXPECT_EQ(facts["high"], 10);
  EXPECT_EQ(facts["committed"], "7");
  EXPECT_EQ(facts["groups"], json::parse(R"(["auditors"])"));
  EXPECT_EQ(facts["deleted_groups"], json::parse("[0]"));
  EXPECT_EQ(facts["topics_after"], json::array());
}

// kafkajs transactions: send and sendOffsets, committed and aborted; the offsets of the aborted
// one never reach the group, and a read_committed consumer skips its records.
TEST(KafkajsTest, TransactionsWithSendOffsets) {
  const std::string clients = std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients";
  HERALD_REQUIRE_CLIENT(HasKafkajs(), "kafkajs");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data",
                                {"--group-initial-rebalance-delay-ms", "200"});
  auto r = RunCommand(fmt::format("cd {} && timeout 120 node kafkajs_transactions.js {}", clients,
                                  server.bootstrap()));
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err << "\n" << server.Log();
  json facts = json::parse(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(facts["settler"], json::parse(R"(["1","1"])"));
  EXPECT_EQ(facts["read_committed"], json::parse(R"(["committed-0","committed-1"])"));
  EXPECT_EQ(facts["read_uncommitted"],
            json::parse(R"(["aborted-0","aborted-1","committed-0","committed-1"])"));
}

}  // namespace
}  // namespace herald
