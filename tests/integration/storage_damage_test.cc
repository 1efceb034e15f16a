// A real `herald serve` on a data directory with damage in it: the damaged partition (or the
// groups, for damage in __consumer_offsets) goes offline with a log event, a metric and /readyz
// saying so, everything else is served, and `herald storage check|repair` tell and fix it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/api.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/find_coordinator.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/metadata.h"
#include "kafka/messages/offset_commit.h"
#include "kafka/messages/produce.h"
#include "storage/record_batch.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using nlohmann::json;
using testing::RunCommand;
using testing::raw_wire::ProduceRequestFor;
using testing::raw_wire::RawWireClient;
namespace fs = std::filesystem;

constexpr char kFirstSegment[] = "00000000000000000000.log";

void CreateTopic(RawWireClient& client, const std::string& name) {
  kafka::CreateTopicsRequest request;
  kafka::CreateTopicsRequestTopic topic;
  topic.name = name;
  topic.num_partitions = 1;
  topic.replication_factor = 1;
  request.topics.push_back(topic);
  auto reply = client.Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 4, request);
  ASSERT_EQ(reply.body.topics.at(0).error_code, 0);
}

int16_t Produce(RawWireClient& client, const std::string& topic, const std::string& value) {
  Buffer batch = storage::BuildBatch({{std::nullopt, value, 1700000000000, {}}});
  auto reply = client.Call<kafka::ProduceResponse>(ApiKey::kProduce, 7,
                                                   ProduceRequestFor(topic, ByteView(batch)));
  return reply.body.responses.at(0).partitions.at(0).error_code;
}

int64_t EndOffset(RawWireClient& client, const std::string& topic, int16_t* error = nullptr) {
  kafka::ListOffsetsRequest request;
  request.topics.push_back({topic, {{0, -1, -1, 1}}});
  auto reply = client.Call<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, 1, request);
  const auto& p = reply.body.topics.at(0).partitions.at(0);
  if (error) *error = p.error_code;
  return p.offset;
}

// The byte positions of the batches in a segment file.
std::vector<std::pair<uint64_t, uint64_t>> BatchesIn(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Buffer bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<uint64_t, uint64_t>> out;
  uint64_t at = 0;
  while (at + storage::kBatchHeaderSize <= bytes.size()) {
    auto header = storage::ParseBatchHeader(ByteView(bytes).subspan(at));
    if (!header.ok()) break;
    out.push_back({at, header->size()});
    at += header->size();
  }
  return out;
}

// Flips the last byte of batch `index` (inside its records: the CRC no longer holds).
void DamageBatch(const std::string& segment, size_t index) {
  auto batches = BatchesIn(segment);
  ASSERT_GT(batches.size(), index + 1) << segment;
  const uint64_t at = batches[index].first + batches[index].second - 1;
  std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

class StorageDamageTest : public ::testing::Test {
 protected:
  std::string DataDir() const { return dir_.str() + "/data"; }

  void Start() { server_ = std::make_unique<testing::HeraldProcess>(DataDir()); }

  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  std::unique_ptr<RawWireClient> Connect() { return std::make_unique<RawWireClient>(server_->port()); }

  std::pair<int, json> Readyz() {
    auto r = RunCommand(fmt::format("curl -s -m 10 -w '\\n%{{http_code}}' '{}/readyz'",
                                    server_->http_url()));
    const size_t nl = r.out.rfind('\n');
    return {std::atoi(r.out.c_str() + nl + 1), json::parse(r.out.substr(0, nl), nullptr, false)};
  }

  std::string Metrics() {
    return RunCommand(fmt::format("curl -s -m 10 '{}/metrics'", server_->http_url())).out;
  }

  testing::CommandResult Storage(const std::string& verb) {
    return RunCommand(fmt::format("{} storage {} --data-dir {} 2>&1", HERALD_BINARY, verb, DataDir()));
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_F(StorageDamageTest, DamageInTheMiddleOfALogTakesOnlyThatPartitionOffline) {
  Start();
  {
    auto client = Connect();
    CreateTopic(*client, "hurt");
    CreateTopic(*client, "fine");
    for (int i = 0; i < 10; ++i) {
      ASSERT_EQ(Produce(*client, "hurt", fmt::format("h{}", i)), 0);
      ASSERT_EQ(Produce(*client, "fine", fmt::format("f{}", i)), 0);
    }
  }
  ASSERT_EQ(server_->Stop(), 0);
  // Damage past the checkpoint (removed, so recovery scans it all) with valid batches after it:
  // not a torn write.
  const std::string hurt = DataDir() + "/hurt-0";
  ASSERT_NO_FATAL_FAILURE(DamageBatch(hurt + "/" + kFirstSegment, 4));
  fs::remove(hurt + "/recovery-checkpoint");
  const auto size_before = fs::file_size(hurt + "/" + kFirstSegment);

  Start();
  auto client = Connect();
  EXPECT_EQ(Produce(*client, "hurt", "more"), Code(ErrorCode::kKafkaStorageError));
  int16_t error = 0;
  EndOffset(*client, "hurt", &error);
  EXPECT_EQ(error, Code(ErrorCode::kKafkaStorageError));
  EXPECT_EQ(EndOffset(*client, "fine"), 10);
  EXPECT_EQ(Produce(*client, "fine", "still served"), 0);
  // Metadata shows the partition without a leader, its replica offline, as Kafka does.
  kafka::MetadataRequest metadata;
  metadata.topics = std::vector<kafka::MetadataRequestTopic>{{Uuid{}, "hurt"}, {Uuid{}, "fine"}};
  auto described = client->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 5, metadata);
  ASSERT_EQ(described.body.topics.size(), 2u);
  const auto& hurt_partition = described.body.topics.at(0).partitions.at(0);
  EXPECT_EQ(hurt_partition.error_code, Code(ErrorCode::kLeaderNotAvailable));
  EXPECT_EQ(hurt_partition.leader_id, -1);
  EXPECT_EQ(hurt_partition.offline_replicas, std::vector<int32_t>{1});
  const auto& fine_partition = described.body.topics.at(1).partitions.at(0);
  EXPECT_EQ(fine_partition.error_code, 0);
  EXPECT_EQ(fine_partition.leader_id, 1);
  auto [status, body] = Readyz();
  EXPECT_EQ(status, 503) << body.dump();
  ASSERT_TRUE(body.contains("offline_partitions")) << body.dump();
  EXPECT_EQ(body["offline_partitions"][0]["topic"], "hurt");
  EXPECT_NE(Metrics().find("\npartitions_offline 1"), std::string::npos);
  EXPECT_NE(server_->Log().find("partition_offline"), std::string::npos);
  EXPECT_EQ(fs::file_size(hurt + "/" + kFirstSegment), size_before) << "bytes were cut";
  ASSERT_EQ(server_->Stop(), 0);

  // check tells (exit 1), repair cuts at the damage, and the broker is whole again.
  auto check = Storage("check");
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("hurt"), std::string::npos) << check.out;
  auto repair = Storage("repair");
  EXPECT_EQ(repair.exit_code, 0) << repair.out;
  auto again = Storage("check");
  EXPECT_EQ(again.exit_code, 0) << again.out;

  Start();
  auto after = Connect();
  EXPECT_EQ(EndOffset(*after, "hurt"), 4);  // the four batches before the damage
  EXPECT_EQ(Produce(*after, "hurt", "after repair"), 0);
  EXPECT_EQ(EndOffset(*after, "fine"), 11);
  EXPECT_EQ(Readyz().first, 200);
}

TEST_F(StorageDamageTest, AnUnreadableCommitRecordTakesGroupsOfflineAndNothingElse) {
  Start();
  {
    auto client = Connect();
    CreateTopic(*client, "t");
    ASSERT_EQ(Produce(*client, "t", "x"), 0);
    for (int i = 0; i < 5; ++i) {
      kafka::OffsetCommitRequest commit;
      commit.group_id = "g";
      commit.generation_id = -1;
      commit.topics.push_back({"t", {{0, i, -1, -1, std::nullopt}}});
      auto reply = client->Call<kafka::OffsetCommitResponse>(ApiKey::kOffsetCommit, 2, commit);
      ASSERT_EQ(reply.body.topics.at(0).partitions.at(0).error_code, 0);
    }
  }
  ASSERT_EQ(server_->Stop(), 0);
  // Damage below the checkpoint: the log opens, but the record does not read.
  ASSERT_NO_FATAL_FAILURE(
      DamageBatch(DataDir() + "/__consumer_offsets-0/" + kFirstSegment, 1));

  Start();
  auto client = Connect();
  kafka::FindCoordinatorRequest find;
  find.key = "g";
  auto found = client->Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 1, find);
  EXPECT_EQ(found.body.error_code, Code(ErrorCode::kCoordinatorNotAvailable));
  EXPECT_EQ(Produce(*client, "t", "y"), 0);
  EXPECT_EQ(EndOffset(*client, "t"), 2);
  auto [status, body] = Readyz();
  EXPECT_EQ(status, 503);
  EXPECT_NE(body.value("groups", ""), "online") << body.dump();
  EXPECT_NE(server_->Log().find("group_coordinator_offline"), std::string::npos);
}

}  // namespace
}  // namespace herald
