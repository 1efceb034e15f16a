// The herald binary as a user runs it.
#include <fmt/format.h>

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/engine.h"
#include "storage/record_batch.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::RunCommand;

TEST(CliTest, VersionAndHelp) {
  auto version = RunCommand(fmt::format("{} --version", HERALD_BINARY));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("herald ", 0), 0u) << version.out;
  auto help = RunCommand(fmt::format("{} --help", HERALD_BINARY));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("bench"), std::string::npos);
  EXPECT_NE(help.out.find("storage"), std::string::npos);
  auto unknown = RunCommand(fmt::format("{} no-such-command", HERALD_BINARY));
  EXPECT_NE(unknown.exit_code, 0);
}

// The benchmarks' peer client libraries live in herald-bench only: a broker install carries none.
TEST(CliTest, TheBrokerBinaryLinksNoPeerClientLibrary) {
  auto ldd = RunCommand(fmt::format("ldd {}", HERALD_BINARY));
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  EXPECT_NE(ldd.out.find("librdkafka"), std::string::npos) << ldd.out;  // the CLI's client
  for (const char* peer : {"librabbitmq", "libhiredis", "libnats"}) {
    EXPECT_EQ(ldd.out.find(peer), std::string::npos) << peer << " in\n" << ldd.out;
  }
}

TEST(CliTest, SecondProcessOnADataDirectoryGetsAClearErrorAndExitCode) {
  testing::TempDir dir;
  storage::EngineOptions o;
  o.data_dir = dir.str();
  o.background = false;
  auto holder = storage::Engine::Open(o);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  auto second = RunCommand(fmt::format("{} storage inspect --data-dir {}", HERALD_BINARY, dir.str()));
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_NE(second.err.find("in use by another Herald process"), std::string::npos) << second.err;
  holder->reset();
  auto after = RunCommand(fmt::format("{} storage inspect --data-dir {}", HERALD_BINARY, dir.str()));
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

TEST(CliTest, InspectReportsPartitions) {
  testing::TempDir dir;
  {
    storage::EngineOptions o;
    o.data_dir = dir.str();
    o.background = false;
    auto engine = storage::Engine::Open(o);
    ASSERT_TRUE(engine.ok());
    ASSERT_TRUE((*engine)->CreateTopic("orders", 2).ok());
    auto log = (*engine)->GetLog("orders", 1);
    for (int i = 0; i < 3; ++i) {
      Buffer b = storage::BuildBatch({{"k", "v", 1, {}}, {"k", "w", 2, {}}});
      ASSERT_TRUE((*log)->AppendAndWait(b, storage::AckLevel::kDurable).ok());
    }
  }
  auto r = RunCommand(
      fmt::format("{} storage inspect --data-dir {} --output json", HERALD_BINARY, dir.str()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["topics"].size(), 1u);
  EXPECT_EQ(j["topics"][0]["topic"], "orders");
  EXPECT_EQ(j["topics"][0]["partitions"][1]["end_offset"], 6);
  EXPECT_EQ(j["topics"][0]["partitions"][1]["recovery"]["bytes_truncated"], 0);
  auto table = RunCommand(fmt::format("{} storage inspect --data-dir {}", HERALD_BINARY, dir.str()));
  EXPECT_NE(table.out.find("orders"), std::string::npos);
}

TEST(CliTest, StorageBenchmarkRunsAndReportsRatios) {
  testing::TempDir dir;
  auto r = RunCommand(fmt::format("{} bench storage --dir {}/b --total 2MiB --json", HERALD_BINARY,
                                  dir.str()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"herald_write_mb_s", "raw_write_mb_s", "write_ratio", "herald_read_mb_s",
                          "raw_read_mb_s", "read_ratio", "recovery_ms"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
}

TEST(CliTest, LogFileTakesTheJsonLines) {
  testing::TempDir dir;
  const std::string log = dir.str() + "/logs/herald.log";
  {
    storage::EngineOptions o;
    o.data_dir = dir.str() + "/data";
    o.background = false;
    auto engine = storage::Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_TRUE((*engine)->CreateTopic("logged", 1).ok());
    auto partition = (*engine)->GetLog("logged", 0);
    ASSERT_TRUE(partition.ok());
    Buffer batch = storage::BuildBatch({{"k", "v", 1, {}}});
    ASSERT_TRUE((*partition)->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  }
  // Opening the data directory recovers its partition: a "recovery" event.
  auto r = RunCommand(fmt::format("{} --log-file {} storage inspect --data-dir {}/data", HERALD_BINARY,
                                  log, dir.str()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(log);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("event") && j.contains("level") && j.contains("timestamp")) << line;
    ++lines;
  }
  EXPECT_GT(lines, 0);
  EXPECT_EQ(r.err.find("\"event\""), std::string::npos) << "nothing on stderr: " << r.err;
}

TEST(CliTest, HttpBenchmarkRunsBothPathsAndReportsTheRatio) {
  testing::TempDir dir;
  auto r = RunCommand(fmt::format("{} bench http --count 2000 --batch 50 --partitions 2 --dir {}/h --json",
                                  HERALD_BINARY, dir.str()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"kafka_msgs_s", "kafka_mb_s", "http_msgs_s", "http_mb_s", "http_p50_ms",
                          "http_to_kafka_ratio"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
}

// --tls and --sasl: the same records through a TLS listener and through a SCRAM broker, and new
// clients timed to their first answer with and without SCRAM.
TEST(CliTest, ProduceBenchmarkComparesTlsAndSaslWithPlaintext) {
  testing::TempDir dir;
  auto r =
      RunCommand(fmt::format("{} bench produce --count 2000 --partitions 2 --tls --sasl "
                             "--connections 5 --dir {}/p --json",
                             HERALD_BINARY, dir.str()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"produce_msgs_s", "tls_produce_msgs_s", "tls_to_plain_produce_ratio", "sasl_produce_msgs_s",
        "sasl_consume_mb_s", "sasl_to_plain_produce_ratio", "connect_plain_p50_ms",
        "connect_plain_p99_ms", "connect_scram_sha_256_p50_ms", "connect_scram_sha_256_p99_ms",
        "connect_scram_sha_512_p50_ms", "connect_scram_sha_512_p99_ms", "raw_connect_plain_p99_ms",
        "raw_connect_scram_sha_256_p99_ms", "raw_connect_scram_sha_512_p99_ms"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
}

}  // namespace
}  // namespace herald
