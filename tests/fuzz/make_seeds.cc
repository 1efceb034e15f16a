// Writes one valid request frame per served API and version into a directory, as the fuzzer's
// starting corpus: fuzzing then starts from inputs that reach every decoder's deep paths.
// Usage: herald_fuzz_seeds DIR
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "kafka/api.h"
#include "kafka/messages/all.h"
#include "kafka/schema.h"
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

int main(int argc, char** argv) {
  using namespace herald::kafka;
  if (argc != 2) return 2;
  const std::string dir = argv[1];
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
