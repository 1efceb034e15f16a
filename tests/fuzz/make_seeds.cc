// Writes starting corpora for the fuzz targets, so that fuzzing starts from inputs that reach the
// deep paths:
//   requests  one valid request frame per served API and version (herald_request_fuzz)
//   sessions  what a client sends on a connection: each of those frames size-prefixed, and
//             sessions of every API in turn (herald_kafka_handler_fuzz)
//   batches   record batches with every codec (herald_batch_fuzz)
//   logs      a partition directory as herald_log_recovery_fuzz reads it, from a real log
//   states    topic metadata, producer ids and group records (herald_state_replay_fuzz)
//   http      HTTP requests for every route (herald_http_router_fuzz)
//   esindex   event store index checkpoint files (herald_eventstore_index_fuzz)
//   avro      Avro schemas, some with a datum after a NUL byte (herald_avro_schema_fuzz)
//   jsonschema  JSON Schemas, each with an instance after a NUL byte (herald_json_schema_fuzz)
// Usage: herald_fuzz_seeds DIR
//   [requests|sessions|batches|logs|states|http|esindex|avro|jsonschema]
// (requests by default)
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "kafka/api.h"
#include "kafka/messages/all.h"
#include "kafka/schema.h"
#include "base/clock.h"
#include "base/uuid.h"
#include "eventstore/stream_index.h"
#include "storage/compression.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::kafka {
namespace {

struct Seed {
  std::string name;  // api-vN
  ApiKey key;
  int16_t version;
  Buffer frame;
};

template <typename T>
void Emit(std::vector<Seed>& out, const ApiInfo& api, const T& message) {
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
    out.push_back({fmt::format("{}-v{}", api.name, v), api.key, v, std::move(frame)});
  }
}

}  // namespace
}  // namespace herald::kafka

namespace herald {
namespace {

void WriteFile(const std::string& path, ByteView bytes) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

}  // namespace
}  // namespace herald

namespace herald::storage {
namespace {

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
      // An aborted transaction of producer 7: its marker, and the marker's index entry.
      Buffer marker = BuildTxnMarker(7, 0, ControlType::kAbort, 0, 1000);
      auto appended = (*log)->AppendAndWait(marker, AckLevel::kDurable);
      if (appended.ok()) {
        (void)(*log)->AppendAbortedTxn({7, 0, appended->base_offset, appended->base_offset + 1});
      }
      (void)(*log)->Close();
    }
    Buffer parts[5];
    const char* names[5] = {"recovery-checkpoint", "00000000000000000000.index",
                            "00000000000000000000.timeindex", kAbortedTxnsName,
                            "00000000000000000000.log"};
    for (int i = 0; i < 5; ++i) fs.GetContents(log_dir + "/" + names[i], &parts[i]);
    for (int i = 1; i < 4; ++i) {
      if (parts[i].size() > 255) parts[i].resize(255);
    }
    Buffer input = {static_cast<uint8_t>(parts[0].size()), static_cast<uint8_t>(parts[1].size()),
                    static_cast<uint8_t>(parts[2].size()), static_cast<uint8_t>(parts[3].size())};
    for (const auto& part : parts) input.insert(input.end(), part.begin(), part.end());
    WriteFile(fmt::format("{}/log-{}", dir, batches), input);
  }
}

// The input of herald_state_replay_fuzz: length-prefixed parts (see state_replay_fuzz.cc).
void EmitStates(const std::string& dir) {
  auto part = [](Buffer& out, std::optional<std::string_view> text) {
    uint8_t size[2];
    StoreBigEndian<uint16_t>(size, text ? static_cast<uint16_t>(text->size()) : 0xFFFF);
    out.insert(out.end(), size, size + 2);
    if (text) out.insert(out.end(), text->begin(), text->end());
  };
  const std::string meta =
      R"({"name":"orders","partitions":2,"configs":{"retention.ms":"1000"},"version":1})";
  const std::string producer_ids = R"({"next_producer_id":1000})";
  const std::string offset_key = std::string("offset\0g\0orders\0", 16) + "1";
  const std::string group_key = std::string("group\0g", 7);
  const std::string group =
      R"({"protocol_type":"consumer","protocol":"range","generation":3,"leader":"m1",)"
      R"("members":[{"member_id":"m1","group_instance_id":"i1","client_id":"c","client_host":"h",)"
      R"("session_timeout_ms":10000,"rebalance_timeout_ms":10000,"metadata":"AAEAAAAB",)"
      R"("assignment":"AAE="}]})";
  Buffer empty;
  part(empty, meta);
  part(empty, producer_ids);
  WriteFile(dir + "/empty", empty);
  Buffer groups = empty;
  part(groups, offset_key);
  part(groups, R"({"offset":42,"metadata":"m"})");
  part(groups, group_key);
  part(groups, group);
  WriteFile(dir + "/groups", groups);
  Buffer deleted = groups;
  part(deleted, offset_key);
  part(deleted, std::nullopt);
  part(deleted, group_key);
  part(deleted, std::nullopt);
  WriteFile(dir + "/deleted", deleted);
}

}  // namespace
}  // namespace herald::storage

namespace herald::kafka {
namespace {

// One valid frame per served API and version.
std::vector<Seed> RequestSeeds() {
  std::vector<Seed> seeds;
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
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kFetch: {
        FetchRequest r;
        r.max_wait_ms = 100;
        r.min_bytes = 1;
        FetchRequestPartition p;
        p.partition_max_bytes = 1 << 20;
        r.topics.push_back({"orders", {}, {p}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kListOffsets: {
        ListOffsetsRequest r;
        ListOffsetsRequestPartition p;
        p.timestamp = -1;
        r.topics.push_back({"orders", {p}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kMetadata: {
        MetadataRequest r;
        r.topics = std::vector<MetadataRequestTopic>{{Uuid{}, "orders"}};
        r.include_topic_authorized_operations = true;
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kOffsetCommit: {
        OffsetCommitRequest r;
        r.group_id = "g";
        OffsetCommitRequestPartition p;
        p.committed_offset = 5;
        p.committed_metadata = "m";
        r.topics.push_back({"orders", {p}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kOffsetFetch: {
        OffsetFetchRequest r;
        r.group_id = "g";
        r.topics = std::vector<OffsetFetchRequestTopic>{{"orders", {0, 1}}};
        r.groups = {{"g", r.topics}, {"h", std::nullopt}};  // v8
        r.require_stable = true;                            // v7+
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kFindCoordinator: Emit(seeds, api, FindCoordinatorRequest{"g", 0}); break;
      case ApiKey::kJoinGroup: {
        JoinGroupRequest r;
        r.group_id = "g";
        r.session_timeout_ms = 10000;
        r.protocol_type = "consumer";
        r.protocols.push_back({"range", herald::Buffer{0, 1, 0, 0, 0, 1, 0, 1, 'o'}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kHeartbeat: {
        HeartbeatRequest r;
        r.group_id = "g";
        r.member_id = "m";
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kLeaveGroup: {
        LeaveGroupRequest r;
        r.group_id = "g";
        r.member_id = "m";
        r.members.push_back({"m", std::nullopt});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kSyncGroup: {
        SyncGroupRequest r;
        r.group_id = "g";
        r.member_id = "m";
        r.assignments.push_back({"m", herald::Buffer{0, 1}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeGroups: {
        DescribeGroupsRequest r;
        r.groups = {"g"};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kListGroups: Emit(seeds, api, ListGroupsRequest{}); break;
      case ApiKey::kApiVersions: Emit(seeds, api, ApiVersionsRequest{"seed", "1.0"}); break;
      case ApiKey::kCreateTopics: {
        CreateTopicsRequest r;
        CreateTopicsRequestTopic t;
        t.name = "orders";
        t.num_partitions = 2;
        t.replication_factor = 1;
        t.configs.push_back({"retention.ms", std::string("1000")});
        r.topics.push_back(t);
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDeleteTopics: {
        DeleteTopicsRequest r;
        r.topic_names = {"orders"};
        r.topics = {{std::string("orders"), Uuid{}}, {std::nullopt, Uuid{1, 2}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDeleteRecords: {
        DeleteRecordsRequest r;
        r.topics.push_back({"orders", {{0, 3}}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kInitProducerId: {
        // Transactional: a null id (the mutated length -1) reaches the idempotent path.
        InitProducerIdRequest r;
        r.transactional_id = "t";
        r.transaction_timeout_ms = 60000;
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kAddPartitionsToTxn: {
        AddPartitionsToTxnRequest r;
        r.transactional_id = "t";
        r.topics = {{"orders", {0, 1}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kAddOffsetsToTxn: {
        AddOffsetsToTxnRequest r;
        r.transactional_id = "t";
        r.group_id = "g";
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kTxnOffsetCommit: {
        TxnOffsetCommitRequest r;
        r.transactional_id = "t";
        r.group_id = "g";
        r.topics = {{"orders", {{0, 1, -1, std::string("m")}}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeTransactions: {
        DescribeTransactionsRequest r;
        r.transactional_ids = {"t", "unknown"};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kListTransactions: {
        ListTransactionsRequest r;
        r.state_filters = {"Ongoing", "Nonsense"};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeUserScramCredentials: {
        DescribeUserScramCredentialsRequest r;
        r.users = std::vector<DescribeUserScramCredentialsRequestUser>{{"alice"}, {"alice"}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kAlterUserScramCredentials: {
        AlterUserScramCredentialsRequest r;
        r.deletions.push_back({"bob", 1});
        r.upsertions.push_back(
            {"alice", 1, 4096, herald::Buffer(16, 7), herald::Buffer(32, 9)});
        r.upsertions.push_back(
            {"carol", 2, 8192, herald::Buffer(16, 7), herald::Buffer(64, 9)});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeAcls: {
        DescribeAclsRequest r;
        r.resource_type_filter = 1;  // any
        r.pattern_type_filter = 2;   // match
        r.resource_name_filter = "orders";
        r.operation = 1;
        r.permission_type = 1;
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kCreateAcls: {
        CreateAclsRequest r;
        r.creations.push_back({2, "orders", 3, "User:alice", "*", 3, 3});
        r.creations.push_back({4, "kafka-cluster", 4, "User:*", "", 1, 1});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDeleteAcls: {
        DeleteAclsRequest r;
        DeleteAclsRequestFilter f;
        f.resource_type_filter = 2;
        f.resource_name_filter = "orders";
        f.pattern_type_filter = 3;
        f.operation = 1;
        f.permission_type = 1;
        r.filters.push_back(f);
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kSaslHandshake: {
        SaslHandshakeRequest r;
        r.mechanism = "SCRAM-SHA-256";
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kSaslAuthenticate: {
        SaslAuthenticateRequest r;
        const std::string token = "n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL";
        r.auth_bytes = Buffer(token.begin(), token.end());
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kEndTxn: {
        EndTxnRequest r;
        r.transactional_id = "t";
        r.committed = true;
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kOffsetForLeaderEpoch: {
        OffsetForLeaderEpochRequest r;
        OffsetForLeaderEpochRequestPartition p;
        r.topics.push_back({"orders", {p}});
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeConfigs: {
        DescribeConfigsRequest r;
        DescribeConfigsRequestResource res;
        res.resource_type = 2;
        res.resource_name = "orders";
        r.resources.push_back(res);
        r.include_synonyms = true;
        r.include_documentation = true;
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kAlterConfigs: {
        AlterConfigsRequest r;
        AlterConfigsRequestResource res;
        res.resource_type = 2;
        res.resource_name = "orders";
        res.configs.push_back({"retention.ms", std::string("5")});
        r.resources.push_back(res);
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kCreatePartitions: {
        CreatePartitionsRequest r;
        CreatePartitionsRequestTopic t;
        t.name = "orders";
        t.count = 3;
        r.topics.push_back(t);
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDeleteGroups: {
        DeleteGroupsRequest r;
        r.groups_names = {"g"};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeLogDirs: {
        DescribeLogDirsRequest r;
        r.topics = std::vector<DescribeLogDirsRequestTopic>{{"orders", {0, 1}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kElectLeaders: {
        ElectLeadersRequest r;
        r.topic_partitions = std::vector<ElectLeadersRequestTopic>{{"orders", {0}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kListPartitionReassignments: {
        ListPartitionReassignmentsRequest r;
        r.topics = std::vector<ListPartitionReassignmentsRequestTopic>{{"orders", {0}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kOffsetDelete: {
        OffsetDeleteRequest r;
        r.group_id = "g";
        r.topics = {{"orders", {0, 1}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kDescribeCluster:
        Emit(seeds, api, DescribeClusterRequest{});
        break;
      case ApiKey::kDescribeProducers: {
        DescribeProducersRequest r;
        r.topics = {{"orders", {0, 1}}};
        Emit(seeds, api, r);
        break;
      }
      case ApiKey::kIncrementalAlterConfigs: {
        IncrementalAlterConfigsRequest r;
        r.resources = {
            {2,
             "orders",
             {{"cleanup.policy", 2, std::string("compact")}, {"retention.ms", 1, std::nullopt}}}};
        Emit(seeds, api, r);
        break;
      }
    }
  }
  return seeds;
}

void Append(Buffer& session, const Buffer& frame) {
  uint8_t size[4];
  StoreBigEndian<uint32_t>(size, static_cast<uint32_t>(frame.size()));
  session.insert(session.end(), size, size + 4);
  session.insert(session.end(), frame.begin(), frame.end());
}

// Each frame alone, then sessions that create, produce, read, join, commit and delete in turn:
// every API at its newest version, and at its oldest.
void EmitSessions(const std::string& dir) {
  const std::vector<Seed> seeds = RequestSeeds();
  for (const Seed& seed : seeds) {
    Buffer session;
    Append(session, seed.frame);
    WriteFile(fmt::format("{}/{}", dir, seed.name), session);
  }
  const ApiKey order[] = {ApiKey::kApiVersions,
                          ApiKey::kMetadata,
                          ApiKey::kCreateTopics,
                          ApiKey::kInitProducerId,
                          ApiKey::kAddPartitionsToTxn,
                          ApiKey::kProduce,
                          ApiKey::kDescribeProducers,
                          ApiKey::kFetch,
                          ApiKey::kListOffsets,
                          ApiKey::kOffsetForLeaderEpoch,
                          ApiKey::kFindCoordinator,
                          ApiKey::kJoinGroup,
                          ApiKey::kSyncGroup,
                          ApiKey::kHeartbeat,
                          ApiKey::kOffsetCommit,
                          ApiKey::kOffsetFetch,
                          ApiKey::kAddOffsetsToTxn,
                          ApiKey::kTxnOffsetCommit,
                          ApiKey::kDescribeTransactions,
                          ApiKey::kListTransactions,
                          ApiKey::kEndTxn,
                          ApiKey::kDescribeGroups,
                          ApiKey::kListGroups,
                          ApiKey::kLeaveGroup,
                          ApiKey::kOffsetDelete,
                          ApiKey::kDeleteGroups,
                          ApiKey::kDescribeConfigs,
                          ApiKey::kAlterConfigs,
                          ApiKey::kIncrementalAlterConfigs,
                          ApiKey::kCreatePartitions,
                          ApiKey::kDescribeLogDirs,
                          ApiKey::kElectLeaders,
                          ApiKey::kListPartitionReassignments,
                          ApiKey::kDescribeCluster,
                          ApiKey::kDeleteRecords,
                          ApiKey::kDeleteTopics};
  for (bool newest : {true, false}) {
    Buffer session;
    for (ApiKey key : order) {
      const Seed* pick = nullptr;
      for (const Seed& seed : seeds) {
        if (seed.key == key && (!pick || (seed.version > pick->version) == newest)) pick = &seed;
      }
      if (pick) Append(session, pick->frame);
    }
    WriteFile(fmt::format("{}/session-{}", dir, newest ? "newest" : "oldest"), session);
  }
}

// One request per route, and one connection that walks a REST consumer's life.
void EmitHttp(const std::string& dir) {
  auto request = [](std::string_view method, std::string_view target, std::string_view body = "",
                    std::string_view type = "application/vnd.kafka.json.v2+json") {
    std::string r = fmt::format("{} {} HTTP/1.1\r\nHost: localhost\r\n", method, target);
    if (!body.empty()) {
      r += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", type, body.size());
    }
    return r + "\r\n" + std::string(body);
  };
  const std::string consumer = "/consumers/g/instances/c";
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"metrics", request("GET", "/metrics")},
      {"healthz", request("GET", "/healthz")},
      {"readyz", request("GET", "/readyz")},
      {"brokers", request("GET", "/brokers")},
      {"topics", request("GET", "/topics")},
      {"topic", request("GET", "/topics/orders")},
      {"partitions", request("GET", "/topics/orders/partitions")},
      {"partition", request("GET", "/topics/orders/partitions/1")},
      {"partition-offsets", request("GET", "/topics/orders/partitions/0/offsets")},
      {"produce-json",
       request(
           "POST", "/topics/orders",
           R"({"records":[{"key":"k","value":{"a":[1,2,{"b":null}]}},{"value":"v","partition":1}]})")},
      {"produce-binary", request("POST", "/topics/orders/partitions/0",
                                 R"({"records":[{"key":"aw==","value":"dg=="}]})",
                                 "application/vnd.kafka.binary.v2+json")},
      {"admin-broker", request("GET", "/admin/broker")},
      {"admin-topics", request("GET", "/admin/topics")},
      {"admin-create", request("POST", "/admin/topics",
                               R"({"name":"new","partitions":3,"configs":{"retention.ms":"1000"}})",
                               "application/json")},
      {"admin-topic", request("GET", "/admin/topics/orders")},
      {"admin-alter",
       request("PATCH", "/admin/topics/orders",
               R"({"partitions":4,"configs":{"retention.ms":"5"}})", "application/json")},
      {"admin-delete", request("DELETE", "/admin/topics/orders")},
      {"admin-groups", request("GET", "/admin/groups")},
      {"stream-append",
       request("POST", "/streams/order-1",
               R"({"expected_revision":"no_stream","events":[{"type":"Placed","data":{"a":1},)"
               R"("metadata":{"c":"x"}},{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","type":"B",)"
               R"("data":"raw","content_type":"text/plain"}]})",
               "application/json")},
      {"stream-read", request("GET", "/streams/order-1?from=1&direction=backward&limit=5")},
      {"stream-all", request("GET", "/streams/$all?from_position=0&limit=10&type=Placed,B")},
      {"stream-category", request("GET", "/streams/$ce-order?from_position=1")},
      {"stream-metadata", request("PUT", "/streams/order-1/metadata",
                                  R"({"max_count":3,"max_age":60})", "application/json")},
      {"stream-snapshot", request("PUT", "/streams/order-1/snapshot",
                                  R"({"revision":1,"data":{"total":2}})", "application/json")},
      {"stream-snapshot-get", request("GET", "/streams/order-1/snapshot")},
      {"stream-subscribe", request("GET", "/streams/order-1/subscribe?from=0")},
      {"stream-delete", request("DELETE", "/streams/order-1?hard=true&expected_revision=1")},
      {"subscription-create",
       request("PUT", "/subscriptions/$ce-order/g",
               R"({"start_from":0,"max_retry_count":2,"message_timeout_ms":100})",
               "application/json")},
      {"subscription-read", request("GET", "/subscriptions/$ce-order/g/messages?count=5")},
      {"subscription-nack", request("POST", "/subscriptions/$ce-order/g/nack",
                                    R"({"ids":["x"],"action":"park"})", "application/json")},
      {"subscription-parked", request("GET", "/subscriptions/$ce-order/g/parked?limit=3")},
      {"subscription-replay", request("POST", "/subscriptions/$ce-order/g/replay-parked")},
      {"registry-register",
       request("POST", "/subjects/orders-value/versions",
               R"({"schema":"{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":)"
               R"(\"a\",\"type\":[\"null\",\"long\"],\"default\":null}]}"})",
               "application/vnd.schemaregistry.v1+json")},
      {"registry-reference",
       request("POST", "/subjects/refs/versions",
               R"({"schema":"{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":)"
               R"(\"o\",\"type\":\"O\"}]}","references":[{"name":"O","subject":)"
               R"("orders-value","version":1}]})",
               "application/json")},
      {"registry-lookup", request("POST", "/subjects/orders-value?deleted=true",
                                  R"({"schema":"\"string\""})", "application/json")},
      {"registry-version", request("GET", "/subjects/orders-value/versions/latest?deleted=true")},
      {"registry-id", request("GET", "/schemas/ids/1/versions")},
      {"registry-compatibility",
       request("POST", "/compatibility/subjects/orders-value/versions/1?verbose=true",
               R"({"schema":"{\"type\":\"record\",\"name\":\"O\",\"fields\":[]}"})",
               "application/json")},
      {"registry-config",
       request("PUT", "/config/orders-value", R"({"compatibility":"FULL"})", "application/json")},
      {"registry-mode",
       request("PUT", "/mode?force=true", R"({"mode":"IMPORT"})", "application/json")},
      {"registry-delete", request("DELETE", "/subjects/orders-value/versions/1?permanent=true")},
      {"admin-group", request("GET", "/admin/groups/g")},
      {"admin-group-delete", request("DELETE", "/admin/groups/g")},
      {"admin-transactions", request("GET", "/admin/transactions?open=true&state=Ongoing")},
      {"admin-transaction", request("GET", "/admin/transactions/t")},
      {"consumer-create",
       request(
           "POST", "/consumers/g",
           R"({"name":"c","format":"json","auto.offset.reset":"earliest","auto.commit.enable":true})")},
      {"consumer-subscribe",
       request("POST", consumer + "/subscription", R"({"topics":["orders"]})")},
      {"consumer-assign", request("POST", consumer + "/assignments",
                                  R"({"partitions":[{"topic":"orders","partition":0}]})")},
      {"consumer-seek", request("POST", consumer + "/positions",
                                R"({"offsets":[{"topic":"orders","partition":0,"offset":1}]})")},
      {"consumer-commit", request("POST", consumer + "/offsets",
                                  R"({"offsets":[{"topic":"orders","partition":0,"offset":1}]})")},
      {"consumer-offsets", request("GET", consumer + "/offsets")},
      {"consumer-records", request("GET", consumer + "/records?timeout=0&max_bytes=1000")},
      {"consumer-delete", request("DELETE", consumer)},
  };
  std::string life;
  for (const auto& [name, text] : requests) {
    WriteFile(fmt::format("{}/{}", dir, name),
              ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    if (name.starts_with("consumer-")) life += text;
  }
  WriteFile(dir + "/consumer-life",
            ByteView(reinterpret_cast<const uint8_t*>(life.data()), life.size()));
}

}  // namespace
}  // namespace herald::kafka

namespace herald::eventstore {
namespace {

// Index files of a few shapes: empty, events in several streams, metadata, both deletions.
void EmitIndexes(const std::string& dir) {
  StreamIndex empty;
  StreamIndex plain;  // events only, so a file may end anywhere
  for (int i = 0; i < 6; ++i) {
    if (!plain.Apply(i % 2 ? "a" : "b", i / 2, *ParseUuid(NewUuid()), i, "E", "")) std::abort();
  }
  StreamIndex index;
  int64_t position = 0;
  auto add = [&](const std::string& stream, int64_t revision, std::string_view type,
                 std::string_view data = "") {
    if (!index.Apply(stream, revision, *ParseUuid(NewUuid()), position++, type, data)) {
      std::abort();
    }
  };
  for (int i = 0; i < 5; ++i) add("order-1", i, "Placed");
  add("order-2", 0, "Placed");
  add("$$order-1", 0, kMetadataType, R"({"max_count":3,"truncate_before":1,"owner":"x"})");
  add("order-3", 0, "Placed");
  add("$$order-3", 0, kSoftDeletedType, "{}");
  add("order-2", 1, "Paid");
  add("$$order-2", 0, kTombstoneType, "{}");
  const std::vector<std::pair<std::string, Result<Buffer>>> files = {
      {"empty", empty.Encode(0)}, {"some", plain.Encode(3)}, {"all", index.Encode(position)}};
  for (const auto& [name, bytes] : files) {
    if (!bytes.ok()) std::abort();
    WriteFile(fmt::format("{}/{}", dir, name), *bytes);
  }
}

}  // namespace
}  // namespace herald::eventstore

namespace herald::registry {
namespace {

void EmitAvro(const std::string& dir) {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"primitive", R"("long")" "\0\x02"s},
      {"record",
       R"({"type":"record","name":"Order","namespace":"shop","doc":"d","fields":[)"
       R"({"name":"id","type":"string"},{"name":"amount","type":"long","default":0},)"
       R"({"name":"note","type":["null","string"],"default":null,"aliases":["n"]}]})"
       "\0\x04o1\x02\x00"s},
      {"recursive",
       R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},)"
       R"({"name":"next","type":["null","Node"],"default":null}]})"
       "\0\x02\x02\x04\x00"s},
      {"containers",
       R"({"type":"map","values":{"type":"array","items":{"type":"enum","name":"E",)"
       R"("symbols":["A","B"],"default":"A"}}})"
       "\0\x02\x02k\x02\x02\x00\x00"s},
      {"logical",
       R"({"type":"record","name":"L","fields":[{"name":"d","type":{"type":"int",)"
       R"("logicalType":"date"}},{"name":"m","type":{"type":"fixed","name":"M","size":4,)"
       R"("logicalType":"decimal","precision":6,"scale":2}}]})"s},
  };
  for (const auto& [name, bytes] : seeds) WriteFile(fmt::format("{}/{}", dir, name), AsBytes(bytes));
}

void EmitJsonSchemas(const std::string& dir) {
  using namespace std::string_literals;
  // Each: a schema, a NUL byte, an instance.
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"object",
       R"({"type":"object","title":"Order","properties":{"id":{"type":"string",)"
       R"("pattern":"^o[0-9]+$"},"amount":{"type":"number","minimum":0,"multipleOf":0.01},)"
       R"("note":{"type":["string","null"]}},"required":["id"],"additionalProperties":false})"
       "\0"s R"({"id":"o1","amount":12.5,"note":null})"},
      {"draft2020",
       R"({"$schema":"https://json-schema.org/draft/2020-12/schema",)"
       R"("$defs":{"p":{"type":"integer"}},"type":"array",)"
       R"("prefixItems":[{"$ref":"#/$defs/p"},{"const":"x"}],"items":false,)"
       R"("contains":{"type":"integer"},"minContains":1,"unevaluatedItems":false})"
       "\0"s R"([1,"x"])"},
      {"recursive",
       R"({"$id":"https://example.com/tree","type":"object","properties":)"
       R"({"v":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#"}}},)"
       R"("dependentRequired":{"v":["children"]}})"
       "\0"s R"({"v":1,"children":[{"v":2,"children":[]}]})"},
      {"combinators",
       R"({"oneOf":[{"type":"string","maxLength":3},)"
       R"({"allOf":[{"type":"integer"},{"not":{"enum":[0]}}]}],)"
       R"("if":{"type":"string"},"then":{"minLength":1},"else":{"maximum":9}})"
       "\0"s R"("abc")"},
      {"draft4",
       R"({"$schema":"http://json-schema.org/draft-04/schema#","definitions":{"n":)"
       R"({"type":"number","minimum":0,"exclusiveMinimum":true}},)"
       R"("patternProperties":{"^x-":{"$ref":"#/definitions/n"}},)"
       R"("dependencies":{"a":["b"],"c":{"required":["d"]}},"uniqueItems":true})"
       "\0"s R"({"x-1":2,"a":1,"b":2})"},
  };
  for (const auto& [name, bytes] : seeds) WriteFile(fmt::format("{}/{}", dir, name), AsBytes(bytes));
}

}  // namespace
}  // namespace herald::registry

int main(int argc, char** argv) {
  using namespace herald::kafka;
  if (argc != 2 && argc != 3) return 2;
  const std::string dir = argv[1];
  const std::string kind = argc == 3 ? argv[2] : "requests";
  if (kind == "batches") {
    herald::storage::EmitBatches(dir);
  } else if (kind == "logs") {
    herald::storage::EmitLogs(dir);
  } else if (kind == "states") {
    herald::storage::EmitStates(dir);
  } else if (kind == "sessions") {
    EmitSessions(dir);
  } else if (kind == "http") {
    EmitHttp(dir);
  } else if (kind == "esindex") {
    herald::eventstore::EmitIndexes(dir);
  } else if (kind == "avro") {
    herald::registry::EmitAvro(dir);
  } else if (kind == "jsonschema") {
    herald::registry::EmitJsonSchemas(dir);
  } else if (kind == "requests") {
    for (const Seed& seed : RequestSeeds()) herald::WriteFile(fmt::format("{}/{}", dir, seed.name), seed.frame);
  } else {
    return 2;
  }
  return 0;
}
