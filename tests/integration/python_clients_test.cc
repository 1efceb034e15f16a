// Debian's Python Kafka clients (under /usr/bin/python3) against a real `herald serve`.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker/broker.h"
#include "storage/engine.h"
#include "storage/record_batch.h"
#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/producer_batch.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::kPython;
using testing::PythonHas;
using testing::RunCommand;
using testing::RunPythonClient;

TEST(KafkaPythonTest, GroupSplitsTakesOverCommitsAndResumesAfterRestart) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  auto server = std::make_unique<testing::HeraldProcess>(
      data, std::vector<std::string>{"--group-initial-rebalance-delay-ms", "200"});
  json first =
      RunPythonClient("kafka_python_group.py", server->bootstrap() + " produce-and-consume");
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
  json second = RunPythonClient("kafka_python_group.py", server->bootstrap() + " resume");
  EXPECT_EQ(second["values"], json::parse("[48,49,50,51,52,53,54,55]"))
      << "resumes at the committed offsets: nothing skipped, nothing read twice\n"
      << server->Log();
  EXPECT_EQ(second["committed"], json::parse("[14,14,14,14]"));
}

// kafka-python's admin client at the versions it sends: topic configs, partitions, groups.
TEST(KafkaPythonTest, AdminClientManagesTopicsConfigsAndGroups) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data", {"--group-initial-rebalance-delay-ms", "200"});
  json facts = RunPythonClient("kafka_python_admin.py", server.bootstrap());
  EXPECT_EQ(facts["create"], 0);
  EXPECT_EQ(facts["unknown"], 40);  // INVALID_CONFIG
  EXPECT_EQ(facts["describe"], 0);
  EXPECT_EQ(facts["configs"], json::parse(R"({"compression.type": ["lz4", 1],
      "delete.retention.ms": ["900", 1], "segment.index.bytes": ["10485760", 5]})"));
  EXPECT_EQ(facts["alter"], json::parse("[0]"));
  // AlterConfigs replaces the whole set: delete.retention.ms returns to its default.
  EXPECT_EQ(facts["altered"], json::parse(R"({"message.format.version": "2.8",
      "compression.type": "gzip", "delete.retention.ms": "86400000"})"));
  EXPECT_EQ(facts["partitions"], json::parse("[0]"));
  EXPECT_EQ(facts["consumed"], 6);
  EXPECT_EQ(facts["groups"], json::parse(R"([["auditors", "consumer"]])"));
  EXPECT_EQ(facts["group_state"], "Empty");
  EXPECT_EQ(facts["committed"], json::parse("[2, 2, 2]"));
  EXPECT_EQ(facts["delete_group"], json::parse(R"([["auditors", 0]])"));
  EXPECT_EQ(facts["delete"], json::parse("[0]"));
}

// A partition holding transactions, written through the broker as the transaction coordinator
// writes them: producer 5's transaction aborted (offsets 0-1), producer 6's committed (2), a plain
// record (3), their markers (4, 5), producer 7's left open (6) and another plain record (7).
void WriteTransactions(const std::string& data_dir) {
  storage::EngineOptions eo;
  eo.data_dir = data_dir;
  eo.background = false;
  auto engine = storage::Engine::Open(eo);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE((*engine)->CreateTopic("ledger", 1).ok());
  {
    auto broker = broker::Broker::Open(**engine, {});
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    auto append = [&](Buffer batch) {
      auto valid = storage::ValidatedBatch::Check(batch);
      ASSERT_TRUE(valid.ok());
      std::promise<broker::AppendResult> appended;
      (*broker)->Append("ledger", 0, *valid, storage::AckLevel::kDurable,
                        [&](broker::AppendResult r) { appended.set_value(std::move(r)); });
      ASSERT_TRUE(appended.get_future().get().status.ok());
    };
    auto mark = [&](int64_t producer, storage::ControlType type) {
      std::promise<Status> written;
      (*broker)->WriteMarker({"ledger", 0}, producer, 0, type,
                             [&](Status s) { written.set_value(std::move(s)); });
      ASSERT_TRUE(written.get_future().get().ok());
    };
    const bool txn = true;
    append(testing::ProducerBatch(5, 0, 0, 2, "aborted", 1'700'000'000'000, txn));
    append(testing::ProducerBatch(6, 0, 0, 1, "committed", 1'700'000'000'000, txn));
    append(storage::BuildBatch({{std::nullopt, "plain-0", 1'700'000'000'000, {}}}));
    mark(5, storage::ControlType::kAbort);
    mark(6, storage::ControlType::kCommit);
    append(testing::ProducerBatch(7, 0, 0, 1, "open", 1'700'000'000'000, txn));
    append(storage::BuildBatch({{std::nullopt, "plain-1", 1'700'000'000'000, {}}}));
  }
  ASSERT_TRUE((*engine)->Close().ok());
}

// read_committed consumers (librdkafka's default) read only committed records, up to the first
// transaction still open, and are told that as the end; read_uncommitted ones read everything.
TEST(ConfluentKafkaTest, ReadCommittedConsumersSkipAbortedAndOpenTransactions) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteTransactions(dir.str() + "/data"));
  testing::HeraldProcess server(dir.str() + "/data");
  json facts = RunPythonClient("read_committed.py", server.bootstrap());
  const json committed = json::parse(R"([["committed-0", "plain-0"], 6])");
  const json uncommitted = json::parse(
      R"([["aborted-0", "aborted-1", "committed-0", "plain-0", "open-0", "plain-1"], 8])");
  EXPECT_EQ(facts["confluent_read_committed"], committed);
  EXPECT_EQ(facts["confluent_read_uncommitted"], uncommitted);
}

// Transactional producers (librdkafka): commit and abort over several topics and partitions,
// consume-transform-produce with the group's offsets in the transaction, zombie fencing, and a
// transaction left open by a kill -9 that the restarted coordinator aborts when it times out.
TEST(ConfluentKafkaTest, TransactionsCommitAbortFenceAndSurviveKill) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  auto server = std::make_unique<testing::HeraldProcess>(
      data, std::vector<std::string>{"--group-initial-rebalance-delay-ms", "200"});
  json facts = RunPythonClient("transactions.py", server->bootstrap() + " run");
  const std::vector<std::string> committed = {
      "committed-audit-0", "committed-audit-1", "committed-audit-2", "committed-audit-3",
      "committed-order-0", "committed-order-1", "committed-order-2", "committed-order-3"};
  EXPECT_EQ(facts["read_committed"], json(committed)) << server->Log();
  EXPECT_EQ(facts["read_uncommitted"].size(), 16u) << "the aborted records too";
  EXPECT_EQ(facts["copied_aborted"], 10);
  EXPECT_EQ(facts["committed_after_abort"], json::parse("[-1001,-1001]"))
      << "offsets of an aborted transaction are dropped";
  EXPECT_EQ(facts["copied_committed"], 10);
  EXPECT_EQ(facts["committed_after_commit"], json::parse("[5,5]"));
  std::vector<std::string> output;
  for (int i = 0; i < 10; ++i) output.push_back(fmt::format("out-{}", i));
  EXPECT_EQ(facts["output"], json(output)) << "each input once";
  EXPECT_EQ(facts["zombie"], "_FENCED");
  EXPECT_EQ(facts["zombie_fatal"], true);
  EXPECT_EQ(facts["after_fencing"], json::parse(R"(["successor"])"))
      << "the fenced producer's records were aborted";

  server->Kill();
  server = std::make_unique<testing::HeraldProcess>(
      data, std::vector<std::string>{"--group-initial-rebalance-delay-ms", "200"});
  json after = RunPythonClient("transactions.py", server->bootstrap() + " after-restart");
  EXPECT_EQ(after["committed_after_restart"], json::parse("[5,5]")) << server->Log();
  EXPECT_EQ(after["orders_1_after_restart"], json::parse(R"(["after-dangling"])"))
      << "the open transaction was aborted on its timeout, and what follows it is readable";
  EXPECT_EQ(after["output_after_restart"], json(output));
}

size_t LinesIn(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// A consume-transform-produce loop (confluent-kafka, send_offsets_to_transaction) killed with
// SIGKILL mid-way, several times, and started again each time: the output read with
// read_committed holds every input record exactly once.
TEST(ConfluentKafkaTest, AConsumeTransformProduceLoopKilledMidWayCopiesEachRecordOnce) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data", {"--group-initial-rebalance-delay-ms", "200"});
  constexpr int kRecords = 3000;  // 150 transactions of 20
  ASSERT_EQ(RunPythonClient("ctp_loop.py",
                            fmt::format("{} seed {}", server.bootstrap(), kRecords))["seeded"],
            kRecords);
  const std::string script =
      std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients/ctp_loop.py";
  const std::string progress = dir.str() + "/progress";
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    const size_t before = LinesIn(progress);
    if (before >= 140) break;  // too close to the end to be killed mid-way
    std::fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      execl(testing::kPython, testing::kPython, "-u", script.c_str(), server.bootstrap().c_str(),
            "loop", progress.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Killed after a few more committed transactions, at a random point of the next one.
    const size_t target = before + 5 + rng() % 15;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (LinesIn(progress) < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % 20));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the loop exited on its own: " << status << "\n"
                                     << server.Log();
    ++kills;
  }
  EXPECT_GE(kills, 3);
  json facts =
      RunPythonClient("ctp_loop.py", fmt::format("{} loop {}", server.bootstrap(), progress));
  EXPECT_EQ(facts["count"], kRecords) << server.Log();
  EXPECT_EQ(facts["distinct"], kRecords) << "no record copied twice, none lost";
  EXPECT_EQ(facts["min"], 0);
  EXPECT_EQ(facts["max"], kRecords - 1);
}

// A transactional producer (confluent-kafka) committing 4-partition transactions while the
// broker is killed with SIGKILL at random points, three times: after each restart every
// transaction whose commit was acknowledged is read whole with read_committed (its markers are
// written after the restart when the broker died between the commit's answer and them), and
// no transaction is read in part.
TEST(ConfluentKafkaTest, CommittedTransactionsSurviveBrokerKills) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  const std::string script =
      std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients/txn_writer.py";
  const std::string progress = dir.str() + "/progress";
  std::mt19937 rng(std::random_device{}());
  std::unique_ptr<testing::HeraldProcess> server;
  for (int round = 0; round < 3; ++round) {
    server = std::make_unique<testing::HeraldProcess>(data);
    const size_t before = LinesIn(progress);
    std::fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string first = std::to_string(round * 10000);
      execl(testing::kPython, testing::kPython, "-u", script.c_str(), server->bootstrap().c_str(),
            "write", first.c_str(), progress.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const size_t target = before + 5 + rng() % 20;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (LinesIn(progress) < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    server->Kill();  // mid-transaction: producing, committing, or writing markers
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited on its own: " << status;
    ASSERT_GE(LinesIn(progress), target) << "round " << round << " committed too few";
  }
  server = std::make_unique<testing::HeraldProcess>(data);
  json facts =
      RunPythonClient("txn_writer.py", fmt::format("{} read {}", server->bootstrap(), progress));
  std::map<int, std::set<int>> read;  // transaction -> its records read
  size_t values = 0;
  for (const auto& v : facts["values"]) {
    int n = -1;
    int j = -1;
    ASSERT_EQ(std::sscanf(v.get<std::string>().c_str(), "t%d-r%d", &n, &j), 2) << v;
    EXPECT_TRUE(read[n].insert(j).second) << v << " read twice";
    ++values;
  }
  ASSERT_GT(values, 0u) << server->Log();
  for (int n : facts["acknowledged"].get<std::vector<int>>()) {
    const auto found = read.find(n);
    EXPECT_EQ(found == read.end() ? 0u : found->second.size(), 4u)
        << "acknowledged transaction " << n << " lost records\n"
        << server->Log();
  }
  for (const auto& [n, records] : read) {
    EXPECT_EQ(records.size(), 4u) << "transaction " << n << " read in part";
  }
}

TEST(ConfluentKafkaTest, IdempotentProducerGroupAndAdmin) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/data",
                                {"--group-initial-rebalance-delay-ms", "200"});
  json facts = RunPythonClient("confluent_group.py", server.bootstrap());
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

// Kafka 3.x topic configs through librdkafka's AdminClient: accepted, reported with their sources,
// altered; unknown names and values Kafka refuses are INVALID_CONFIG; LogAppendTime and the
// timestamp difference bound seen by a producer and a consumer.
TEST(ConfluentKafkaTest, AdminAcceptsKafkasTopicConfigs) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  testing::TempDir dir;
  const std::string properties = dir.str() + "/server.properties";
  std::ofstream(properties) << "log.retention.ms=3600000\nlog.segment.bytes=536870912\n";
  testing::HeraldProcess server(dir.str() + "/data", {"--config", properties});
  json facts = RunPythonClient("confluent_topic_configs.py", server.bootstrap());
  EXPECT_EQ(facts["create"], "ok");
  EXPECT_EQ(facts["values"], json::parse(R"({"compression.type": "lz4",
      "delete.retention.ms": "900", "message.format.version": "3.0-IV1",
      "message.timestamp.type": "LogAppendTime", "min.insync.replicas": "1",
      "segment.index.bytes": "10485760"})"));
  // librdkafka's ConfigSource: 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG.
  EXPECT_EQ(facts["sources"], json::parse(R"({"compression.type": 1, "segment.index.bytes": 5})"));
  EXPECT_EQ(facts["defaults"],
            json::parse(R"({"compression.type": false, "segment.index.bytes": true})"));
  // Topic configs server.properties sets are STATIC_BROKER_CONFIG (4); their synonyms list the
  // override (1), the setting (4) and its default (5), as Kafka lists them (librdkafka keeps one
  // synonym per name). segment.ms has none: log.roll.ms, its first broker name, has no default.
  EXPECT_EQ(facts["from_broker"], json::parse(R"({"retention.ms": ["3600000", 4],
      "segment.bytes": ["536870912", 4], "segment.ms": ["604800000", 5]})"));
  EXPECT_EQ(facts["synonyms"], json::parse(R"({
      "retention.ms": [["log.retention.hours", "168", 5], ["log.retention.ms", "3600000", 4]],
      "compression.type": [["compression.type", "producer", 5]],
      "segment.ms": []})"));
  // The broker's own settings: server.properties' are STATIC_BROKER_CONFIG (4), the rest
  // DEFAULT_CONFIG (5); log.retention.hours keeps its own default, as in Kafka; all read-only.
  EXPECT_EQ(facts["broker"], json::parse(R"({"log.retention.ms": ["3600000", 4, true],
      "log.retention.hours": ["168", 5, true], "log.segment.bytes": ["536870912", 4, true],
      "num.partitions": ["1", 5, true]})"));
  EXPECT_EQ(facts["broker_synonyms"], json::parse(R"([["log.retention.hours", "168", 5],
      ["log.retention.ms", "3600000", 4]])"));
  // AlterConfigs replaces the whole set: delete.retention.ms returns to its default.
  EXPECT_EQ(facts["altered"], json::parse(R"({"message.format.version": "2.8",
      "compression.type": "zstd", "delete.retention.ms": "86400000"})"));
  EXPECT_EQ(facts["unknown"], "INVALID_CONFIG");
  EXPECT_EQ(facts["bad_value"], "INVALID_CONFIG");
  EXPECT_EQ(facts["tiered"], "INVALID_CONFIG");
  EXPECT_EQ(facts["stamped_produce"], "ok");
  EXPECT_EQ(facts["stamped_type_is_log_append_time"], true);
  EXPECT_EQ(facts["stamped_time_is_the_brokers"], true);
  EXPECT_EQ(facts["bounded_old"], "INVALID_TIMESTAMP");
  EXPECT_EQ(facts["bounded_now"], "ok");
  EXPECT_EQ(facts["not_before"], json::parse(R"(["INVALID_TIMESTAMP", "ok"])"));
  EXPECT_EQ(facts["not_after"], json::parse(R"(["ok", "INVALID_TIMESTAMP"])"));
  EXPECT_EQ(facts["squeezed"], true) << "lz4 batches stored as gzip read back whole";
}

}  // namespace
}  // namespace herald
