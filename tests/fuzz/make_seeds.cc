// Writes starting corpora for the fuzz targets, so that fuzzing starts from inputs that reach the
// deep paths:
//   requests  one valid request frame per served API and version (herald_request_fuzz)
//   batches   record batches with every codec (herald_batch_fuzz)
//   logs      a partition directory as herald_log_recovery_fuzz reads it, from a real log
// Usage: herald_fuzz_seeds DIR [requests|batches|logs]   (requests by default)
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kafka/api.h"
#include "kafka/messages/all.h"
#include "kafka/schema.h"
#include "base/clock.h"
#include "storage/compression.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::kafka {
namespace {

template <typename T>
void Emit(const std::string& dir, const ApiInfo& api, const T& message) {
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    const bool flexible = v >= api.flexible_from;
    Buffer frame;
    FrameWriter w(frame, nullptr);
    w.Int16(static_cast<int16_t>(api.key));
    w.Int16(v);
    w.Int32(1);
    w.NullableString(std::string("seed"), /*compact=*/false);
    if (flexible) w.EmptyTaggedFields();
    Write(w, message, Version{v, flexible});
    std::string path = fmt::format("{}/{}-v{}", dir, api.name, v);
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fwrite(frame.data(), 1, frame.size(), f);
      std::fclose(f);
    }
  }
}

}  // namespace
}  // namespace herald::kafka

namespace herald::storage {
namespace {

void WriteFile(const std::string& path, ByteView bytes) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

std::vector<RecordSpec> SomeRecords(int n) {
  std::vector<RecordSpec> records;
  for (int i = 0; i < n; ++i) {
    records.push_back({fmt::format("key-{}", i), std::string(static_cast<size_t>(20 + i * 7), static_cast<char>('a' + i % 26)),
                       1700000000000 + i, {{"h", "v"}}});
  }
  return records;
}

void EmitBatches(const std::string& dir) {
  const Compression codecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                Compression::kLz4, Compression::kZstd};
  for (Compression codec : codecs) {
    for (int n : {1, 5}) {
      WriteFile(fmt::format("{}/{}-{}", dir, CompressionName(codec), n),
                BuildBatch(SomeRecords(n), codec));
    }
  }
}

// The fuzz input: [checkpoint size % 40][index size][time index size], then those files and the
// segment's log, read from a log written here.
void EmitLogs(const std::string& dir) {
  for (int batches : {1, 6}) {
    MemFileSystem fs;
    ManualClock clock;
    const std::string log_dir = "/data/t-0";
    {
      auto log = Log::Open({&fs, log_dir, LogConfig{}, &clock, nullptr});
      if (!log.ok()) return;
      for (int i = 0; i < batches; ++i) {
        Buffer batch = BuildBatch(SomeRecords(1 + i % 3), i % 2 ? Compression::kLz4
                                                               : Compression::kNone);
        (void)(*log)->AppendAndWait(batch, AckLevel::kDurable);
      }
      (void)(*log)->Close();
    }
    Buffer parts[4];
    const char* names[4] = {"recovery-checkpoint", "00000000000000000000.index",
                            "00000000000000000000.timeindex", "00000000000000000000.log"};
    for (int i = 0; i < 4; ++i) fs.GetContents(log_dir + "/" + names[i], &parts[i]);
    for (int i = 1; i < 3; ++i) {
      if (parts[i].size() > 255) parts[i].resize(255);
    }
    Buffer input = {static_cast<uint8_t>(parts[0].size()), static_cast<uint8_t>(parts[1].size()),
                    static_cast<uint8_t>(parts[2].size())};
    for (const auto& part : parts) input.insert(input.end(), part.begin(), part.end());
    WriteFile(fmt::format("{}/log-{}", dir, batches), input);
  }
}

}  // namespace
}  // namespace herald::storage

int main(int argc, char** argv) {
  using namespace herald::kafka;
  if (argc != 2 && argc != 3) return 2;
  const std::string dir = argv[1];
  const std::string kind = argc == 3 ? argv[2] : "requests";
  if (kind == "batches") {
    herald::storage::EmitBatches(dir);
    return 0;
  }
  if (kind == "logs") {
    herald::storage::EmitLogs(dir);
    return 0;
  }
  if (kind != "requests") return 2;
  static const herald::Buffer batch =
      herald::storage::BuildBatch({{"key", "value", 1700000000000, {{"h", "v"}}}});
  for (const auto& api : kApis) {
    switch (api.key) {
      case ApiKey::kProduce: {
        ProduceRequest r;
        r.acks = -1;
        r.timeout_ms = 1000;
        ProduceRequestPartition p;
        p.records.bytes = herald::ByteView(batch);
        r.topics.push_back({"orders", {p}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kFetch: {
        FetchRequest r;
        r.max_wait_ms = 100;
        r.min_bytes = 1;
        FetchRequestPartition p;
        p.partition_max_bytes = 1 << 20;
        r.topics.push_back({"orders", {p}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kListOffsets: {
        ListOffsetsRequest r;
        ListOffsetsRequestPartition p;
        p.timestamp = -1;
        r.topics.push_back({"orders", {p}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kMetadata: Emit(dir, api, MetadataRequest{{{{"orders"}}}, true}); break;
      case ApiKey::kOffsetCommit: {
        OffsetCommitRequest r;
        r.group_id = "g";
        OffsetCommitRequestPartition p;
        p.committed_offset = 5;
        p.committed_metadata = "m";
        r.topics.push_back({"orders", {p}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kOffsetFetch: {
        OffsetFetchRequest r;
        r.group_id = "g";
        r.topics = std::vector<OffsetFetchRequestTopic>{{"orders", {0, 1}}};
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kFindCoordinator: Emit(dir, api, FindCoordinatorRequest{"g", 0}); break;
      case ApiKey::kJoinGroup: {
        JoinGroupRequest r;
        r.group_id = "g";
        r.session_timeout_ms = 10000;
        r.protocol_type = "consumer";
        r.protocols.push_back({"range", herald::Buffer{0, 1, 0, 0, 0, 1, 0, 1, 'o'}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kHeartbeat: {
        HeartbeatRequest r;
        r.group_id = "g";
        r.member_id = "m";
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kLeaveGroup: {
        LeaveGroupRequest r;
        r.group_id = "g";
        r.member_id = "m";
        r.members.push_back({"m", std::nullopt});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kSyncGroup: {
        SyncGroupRequest r;
        r.group_id = "g";
        r.member_id = "m";
        r.assignments.push_back({"m", herald::Buffer{0, 1}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kDescribeGroups: {
        DescribeGroupsRequest r;
        r.groups = {"g"};
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kListGroups: Emit(dir, api, ListGroupsRequest{}); break;
      case ApiKey::kApiVersions: Emit(dir, api, ApiVersionsRequest{"seed", "1.0"}); break;
      case ApiKey::kCreateTopics: {
        CreateTopicsRequest r;
        CreateTopicsRequestTopic t;
        t.name = "orders";
        t.num_partitions = 2;
        t.replication_factor = 1;
        t.configs.push_back({"retention.ms", std::string("1000")});
        r.topics.push_back(t);
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kDeleteTopics: {
        DeleteTopicsRequest r;
        r.topic_names = {"orders"};
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kDeleteRecords: {
        DeleteRecordsRequest r;
        r.topics.push_back({"orders", {{0, 3}}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kInitProducerId: Emit(dir, api, InitProducerIdRequest{}); break;
      case ApiKey::kOffsetForLeaderEpoch: {
        OffsetForLeaderEpochRequest r;
        OffsetForLeaderEpochRequestPartition p;
        r.topics.push_back({"orders", {p}});
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kDescribeConfigs: {
        DescribeConfigsRequest r;
        DescribeConfigsRequestResource res;
        res.resource_type = 2;
        res.resource_name = "orders";
        r.resources.push_back(res);
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kAlterConfigs: {
        AlterConfigsRequest r;
        AlterConfigsRequestResource res;
        res.resource_type = 2;
        res.resource_name = "orders";
        res.configs.push_back({"retention.ms", std::string("5")});
        r.resources.push_back(res);
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kCreatePartitions: {
        CreatePartitionsRequest r;
        CreatePartitionsRequestTopic t;
        t.name = "orders";
        t.count = 3;
        r.topics.push_back(t);
        Emit(dir, api, r);
        break;
      }
      case ApiKey::kDeleteGroups: {
        DeleteGroupsRequest r;
        r.groups_names = {"g"};
        Emit(dir, api, r);
        break;
      }
    }
  }
  return 0;
}
