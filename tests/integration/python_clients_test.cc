// Debian's Python Kafka clients (under /usr/bin/python3) against a real `herald serve`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::PythonHas;
using testing::kPython;


json RunClient(const std::string& script, const std::string& args) {
  auto r = RunCommand(fmt::format("timeout 120 {} -u {}/tests/integration/clients/{} {}", kPython,
                                  HERALD_SOURCE_DIR, script, args));
  EXPECT_EQ(r.exit_code, 0) << script << "\n" << r.out << "\n" << r.err;
  auto last = r.out.rfind('{');
  if (r.exit_code != 0 || last == std::string::npos) return json::object();
  return json::parse(r.out.substr(last));
}

TEST(KafkaPythonTest, GroupSplitsTakesOverCommitsAndResumesAfterRestart) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  auto server = std::make_unique<testing::HeraldProcess>(
      data, std::vector<std::string>{"--group-initial-rebalance-delay-ms", "200"});
  json first = RunClient("kafka_python_group.py", server->bootstrap() + " produce-and-consume");
  EXPECT_EQ(first["acked"], 40);
  EXPECT_EQ(first["split"], json::parse("[[0,1],[2,3]]")) << "two members split four partitions";
  EXPECT_EQ(first["takeover"], json::parse("[0,1,2,3]")) << "the one left takes them all";
  EXPECT_EQ(first["consumed"], 48);
  EXPECT_EQ(first["distinct"], 48);
  std::vector<int> expected(48);
  for (int i = 0; i < 48; ++i) expected[static_cast<size_t>(i)] = i;
  EXPECT_EQ(first["values"], json(expected));

  EXPECT_EQ(server->Stop(), 0) << server->Log();
  server = std::make_unique<testing::HeraldProcess>(
      data, std::vector<std::string>{"--group-initial-rebalance-delay-ms", "200"});
  json second = RunClient("kafka_python_group.py", server->bootstrap() + " resume");
  EXPECT_EQ(second["values"], json::parse("[48,49,50,51,52,53,54,55]"))
      << "resumes at the committed offsets: nothing skipped, nothing read twice\n"
      << server->Log();
  EXPECT_EQ(second["committed"], json::parse("[14,14,14,14]"));
}

TEST(ConfluentKafkaTest, IdempotentProducerGroupAndAdmin) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data",
                                {"--group-initial-rebalance-delay-ms", "200"});
  json facts = RunClient("confluent_group.py", server.bootstrap());
  EXPECT_EQ(facts["partitions"], 3);
  EXPECT_EQ(facts["retention.ms"], "86400000");
  EXPECT_EQ(facts["delivered"], 30);
  std::vector<int> expected(30);
  for (int i = 0; i < 30; ++i) expected[static_cast<size_t>(i)] = i;
  EXPECT_EQ(facts["consumed"], json(expected));
  EXPECT_EQ(facts["committed"], json::parse("[10,10,10]"));
  EXPECT_EQ(facts["stray_commit"], "UNKNOWN_TOPIC_OR_PART");
  EXPECT_EQ(facts["stray_committed"], json::parse("[5]")) << "the partition that exists";
  EXPECT_EQ(facts["deleted"], true);
}

}  // namespace
}  // namespace herald
