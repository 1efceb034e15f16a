// Where a client can tell Herald from Kafka, Herald answers as Kafka does: checked through raw
// requests to a real `herald serve`, byte for byte as Kafka's message definitions lay them out.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/api.h"
#include "kafka/messages/add_offsets_to_txn.h"
#include "kafka/messages/add_partitions_to_txn.h"
#include "kafka/messages/alter_configs.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/delete_records.h"
#include "kafka/messages/delete_topics.h"
#include "kafka/messages/describe_cluster.h"
#include "kafka/messages/describe_configs.h"
#include "kafka/messages/describe_groups.h"
#include "kafka/messages/describe_log_dirs.h"
#include "kafka/messages/describe_producers.h"
#include "kafka/messages/describe_transactions.h"
#include "kafka/messages/elect_leaders.h"
#include "kafka/messages/end_txn.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/find_coordinator.h"
#include "kafka/messages/heartbeat.h"
#include "kafka/messages/incremental_alter_configs.h"
#include "kafka/messages/init_producer_id.h"
#include "kafka/messages/join_group.h"
#include "kafka/messages/leave_group.h"
#include "kafka/messages/list_groups.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/list_partition_reassignments.h"
#include "kafka/messages/list_transactions.h"
#include "kafka/messages/metadata.h"
#include "kafka/messages/offset_commit.h"
#include "kafka/messages/offset_delete.h"
#include "kafka/messages/offset_fetch.h"
#include "kafka/messages/offset_for_leader_epoch.h"
#include "kafka/messages/produce.h"
#include "kafka/messages/sync_group.h"
#include "kafka/messages/txn_offset_commit.h"
#include "storage/record_batch.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/producer_batch.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using kafka::ApiKey;
using testing::raw_wire::FetchRequestFor;
using testing::raw_wire::ProduceRequestFor;
using testing::raw_wire::RawWireClient;

class KafkaConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data");
    client_ = std::make_unique<RawWireClient>(server_->port());
  }
  void TearDown() override {
    if (HasFailure()) server_->PrintLogTail();
  }

  void CreateTopic(const std::string& name, int32_t partitions,
                   std::vector<kafka::CreateTopicsRequestConfig> configs = {}) {
    kafka::CreateTopicsRequest request;
    request.topics.push_back({name, partitions, 1, {}, std::move(configs)});
    request.timeout_ms = 10000;
    auto reply = client_->Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 4, request);
    ASSERT_EQ(reply.body.topics.at(0).error_code, 0);
  }

  // Stops the broker (SIGTERM) and starts it again on the same data directory.
  void Restart() {
    client_.reset();
    ASSERT_EQ(server_->Stop(), 0);
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data");
    client_ = std::make_unique<RawWireClient>(server_->port());
  }

  // Produces `batch` to partition 0 of `topic` at `version` and expects no error.
  void Produce(const std::string& topic, const Buffer& batch, int16_t version = 8) {
    auto reply = client_->Call<kafka::ProduceResponse>(ApiKey::kProduce, version,
                                                       ProduceRequestFor(topic, ByteView(batch)));
    ASSERT_EQ(reply.body.responses.at(0).partitions.at(0).error_code, 0);
  }

  void Commit(const std::string& group, const std::string& topic, int32_t partition,
              int64_t offset) {
    kafka::OffsetCommitRequest commit;
    commit.group_id = group;
    commit.generation_id = -1;
    commit.topics.push_back({topic, {{partition, offset, -1, -1, std::string("m")}}});
    auto reply = client_->Call<kafka::OffsetCommitResponse>(ApiKey::kOffsetCommit, 2, commit);
    ASSERT_EQ(reply.body.topics.at(0).partitions.at(0).error_code, 0);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::unique_ptr<RawWireClient> client_;
};

TEST_F(KafkaConformanceTest, ApiVersionsAdvertisesTheAdminApis) {
  kafka::ApiVersionsRequest request{"conformance", "1.0"};
  auto reply = client_->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
  std::map<int16_t, std::pair<int16_t, int16_t>> served;
  for (const auto& api : reply.body.api_keys) {
    served[api.api_key] = {api.min_version, api.max_version};
  }
  const std::vector<std::pair<ApiKey, int16_t>> expected = {
      {ApiKey::kOffsetFetch, 8},
      {ApiKey::kDescribeLogDirs, 4},
      {ApiKey::kElectLeaders, 2},
      {ApiKey::kListPartitionReassignments, 0},
      {ApiKey::kOffsetDelete, 0},
      {ApiKey::kDescribeCluster, 1},
      {ApiKey::kMetadata, 12},
      {ApiKey::kListOffsets, 8},
      {ApiKey::kCreateTopics, 7},
      {ApiKey::kDeleteTopics, 6},
      {ApiKey::kDescribeConfigs, 4},
      {ApiKey::kOffsetCommit, 8},
      {ApiKey::kAlterConfigs, 2},
      {ApiKey::kDeleteRecords, 2},
      {ApiKey::kDeleteGroups, 2},
      {ApiKey::kCreatePartitions, 3},
      {ApiKey::kOffsetForLeaderEpoch, 4},
      {ApiKey::kAddPartitionsToTxn, 3},
      {ApiKey::kAddOffsetsToTxn, 3},
      {ApiKey::kEndTxn, 3},
      {ApiKey::kTxnOffsetCommit, 3},
      {ApiKey::kDescribeTransactions, 0},
      {ApiKey::kListTransactions, 0},
      {ApiKey::kDescribeUserScramCredentials, 0},
      {ApiKey::kAlterUserScramCredentials, 0}};
  for (const auto& [key, max] : expected) {
    SCOPED_TRACE(static_cast<int>(key));
    auto it = served.find(static_cast<int16_t>(key));
    ASSERT_NE(it, served.end());
    EXPECT_EQ(it->second.first, 0);
    EXPECT_EQ(it->second.second, max);
  }
}

// IncrementalAlterConfigs changes only the configs it names; lists take appends and subtractions.
TEST_F(KafkaConformanceTest, IncrementalAlterConfigsChangesOnlyWhatItNames) {
  CreateTopic("conf", 1, {{"retention.ms", std::string("60000")}});
  using Config = kafka::IncrementalAlterConfigsRequestConfig;
  auto alter = [&](std::vector<Config> configs, bool validate_only = false,
                   std::string topic = "conf", int8_t type = 2) {
    kafka::IncrementalAlterConfigsRequest request;
    request.resources = {{type, topic, std::move(configs)}};
    request.validate_only = validate_only;
    auto reply = client_->Call<kafka::IncrementalAlterConfigsResponse>(
        ApiKey::kIncrementalAlterConfigs, 1, request);
    EXPECT_EQ(reply.body.responses.size(), 1u);
    return reply.body.responses.at(0);
  };
  auto describe = [&] {
    kafka::DescribeConfigsRequest request;
    request.resources = {{2, "conf", std::nullopt}};
    auto reply =
        client_->Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 1, request);
    std::map<std::string, std::string> set;
    for (const auto& c : reply.body.results.at(0).configs) {
      if (c.config_source == 1) set[c.name] = c.value.value_or("");  // DYNAMIC_TOPIC_CONFIG
    }
    return set;
  };
  constexpr int8_t kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3;
  EXPECT_EQ(alter({{"segment.ms", kSet, std::string("3600000")}}).error_code, 0);
  EXPECT_EQ(describe(), (std::map<std::string, std::string>{{"retention.ms", "60000"},
                                                            {"segment.ms", "3600000"}}));
  // cleanup.policy is a list, "delete" by default.
  EXPECT_EQ(alter({{"cleanup.policy", kAppend, std::string("compact")}}).error_code, 0);
  EXPECT_EQ(describe()["cleanup.policy"], "delete,compact");
  EXPECT_EQ(alter({{"cleanup.policy", kSubtract, std::string("delete")},
                   {"retention.ms", kDelete, std::nullopt}})
                .error_code,
            0);
  EXPECT_EQ(describe(), (std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                            {"segment.ms", "3600000"}}));
  EXPECT_EQ(
      alter({{"leader.replication.throttled.replicas", kAppend, std::string("0:1")}}).error_code,
      0);
  EXPECT_EQ(describe()["leader.replication.throttled.replicas"], "0:1");

  // Kafka's errors, and nothing changed by a refused or validate-only request.
  const auto before = describe();
  auto not_list = alter({{"retention.ms", kAppend, std::string("5")}});
  EXPECT_EQ(not_list.error_code, 40);  // INVALID_CONFIG
  EXPECT_TRUE(not_list.error_message.has_value());
  EXPECT_EQ(alter({{"retention.ms", kSet, std::string("-7")}}).error_code, 40);
  EXPECT_EQ(alter({{"no.such.config", kSet, std::string("1")}}).error_code, 40);
  EXPECT_EQ(
      alter({{"retention.ms", kSet, std::string("1")}, {"retention.ms", kDelete, std::nullopt}})
          .error_code,
      42);  // INVALID_REQUEST: named twice
  EXPECT_EQ(alter({{"retention.ms", kSet, std::nullopt}}).error_code, 42);
  EXPECT_EQ(alter({{"retention.ms", int8_t{9}, std::string("1")}}).error_code, 42);
  EXPECT_EQ(alter({{"retention.ms", kSet, std::string("1")}}, true).error_code, 0);
  EXPECT_EQ(describe(), before);
  EXPECT_EQ(alter({{"retention.ms", kSet, std::string("1")}}, false, "none").error_code, 3);
  EXPECT_EQ(
      alter({{"retention.ms", kSet, std::string("1")}}, false, "__consumer_offsets").error_code,
      29);  // TOPIC_AUTHORIZATION_FAILED
  EXPECT_EQ(alter({{"log.retention.ms", kSet, std::string("1")}}, false, "0", 4).error_code, 42);
  kafka::IncrementalAlterConfigsRequest twice;
  twice.resources = {{2, "conf", {{"retention.ms", kSet, std::string("1")}}},
                     {2, "conf", {{"retention.ms", kSet, std::string("2")}}}};
  auto refused = client_->Call<kafka::IncrementalAlterConfigsResponse>(
      ApiKey::kIncrementalAlterConfigs, 1, twice);
  ASSERT_EQ(refused.body.responses.size(), 2u);
  EXPECT_EQ(refused.body.responses[0].error_code, 42);
  EXPECT_EQ(refused.body.responses[1].error_code, 42);
  EXPECT_EQ(describe(), before);
}

// One member's life in a group at the newest versions of the classic group protocol: JoinGroup
// v9, SyncGroup v5, Heartbeat v4, DescribeGroups v5, ListGroups v4, LeaveGroup v5, and
// FindCoordinator v4's batched keys.
TEST_F(KafkaConformanceTest, GroupApisAtTheirNewestVersions) {
  kafka::FindCoordinatorRequest find;
  find.coordinator_keys = {"g", "h"};
  auto found = client_->Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 4, find);
  ASSERT_EQ(found.body.coordinators.size(), 2u);
  EXPECT_EQ(found.body.coordinators[1].key, "h");
  EXPECT_EQ(found.body.coordinators[1].error_code, 0);
  EXPECT_EQ(found.body.coordinators[1].port, server_->port());
  find.key_type = 1;  // transactional ids: this node coordinates them too
  auto txn = client_->Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 4, find);
  ASSERT_EQ(txn.body.coordinators.size(), 2u);
  EXPECT_EQ(txn.body.coordinators[0].error_code, 0);
  EXPECT_EQ(txn.body.coordinators[0].port, server_->port());
  find.key_type = 5;                                   // no such key type
  auto unknown = client_->Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 4, find);
  ASSERT_EQ(unknown.body.coordinators.size(), 2u);
  EXPECT_EQ(unknown.body.coordinators[0].error_code, 42);  // INVALID_REQUEST
  find.key = "g";
  EXPECT_EQ(client_->Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 2, find)
                .body.error_code,
            42);

  // An empty group id is INVALID_GROUP_ID, as Kafka answers it.
  kafka::HeartbeatRequest nameless;
  nameless.generation_id = 1;
  nameless.member_id = "m";
  EXPECT_EQ(
      client_->Call<kafka::HeartbeatResponse>(ApiKey::kHeartbeat, 4, nameless).body.error_code, 24);
  kafka::LeaveGroupRequest nameless_leave;
  nameless_leave.members = {{"m", std::nullopt, std::nullopt}};
  auto left_nameless =
      client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, nameless_leave);
  EXPECT_EQ(left_nameless.body.error_code, 24);
  EXPECT_TRUE(left_nameless.body.members.empty());
  nameless_leave.members.clear();
  EXPECT_EQ(client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, nameless_leave)
                .body.error_code,
            24);

  kafka::JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.protocols = {{"range", {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}};
  join.reason = "starting";
  auto first = client_->Call<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 9, join);
  ASSERT_EQ(first.body.error_code, 79);  // MEMBER_ID_REQUIRED
  EXPECT_FALSE(first.body.protocol_name.has_value());
  join.member_id = first.body.member_id;
  auto joined = client_->Call<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 9, join);
  ASSERT_EQ(joined.body.error_code, 0);
  EXPECT_EQ(joined.body.protocol_type, "consumer");
  EXPECT_EQ(joined.body.protocol_name, "range");
  EXPECT_EQ(joined.body.leader, join.member_id);
  EXPECT_FALSE(joined.body.skip_assignment);
  ASSERT_EQ(joined.body.members.size(), 1u);

  kafka::SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = joined.body.generation_id;
  sync.member_id = join.member_id;
  auto nulls = client_->Call<kafka::SyncGroupResponse>(ApiKey::kSyncGroup, 5, sync);
  EXPECT_EQ(nulls.body.error_code, 23) << "v5 requires the protocol type and name, as Kafka";
  sync.protocol_type = "consumer";
  sync.protocol_name = "roundrobin";
  auto inconsistent = client_->Call<kafka::SyncGroupResponse>(ApiKey::kSyncGroup, 5, sync);
  EXPECT_EQ(inconsistent.body.error_code, 23);  // INCONSISTENT_GROUP_PROTOCOL
  EXPECT_FALSE(inconsistent.body.protocol_name.has_value());
  sync.protocol_name = "range";
  sync.assignments = {{join.member_id, {0x00, 0x01}}};
  auto synced = client_->Call<kafka::SyncGroupResponse>(ApiKey::kSyncGroup, 5, sync);
  ASSERT_EQ(synced.body.error_code, 0);
  EXPECT_EQ(synced.body.protocol_type, "consumer");
  EXPECT_EQ(synced.body.protocol_name, "range");
  EXPECT_EQ(synced.body.assignment, (Buffer{0x00, 0x01}));

  kafka::HeartbeatRequest beat;
  beat.group_id = "g";
  beat.generation_id = joined.body.generation_id;
  beat.member_id = join.member_id;
  EXPECT_EQ(client_->Call<kafka::HeartbeatResponse>(ApiKey::kHeartbeat, 4, beat).body.error_code,
            0);

  kafka::DescribeGroupsRequest describe;
  describe.groups = {"g"};
  auto described =
      client_->Call<kafka::DescribeGroupsResponse>(ApiKey::kDescribeGroups, 5, describe);
  ASSERT_EQ(described.body.groups.size(), 1u);
  EXPECT_EQ(described.body.groups[0].group_state, "Stable");
  EXPECT_EQ(described.body.groups[0].members.size(), 1u);

  CreateTopic("t", 1);
  Commit("idle", "t", 0, 1);  // a group with an offset and no member: Empty
  kafka::ListGroupsRequest list;
  auto all = client_->Call<kafka::ListGroupsResponse>(ApiKey::kListGroups, 4, list);
  std::map<std::string, std::string> states;
  for (const auto& g : all.body.groups) states[g.group_id] = g.group_state;
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"g", "Stable"}, {"idle", "Empty"}}));
  list.states_filter = {"Empty"};
  auto empty = client_->Call<kafka::ListGroupsResponse>(ApiKey::kListGroups, 4, list);
  ASSERT_EQ(empty.body.groups.size(), 1u);
  EXPECT_EQ(empty.body.groups[0].group_id, "idle");

  kafka::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members = {{join.member_id, std::nullopt, std::string("shutting down")},
                   {"stranger", std::nullopt, std::nullopt}};
  auto left = client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, leave);
  EXPECT_EQ(left.body.error_code, 0);
  ASSERT_EQ(left.body.members.size(), 2u);
  EXPECT_EQ(left.body.members[0].error_code, 0);
  EXPECT_EQ(left.body.members[1].error_code, 25);  // UNKNOWN_MEMBER_ID

  // Leaving a group that does not exist: NONE, and UNKNOWN_MEMBER_ID for each member (the
  // answer's own error before v3, where the one member's is the answer's); an empty batch NONE.
  kafka::LeaveGroupRequest leave_ghost;
  leave_ghost.group_id = "ghost";
  auto empty_batch = client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, leave_ghost);
  EXPECT_EQ(empty_batch.body.error_code, 0);
  EXPECT_TRUE(empty_batch.body.members.empty());
  leave_ghost.members = {{"m", std::nullopt, std::nullopt}};
  auto ghost_batch = client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, leave_ghost);
  EXPECT_EQ(ghost_batch.body.error_code, 0);
  ASSERT_EQ(ghost_batch.body.members.size(), 1u);
  EXPECT_EQ(ghost_batch.body.members[0].error_code, 25);
  leave_ghost.member_id = "m";
  EXPECT_EQ(
      client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 2, leave_ghost).body.error_code,
      25);

  // A member id for a group that does not exist: UNKNOWN_MEMBER_ID, and no group is made.
  join.group_id = "ghost";
  EXPECT_EQ(client_->Call<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 9, join).body.error_code,
            25);
  list.states_filter.clear();
  for (const auto& g :
       client_->Call<kafka::ListGroupsResponse>(ApiKey::kListGroups, 4, list).body.groups) {
    EXPECT_NE(g.group_id, "ghost");
  }
  // A member handed an id with MEMBER_ID_REQUIRED may leave before it joins with it.
  join.group_id = "g";
  join.member_id = "";
  auto pending = client_->Call<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 9, join);
  ASSERT_EQ(pending.body.error_code, 79);
  leave.members = {{pending.body.member_id, std::nullopt, std::nullopt}};
  auto gone = client_->Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, 5, leave);
  EXPECT_EQ(gone.body.members.at(0).error_code, 0);
  EXPECT_NE(server_->Log().find("member left: shutting down"), std::string::npos);
}

// Metadata v10+ answers each topic's id; v12 finds topics by id. Before v12 an id is refused.
TEST_F(KafkaConformanceTest, MetadataAnswersAndFindsTopicsById) {
  CreateTopic("ids", 2);
  kafka::MetadataRequest request;
  request.topics = std::vector<kafka::MetadataRequestTopic>{{Uuid{}, "ids"}};
  request.include_topic_authorized_operations = true;
  request.include_cluster_authorized_operations = true;
  auto named = client_->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 10, request);
  ASSERT_EQ(named.body.topics.size(), 1u);
  const auto& topic = named.body.topics[0];
  EXPECT_EQ(topic.error_code, 0);
  EXPECT_NE(topic.topic_id, Uuid{});
  EXPECT_EQ(topic.topic_authorized_operations, 0xdf8);
  EXPECT_EQ(named.body.cluster_authorized_operations, 0x1fa0);
  ASSERT_EQ(topic.partitions.size(), 2u);
  EXPECT_EQ(topic.partitions[1].leader_epoch, 0);
  const Uuid id = topic.topic_id;

  request.topics =
      std::vector<kafka::MetadataRequestTopic>{{id, std::nullopt}, {Uuid{7, 7}, std::nullopt}};
  auto by_id = client_->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 12, request);
  ASSERT_EQ(by_id.body.topics.size(), 2u);
  EXPECT_EQ(by_id.body.topics[0].error_code, 100);  // UNKNOWN_TOPIC_ID, answered first
  EXPECT_EQ(by_id.body.topics[0].name, std::nullopt);
  EXPECT_EQ(by_id.body.topics[0].topic_id, (Uuid{7, 7}));
  EXPECT_EQ(by_id.body.topics[1].error_code, 0);
  EXPECT_EQ(by_id.body.topics[1].name, "ids");
  EXPECT_EQ(by_id.body.topics[1].topic_id, id);
  EXPECT_EQ(by_id.body.topics[1].partitions.size(), 2u);

  // v10 and v11 carry the field, but Kafka serves ids only from v12: INVALID_REQUEST.
  request.topics = std::vector<kafka::MetadataRequestTopic>{{id, "ids"}};
  auto early = client_->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 11, request);
  ASSERT_EQ(early.body.topics.size(), 1u);
  EXPECT_EQ(early.body.topics[0].error_code, 42);
  // The id survives a restart.
  Restart();
  request.topics = std::vector<kafka::MetadataRequestTopic>{{id, std::nullopt}};
  auto again = client_->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 12, request);
  ASSERT_EQ(again.body.topics.size(), 1u);
  EXPECT_EQ(again.body.topics[0].name, "ids");
}

TEST_F(KafkaConformanceTest, DescribeClusterNamesTheNodeAsBrokerAndController) {
  kafka::DescribeClusterRequest request;
  auto reply = client_->Call<kafka::DescribeClusterResponse>(ApiKey::kDescribeCluster, 1, request);
  EXPECT_EQ(reply.body.error_code, 0);
  EXPECT_FALSE(reply.body.cluster_id.empty());
  ASSERT_EQ(reply.body.brokers.size(), 1u);
  EXPECT_EQ(reply.body.brokers[0].port, server_->port());
  EXPECT_EQ(reply.body.controller_id, reply.body.brokers[0].broker_id);
  EXPECT_EQ(reply.body.cluster_authorized_operations, INT32_MIN);  // not asked for
  // Asked for: every cluster operation, as a Kafka broker without an authorizer answers.
  request.include_cluster_authorized_operations = true;
  EXPECT_EQ(client_->Call<kafka::DescribeClusterResponse>(ApiKey::kDescribeCluster, 1, request)
                .body.cluster_authorized_operations,
            0x1fa0);
  // A controller's endpoint was asked for: a broker answers MISMATCHED_ENDPOINT_TYPE.
  request.endpoint_type = 2;
  auto wrong = client_->Call<kafka::DescribeClusterResponse>(ApiKey::kDescribeCluster, 1, request);
  EXPECT_EQ(wrong.body.error_code, 114);
  EXPECT_TRUE(wrong.body.brokers.empty());
  request.endpoint_type = 7;  // no such type: UNSUPPORTED_ENDPOINT_TYPE
  EXPECT_EQ(client_->Call<kafka::DescribeClusterResponse>(ApiKey::kDescribeCluster, 1, request)
                .body.error_code,
            115);
}

TEST_F(KafkaConformanceTest, DescribeLogDirsReportsPartitionSizesAndTheDisk) {
  CreateTopic("sized", 2);
  Buffer batch = storage::BuildBatch({{"k", "abc", 1000, {}}, {"k", "def", 1001, {}}});
  Produce("sized", batch, 8);
  kafka::DescribeLogDirsRequest every;
  auto reply = client_->Call<kafka::DescribeLogDirsResponse>(ApiKey::kDescribeLogDirs, 4, every);
  ASSERT_EQ(reply.body.results.size(), 1u);
  const auto& dir = reply.body.results[0];
  EXPECT_EQ(dir.error_code, 0);
  EXPECT_EQ(dir.log_dir.front(), '/') << dir.log_dir;
  EXPECT_GT(dir.total_bytes, 0);
  EXPECT_GE(dir.usable_bytes, 0);
  EXPECT_LE(dir.usable_bytes, dir.total_bytes);
  std::map<std::pair<std::string, int32_t>, int64_t> sizes;
  for (const auto& t : dir.topics) {
    for (const auto& p : t.partitions) sizes[{t.name, p.partition_index}] = p.partition_size;
  }
  EXPECT_EQ(sizes.count({"sized", 1}), 1u);
  EXPECT_EQ((sizes[{"sized", 1}]), 0);
  EXPECT_GT((sizes[{"sized", 0}]), 0);

  // Named partitions: unknown ones are left out, as in Kafka; v1 has no disk figures.
  kafka::DescribeLogDirsRequest some;
  some.topics = std::vector<kafka::DescribeLogDirsRequestTopic>{{"sized", {0, 7}}, {"none", {0}}};
  auto named = client_->Call<kafka::DescribeLogDirsResponse>(ApiKey::kDescribeLogDirs, 1, some);
  ASSERT_EQ(named.body.results.size(), 1u);
  const auto& topics = named.body.results[0].topics;
  ASSERT_EQ(topics.size(), 1u);
  ASSERT_EQ(topics[0].partitions.size(), 1u);
  EXPECT_EQ(topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(topics[0].partitions[0].partition_size, (sizes[{"sized", 0}]));
}

TEST_F(KafkaConformanceTest, ElectLeadersNeedsNoElectionOnOneNode) {
  CreateTopic("led", 1);
  kafka::ElectLeadersRequest request;
  request.topic_partitions =
      std::vector<kafka::ElectLeadersRequestTopic>{{"led", {0, 3}}, {"none", {0}}};
  for (int16_t version : {0, 1, 2}) {
    SCOPED_TRACE(version);
    auto reply =
        client_->Call<kafka::ElectLeadersResponse>(ApiKey::kElectLeaders, version, request);
    EXPECT_EQ(reply.body.error_code, 0);
    const auto& results = reply.body.replica_election_results;
    ASSERT_EQ(results.size(), 2u);
    ASSERT_EQ(results[0].partition_result.size(), 2u);
    EXPECT_EQ(results[0].partition_result[0].error_code, 84);  // ELECTION_NOT_NEEDED
    EXPECT_EQ(results[0].partition_result[1].error_code, 3);   // UNKNOWN_TOPIC_OR_PARTITION
    EXPECT_EQ(results[1].partition_result.at(0).error_code, 3);
  }
  // Every partition: those that need no election are left out, so none are listed.
  kafka::ElectLeadersRequest every;
  every.election_type = 1;  // unclean
  auto all = client_->Call<kafka::ElectLeadersResponse>(ApiKey::kElectLeaders, 2, every);
  EXPECT_EQ(all.body.error_code, 0);
  EXPECT_TRUE(all.body.replica_election_results.empty());
  every.election_type = 5;
  auto bad = client_->Call<kafka::ElectLeadersResponse>(ApiKey::kElectLeaders, 2, every);
  EXPECT_EQ(bad.body.error_code, 42);  // INVALID_REQUEST
  request.election_type = 5;           // every named partition carries the error too
  auto bad_named = client_->Call<kafka::ElectLeadersResponse>(ApiKey::kElectLeaders, 2, request);
  EXPECT_EQ(bad_named.body.error_code, 42);
  EXPECT_EQ(bad_named.body.replica_election_results.at(0).partition_result.at(0).error_code, 42);
}

// A leader epoch newer than the node's is UNKNOWN_LEADER_EPOCH (75), Kafka's code for it.
TEST_F(KafkaConformanceTest, OffsetForLeaderEpochAnswersAnUnknownEpochWithKafkasCode) {
  CreateTopic("epochs", 1);
  kafka::OffsetForLeaderEpochRequest request;
  request.replica_id = -1;
  request.topics = {{"epochs", {{0, 3, 0}, {1, -1, 0}}}};
  auto reply =
      client_->Call<kafka::OffsetForLeaderEpochResponse>(ApiKey::kOffsetForLeaderEpoch, 3, request);
  const auto& partitions = reply.body.topics.at(0).partitions;
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(partitions[0].error_code, 75);
  EXPECT_EQ(partitions[1].error_code, 3);
}

// DeleteRecords as Kafka's leader refuses it: a compacted-only topic, an offset below -1.
TEST_F(KafkaConformanceTest, DeleteRecordsRefusesWhatKafkaRefuses) {
  CreateTopic("kept", 1, {{"cleanup.policy", std::string("compact")}});
  CreateTopic("trimmed", 1);
  kafka::DeleteRecordsRequest request;
  request.timeout_ms = 10000;
  request.topics = {{"kept", {{0, -1}}}, {"trimmed", {{0, -5}, {0, -1}}}};
  auto reply = client_->Call<kafka::DeleteRecordsResponse>(ApiKey::kDeleteRecords, 1, request);
  ASSERT_EQ(reply.body.topics.size(), 2u);
  EXPECT_EQ(reply.body.topics[0].partitions.at(0).error_code, 44);  // POLICY_VIOLATION
  EXPECT_EQ(reply.body.topics[1].partitions.at(0).error_code, 1);   // OFFSET_OUT_OF_RANGE
  EXPECT_EQ(reply.body.topics[1].partitions.at(1).error_code, 0);
}

TEST_F(KafkaConformanceTest, ListPartitionReassignmentsListsNone) {
  CreateTopic("moved", 1);
  kafka::ListPartitionReassignmentsRequest request;
  request.topics = std::vector<kafka::ListPartitionReassignmentsRequestTopic>{{"moved", {0}}};
  auto reply = client_->Call<kafka::ListPartitionReassignmentsResponse>(
      ApiKey::kListPartitionReassignments, 0, request);
  EXPECT_EQ(reply.body.error_code, 0);
  EXPECT_TRUE(reply.body.topics.empty());
}

// OffsetDelete: unknown partitions per partition, unknown groups for the whole request.
TEST_F(KafkaConformanceTest, OffsetDeleteAnswersAsKafka) {
  CreateTopic("t", 1);
  Commit("g", "t", 0, 5);
  kafka::OffsetDeleteRequest request;
  request.group_id = "g";
  request.topics = {{"t", {0, 4}}, {"none", {0}}};
  auto reply = client_->Call<kafka::OffsetDeleteResponse>(ApiKey::kOffsetDelete, 0, request);
  EXPECT_EQ(reply.body.error_code, 0);
  ASSERT_EQ(reply.body.topics.size(), 2u);
  ASSERT_EQ(reply.body.topics[0].partitions.size(), 2u);
  EXPECT_EQ(reply.body.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(reply.body.topics[0].partitions[1].error_code, 3);
  EXPECT_EQ(reply.body.topics[1].partitions.at(0).error_code, 3);
  kafka::OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<kafka::OffsetFetchRequestTopic>{{"t", {0}}};
  auto fetched = client_->Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 5, fetch);
  EXPECT_EQ(fetched.body.topics.at(0).partitions.at(0).committed_offset, -1);

  request.group_id = "nobody";
  auto unknown = client_->Call<kafka::OffsetDeleteResponse>(ApiKey::kOffsetDelete, 0, request);
  EXPECT_EQ(unknown.body.error_code, 69);  // GROUP_ID_NOT_FOUND
  EXPECT_TRUE(unknown.body.topics.empty());
}

// Kafka ignores bytes after a request's message; librdkafka 2.0.2 sends three after OffsetFetch
// v7's tagged fields.
TEST_F(KafkaConformanceTest, OffsetFetchV7WithTrailingBytesIsAnswered) {
  CreateTopic("t", 1);
  Commit("g", "t", 0, 7);
  kafka::OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<kafka::OffsetFetchRequestTopic>{{"t", {0}}};
  fetch.require_stable = true;
  Buffer body = testing::raw_wire::EncodeBody(fetch, kafka::Version{7, true});
  body.insert(body.end(), {0x00, 0x00, 0x00});
  client_->SendRaw(testing::raw_wire::RequestFrame(static_cast<int16_t>(ApiKey::kOffsetFetch), 7,
                                                   41, body, /*flexible_header=*/true));
  auto reply = client_->Receive<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 7, 41);
  EXPECT_EQ(reply.body.error_code, 0);
  const auto& p = reply.body.topics.at(0).partitions.at(0);
  EXPECT_EQ(p.committed_offset, 7);
  EXPECT_EQ(p.metadata, std::optional<std::string>("m"));
}

// v8 asks for several groups at once; each is answered on its own, in the request's order.
TEST_F(KafkaConformanceTest, OffsetFetchV8AnswersEachGroupOfTheBatch) {
  CreateTopic("t", 2);
  Commit("g", "t", 0, 7);
  Commit("g", "t", 1, 9);
  Commit("h", "t", 1, 3);
  kafka::OffsetFetchRequest fetch;
  fetch.groups = {{"g", std::nullopt},
                  {"h", std::vector<kafka::OffsetFetchRequestTopic>{{"t", {0, 1}}}},
                  {"nobody", std::vector<kafka::OffsetFetchRequestTopic>{{"t", {0}}}}};
  auto reply = client_->Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 8, fetch);
  const auto& groups = reply.body.groups;
  ASSERT_EQ(groups.size(), 3u);

  EXPECT_EQ(groups[0].group_id, "g");
  EXPECT_EQ(groups[0].error_code, 0);
  ASSERT_EQ(groups[0].topics.size(), 1u);
  const auto& all = groups[0].topics[0].partitions;
  ASSERT_EQ(all.size(), 2u) << "a null topic list fetches every committed offset";
  EXPECT_EQ(all[0].committed_offset, 7);
  EXPECT_EQ(all[1].committed_offset, 9);

  EXPECT_EQ(groups[1].group_id, "h");
  const auto& h = groups[1].topics.at(0).partitions;
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].committed_offset, -1) << "no commit for t-0 in h";
  EXPECT_EQ(h[1].committed_offset, 3);

  EXPECT_EQ(groups[2].group_id, "nobody");
  EXPECT_EQ(groups[2].error_code, 0);
  EXPECT_EQ(groups[2].topics.at(0).partitions.at(0).committed_offset, -1);
}

// InitProducerId v3+ carries the producer's current id and epoch (KIP-360): without a
// transactional id the answer is a new id, as in Kafka; one of the two without the other is
// INVALID_REQUEST.
TEST_F(KafkaConformanceTest, InitProducerIdV4BumpsAndChecksTheCurrentIdAndEpoch) {
  kafka::InitProducerIdRequest request;
  request.transactional_id = std::nullopt;
  request.transaction_timeout_ms = 60000;
  auto first = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, request);
  ASSERT_EQ(first.body.error_code, 0);
  request.producer_id = first.body.producer_id;
  request.producer_epoch = first.body.producer_epoch;
  auto bumped = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, request);
  EXPECT_EQ(bumped.body.error_code, 0);
  EXPECT_NE(bumped.body.producer_id, first.body.producer_id);
  EXPECT_EQ(bumped.body.producer_epoch, 0);
  request.producer_epoch = -1;
  auto half = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, request);
  EXPECT_EQ(half.body.error_code, 42);  // INVALID_REQUEST
  EXPECT_EQ(half.body.producer_id, -1);
}

// compression.type: what the producer sent in one codec is stored and fetched in the topic's, with
// the same records and offsets; `producer` keeps the producer's codec.
TEST_F(KafkaConformanceTest, CompressionTypeRecompressesProducedBatches) {
  CreateTopic("zstd-topic", 1, {{"compression.type", std::string("zstd")}});
  CreateTopic("kept", 1);
  for (const auto& [topic, want] :
       {std::pair{std::string("zstd-topic"), storage::Compression::kZstd},
        std::pair{std::string("kept"), storage::Compression::kGzip}}) {
    SCOPED_TRACE(topic);
    Buffer batch = storage::BuildBatch({{"k1", "one", 1000, {{"h", "x"}}}, {"k2", "two", 1001, {}}},
                                       storage::Compression::kGzip);
    auto produced = client_->Call<kafka::ProduceResponse>(
        ApiKey::kProduce, 7, ProduceRequestFor(topic, ByteView(batch)));
    ASSERT_EQ(produced.body.responses.at(0).partitions.at(0).error_code, 0);

    auto fetched =
        client_->Call<kafka::FetchResponse>(ApiKey::kFetch, 4, FetchRequestFor(topic, 0, 1000));
    const auto& records = fetched.body.responses.at(0).partitions.at(0).records;
    ASSERT_TRUE(records.bytes.has_value());
    ByteView stored(*records.bytes);
    auto header = storage::ValidateBatch(stored);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    EXPECT_EQ(header->compression(), want);
    std::vector<std::string> seen;
    ASSERT_TRUE(storage::ForEachRecord(stored, [&](const storage::RecordView& r) {
                  seen.push_back(std::to_string(r.offset) + " " + std::string(AsString(*r.value)));
                }).ok());
    EXPECT_EQ(seen, (std::vector<std::string>{"0 one", "1 two"}));
  }
}

// The transaction APIs' answers for what a well-behaved client never sends, as Kafka's: a
// partition that cannot join refuses the whole AddPartitionsToTxn, a batch outside the
// transaction is INVALID_TXN_STATE, old versions hear INVALID_PRODUCER_EPOCH for PRODUCER_FENCED,
// and offsets pending in a transaction are UNSTABLE_OFFSET_COMMIT to a require_stable fetch until
// the transaction commits.
TEST_F(KafkaConformanceTest, TransactionApisRefuseWhatKafkaRefuses) {
  CreateTopic("ledger", 2);
  kafka::InitProducerIdRequest init;
  init.transactional_id = "tx";
  init.transaction_timeout_ms = 60000;
  auto first = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, init).body;
  ASSERT_EQ(first.error_code, 0);
  init.transaction_timeout_ms = 0;
  EXPECT_EQ(client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, init)
                .body.error_code,
            50);  // INVALID_TRANSACTION_TIMEOUT
  init.transaction_timeout_ms = 60000;
  const int64_t pid = first.producer_id;
  const int16_t epoch = first.producer_epoch;

  auto end = [&](int16_t version, int16_t with_epoch, bool commit) {
    kafka::EndTxnRequest request{"tx", pid, with_epoch, commit};
    return client_->Call<kafka::EndTxnResponse>(ApiKey::kEndTxn, version, request).body.error_code;
  };
  EXPECT_EQ(end(3, epoch, true), 48) << "INVALID_TXN_STATE: no transaction open";

  kafka::AddPartitionsToTxnRequest add{"tx", pid, epoch, {{"ledger", {0, 7}}, {"__consumer_offsets", {0}}}};
  auto refused =
      client_->Call<kafka::AddPartitionsToTxnResponse>(ApiKey::kAddPartitionsToTxn, 3, add).body;
  ASSERT_EQ(refused.results_by_topic_v3_and_below.size(), 2u);
  const auto& ledger = refused.results_by_topic_v3_and_below[0].results_by_partition;
  EXPECT_EQ(ledger.at(0).partition_error_code, 55);  // OPERATION_NOT_ATTEMPTED
  EXPECT_EQ(ledger.at(1).partition_error_code, 3);   // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(refused.results_by_topic_v3_and_below[1].results_by_partition.at(0).partition_error_code,
            29);  // TOPIC_AUTHORIZATION_FAILED: an internal topic

  // A transactional batch to a partition the transaction does not hold.
  auto produce_txn = [&](int32_t partition, int16_t with_epoch) {
    Buffer batch = testing::ProducerBatch(pid, with_epoch, 0, 1, "t", 1'700'000'000'000, true);
    kafka::ProduceRequest request = ProduceRequestFor("ledger", ByteView(batch));
    request.transactional_id = "tx";
    request.topics[0].partitions[0].partition_index = partition;
    return client_->Call<kafka::ProduceResponse>(ApiKey::kProduce, 8, request)
        .body.responses.at(0)
        .partitions.at(0)
        .error_code;
  };
  EXPECT_EQ(produce_txn(0, epoch), 48);

  add.topics = {{"ledger", {0}}};
  auto added =
      client_->Call<kafka::AddPartitionsToTxnResponse>(ApiKey::kAddPartitionsToTxn, 3, add).body;
  EXPECT_EQ(added.results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code,
            0);
  EXPECT_EQ(produce_txn(0, epoch), 0);
  EXPECT_EQ(produce_txn(1, epoch), 48) << "partition 1 was not added";

  // Offsets before AddOffsetsToTxn: no marker would settle them.
  kafka::TxnOffsetCommitRequest early;
  early.transactional_id = "tx";
  early.group_id = "readers";
  early.producer_id = pid;
  early.producer_epoch = epoch;
  early.topics = {{"ledger", {{0, 3, -1, std::string()}}}};
  EXPECT_EQ(client_->Call<kafka::TxnOffsetCommitResponse>(ApiKey::kTxnOffsetCommit, 3, early)
                .body.topics.at(0)
                .partitions.at(0)
                .error_code,
            48);  // INVALID_TXN_STATE

  kafka::AddOffsetsToTxnRequest offsets{"tx", pid, epoch, "readers"};
  EXPECT_EQ(client_->Call<kafka::AddOffsetsToTxnResponse>(ApiKey::kAddOffsetsToTxn, 3, offsets)
                .body.error_code,
            0);
  kafka::TxnOffsetCommitRequest commit;
  commit.transactional_id = "tx";
  commit.group_id = "readers";
  commit.producer_id = pid;
  commit.producer_epoch = epoch;
  commit.topics = {{"ledger", {{0, 5, -1, std::string("m")}}}, {"nowhere", {{0, 1, -1, {}}}}};
  auto committed =
      client_->Call<kafka::TxnOffsetCommitResponse>(ApiKey::kTxnOffsetCommit, 3, commit).body;
  ASSERT_EQ(committed.topics.size(), 2u);
  EXPECT_EQ(committed.topics[0].partitions.at(0).error_code, 0);
  EXPECT_EQ(committed.topics[1].partitions.at(0).error_code, 3);

  auto fetch_offset = [&](bool require_stable) {
    kafka::OffsetFetchRequest request;
    request.group_id = "readers";
    request.topics = std::vector<kafka::OffsetFetchRequestTopic>{{"ledger", {0}}};
    request.require_stable = require_stable;
    auto p = client_->Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 7, request)
                 .body.topics.at(0)
                 .partitions.at(0);
    return std::pair{p.error_code, p.committed_offset};
  };
  EXPECT_EQ(fetch_offset(true), (std::pair<int16_t, int64_t>{88, -1}));  // UNSTABLE_OFFSET_COMMIT
  EXPECT_EQ(fetch_offset(false), (std::pair<int16_t, int64_t>{0, -1})) << "nothing committed yet";

  // Wrong epochs: PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before.
  EXPECT_EQ(end(3, static_cast<int16_t>(epoch + 1), true), 90);
  EXPECT_EQ(end(1, static_cast<int16_t>(epoch + 1), true), 47);
  EXPECT_EQ(end(3, epoch, true), 0);
  // The offsets become the group's once the marker is written (just after the answer).
  std::pair<int16_t, int64_t> stable;
  for (int i = 0; i < 100; ++i) {
    stable = fetch_offset(true);
    if (stable.first == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(stable, (std::pair<int16_t, int64_t>{0, 5}));
  EXPECT_EQ(end(3, epoch, true), 0) << "a retried commit after completion";
  EXPECT_EQ(end(3, epoch, false), 48) << "the other outcome";

  // A new producer with the id fences this one: its batches are refused.
  auto second = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, init).body;
  EXPECT_EQ(second.producer_id, pid);
  EXPECT_EQ(second.producer_epoch, epoch + 1);
  EXPECT_EQ(produce_txn(0, epoch), 47);  // INVALID_PRODUCER_EPOCH
}

// An operator finds a transaction left open: DescribeTransactions and ListTransactions (as
// Kafka's admin tools send them), the admin API and `herald txn`, and the metrics.
TEST_F(KafkaConformanceTest, OperatorsSeeOpenTransactions) {
  CreateTopic("ledger", 1);
  kafka::InitProducerIdRequest init;
  init.transactional_id = "ops";
  init.transaction_timeout_ms = 600000;
  auto producer =
      client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, init).body;
  ASSERT_EQ(producer.error_code, 0);
  kafka::AddPartitionsToTxnRequest add{
      "ops", producer.producer_id, producer.producer_epoch, {{"ledger", {0}}}};
  client_->Call<kafka::AddPartitionsToTxnResponse>(ApiKey::kAddPartitionsToTxn, 3, add);
  Buffer batch = testing::ProducerBatch(producer.producer_id, producer.producer_epoch, 0, 1, "t",
                                        1'700'000'000'000, true);
  kafka::ProduceRequest produce = ProduceRequestFor("ledger", ByteView(batch));
  produce.transactional_id = "ops";
  ASSERT_EQ(client_->Call<kafka::ProduceResponse>(ApiKey::kProduce, 8, produce)
                .body.responses.at(0)
                .partitions.at(0)
                .error_code,
            0);

  kafka::DescribeTransactionsRequest describe{{"ops", "nope"}};
  auto described =
      client_->Call<kafka::DescribeTransactionsResponse>(ApiKey::kDescribeTransactions, 0, describe)
          .body.transaction_states;
  ASSERT_EQ(described.size(), 2u);
  EXPECT_EQ(described[0].error_code, 0);
  EXPECT_EQ(described[0].transaction_state, "Ongoing");
  EXPECT_EQ(described[0].producer_id, producer.producer_id);
  EXPECT_EQ(described[0].transaction_timeout_ms, 600000);
  EXPECT_GT(described[0].transaction_start_time_ms, 0);
  ASSERT_EQ(described[0].topics.size(), 1u);
  EXPECT_EQ(described[0].topics[0].topic, "ledger");
  EXPECT_EQ(described[1].error_code, 105);  // TRANSACTIONAL_ID_NOT_FOUND

  auto list = [&](std::vector<std::string> states, std::vector<int64_t> producers = {}) {
    kafka::ListTransactionsRequest request{std::move(states), std::move(producers)};
    return client_->Call<kafka::ListTransactionsResponse>(ApiKey::kListTransactions, 0, request)
        .body;
  };
  auto ongoing = list({"Ongoing"});
  ASSERT_EQ(ongoing.transaction_states.size(), 1u);
  EXPECT_EQ(ongoing.transaction_states[0].transactional_id, "ops");
  EXPECT_TRUE(list({"CompleteCommit"}).transaction_states.empty());
  EXPECT_TRUE(list({}, {producer.producer_id + 1}).transaction_states.empty());
  auto unknown = list({"Nonsense"});
  EXPECT_EQ(unknown.unknown_state_filters, std::vector<std::string>{"Nonsense"});
  EXPECT_TRUE(unknown.transaction_states.empty()) << "an unknown state matches nothing";

  auto cli = testing::RunCommand(fmt::format("timeout 30 {} txn list --open --output json --url {}",
                                             HERALD_BINARY, server_->http_url()));
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto listed = nlohmann::json::parse(cli.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["transactional_id"], "ops");
  EXPECT_EQ(listed[0]["state"], "Ongoing");
  EXPECT_GE(listed[0]["age_ms"].get<int64_t>(), 0);
  EXPECT_EQ(listed[0]["partitions"],
            nlohmann::json::parse(R"([{"topic":"ledger","partition":0}])"));
  auto missing = testing::RunCommand(
      fmt::format("timeout 30 {} txn describe nope --url {}", HERALD_BINARY, server_->http_url()));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("Transactional id nope not found"), std::string::npos) << missing.err;

  // The metrics follow within the coordinator's one-second beat.
  std::string metrics;
  for (int i = 0; i < 50 && metrics.find("transactions_open 1") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    metrics = testing::Curl("GET", server_->http_url() + "/metrics").body;
  }
  EXPECT_NE(metrics.find("transactions_open 1"), std::string::npos);
  EXPECT_NE(metrics.find("transaction_oldest_open_seconds"), std::string::npos);
}

// Markers are the transaction coordinator's to write: a client's control batch is INVALID_RECORD,
// with Kafka's message, and nothing is written.
TEST_F(KafkaConformanceTest, ClientsMayNotWriteControlBatches) {
  CreateTopic("controlled", 1);
  // A marker without the transactional bit (with it, a producer that named no transactional id is
  // refused first, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as in Kafka).
  Buffer marker = storage::BuildTxnMarker(7, 0, storage::ControlType::kCommit, 0, 1000);
  namespace f = storage::batch_field;
  StoreBigEndian<int16_t>(marker.data() + f::kAttributes, storage::kControlAttribute);
  StoreBigEndian<uint32_t>(marker.data() + f::kCrc, storage::ComputeBatchCrc(marker));
  auto produced = client_->Call<kafka::ProduceResponse>(
      ApiKey::kProduce, 8, ProduceRequestFor("controlled", ByteView(marker)));
  const auto& partition = produced.body.responses.at(0).partitions.at(0);
  EXPECT_EQ(partition.error_code, 87);
  EXPECT_EQ(partition.error_message,
            "Clients are not allowed to write control records in topic partition controlled-0.");
  Produce("controlled", storage::BuildBatch({{"k", "v", 1000, {}}}));
  auto fetched = client_->Call<kafka::FetchResponse>(ApiKey::kFetch, 4,
                                                     FetchRequestFor("controlled", 0, 1000));
  EXPECT_EQ(fetched.body.responses.at(0).partitions.at(0).high_watermark, 1);
}

// ListOffsets v7's -3 finds the record with the largest timestamp, v8's -4 the earliest local
// offset; v4+ checks the current leader epoch and answers the offset's (0).
TEST_F(KafkaConformanceTest, ListOffsetsFindsTheLargestTimestampAndChecksEpochs) {
  CreateTopic("times", 1);
  Buffer batch = storage::BuildBatch(
      {{"a", "1", 1000, {}}, {"b", "2", 5000, {}}, {"c", "3", 5000, {}}, {"d", "4", 2000, {}}});
  Produce("times", batch, 7);
  auto list = [&](int16_t version, int64_t timestamp, int32_t epoch = -1) {
    kafka::ListOffsetsRequest request;
    request.topics = {{"times", {{0, epoch, timestamp, 1}}}};
    auto reply = client_->Call<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, version, request);
    return reply.body.topics.at(0).partitions.at(0);
  };
  auto max = list(7, -3);
  EXPECT_EQ(max.error_code, 0);
  EXPECT_EQ(max.offset, 1);  // the first of the two records at 5000
  EXPECT_EQ(max.timestamp, 5000);
  EXPECT_EQ(max.leader_epoch, 0);
  EXPECT_EQ(list(8, -4).offset, 0);
  EXPECT_EQ(list(6, -1).offset, 4);
  EXPECT_EQ(list(5, 1500).offset, 1);
  EXPECT_EQ(list(5, 9000).offset, -1);
  EXPECT_EQ(list(5, 9000).leader_epoch, -1);
  EXPECT_EQ(list(4, -1, 0).error_code, 0);
  EXPECT_EQ(list(4, -1, 3).error_code, 75);   // UNKNOWN_LEADER_EPOCH
  EXPECT_EQ(list(4, -1, -7).error_code, 74);  // FENCED_LEADER_EPOCH
}

// Fetch v13+ names topics by id; an id no topic has is UNKNOWN_TOPIC_ID. v12 and v17 by name
// and id read the same records.
TEST_F(KafkaConformanceTest, FetchByTopicIdAtTheNewestVersions) {
  CreateTopic("fetched", 1);
  Buffer batch = storage::BuildBatch({{"k", "v", 1000, {}}});
  Produce("fetched", batch, 9);
  kafka::MetadataRequest metadata;
  metadata.topics = std::vector<kafka::MetadataRequestTopic>{{Uuid{}, "fetched"}};
  const Uuid id = client_->Call<kafka::MetadataResponse>(ApiKey::kMetadata, 12, metadata)
                      .body.topics.at(0)
                      .topic_id;

  auto request = FetchRequestFor("fetched", 0, 1000);
  auto v12 = client_->Call<kafka::FetchResponse>(ApiKey::kFetch, 12, request);
  ASSERT_EQ(v12.body.responses.at(0).partitions.at(0).error_code, 0);
  ASSERT_TRUE(v12.body.responses[0].partitions[0].records.bytes.has_value());
  EXPECT_EQ(v12.body.responses[0].topic, "fetched");
  const Buffer records(v12.body.responses[0].partitions[0].records.bytes->begin(),
                       v12.body.responses[0].partitions[0].records.bytes->end());
  for (int16_t version : {13, 15, 17}) {
    SCOPED_TRACE(version);
    request.topics[0].topic_id = id;
    auto by_id = client_->Call<kafka::FetchResponse>(ApiKey::kFetch, version, request);
    ASSERT_EQ(by_id.body.responses.at(0).partitions.at(0).error_code, 0);
    EXPECT_EQ(by_id.body.responses[0].topic_id, id);
    ASSERT_TRUE(by_id.body.responses[0].partitions[0].records.bytes.has_value());
    EXPECT_EQ(Buffer(by_id.body.responses[0].partitions[0].records.bytes->begin(),
                     by_id.body.responses[0].partitions[0].records.bytes->end()),
              records);
    request.topics[0].topic_id = Uuid{1, 2};
    auto unknown = client_->Call<kafka::FetchResponse>(ApiKey::kFetch, version, request);
    EXPECT_EQ(unknown.body.responses.at(0).partitions.at(0).error_code, 100);
    EXPECT_EQ(unknown.body.responses[0].topic_id, (Uuid{1, 2}));
  }
  // v9+ checks the current leader epoch.
  request.topics[0].topic_id = id;
  request.topics[0].partitions[0].current_leader_epoch = 4;
  EXPECT_EQ(client_->Call<kafka::FetchResponse>(ApiKey::kFetch, 13, request)
                .body.responses.at(0)
                .partitions.at(0)
                .error_code,
            75);
}

// CreateTopics v7 answers the topic's id, partitions and configs; DescribeConfigs v4 their types
// and documentation; DeleteTopics v6 deletes by id.
TEST_F(KafkaConformanceTest, TopicAdminAtTheNewestVersions) {
  kafka::CreateTopicsRequest create;
  create.topics.push_back({"newest", 3, -1, {}, {{"retention.ms", std::string("60000")}}});
  create.timeout_ms = 10000;
  auto created = client_->Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 7, create);
  ASSERT_EQ(created.body.topics.size(), 1u);
  const auto& topic = created.body.topics[0];
  ASSERT_EQ(topic.error_code, 0);
  EXPECT_NE(topic.topic_id, Uuid{});
  EXPECT_EQ(topic.num_partitions, 3);
  EXPECT_EQ(topic.replication_factor, 1);
  ASSERT_TRUE(topic.configs.has_value());
  std::map<std::string, std::pair<std::string, int8_t>> configs;
  for (const auto& c : *topic.configs)
    configs[c.name] = {c.value.value_or("null"), c.config_source};
  EXPECT_EQ(configs["retention.ms"], (std::pair<std::string, int8_t>{"60000", 1}));
  EXPECT_EQ(configs["cleanup.policy"], (std::pair<std::string, int8_t>{"delete", 5}));
  // Again: TOPIC_ALREADY_EXISTS, with no description.
  auto again = client_->Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 7, create);
  EXPECT_EQ(again.body.topics.at(0).error_code, 36);
  EXPECT_EQ(again.body.topics[0].num_partitions, -1);

  kafka::DescribeConfigsRequest describe;
  describe.resources = {{2, "newest", std::vector<std::string>{"retention.ms"}}};
  auto described =
      client_->Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 4, describe);
  ASSERT_EQ(described.body.results.at(0).configs.size(), 1u);
  EXPECT_EQ(described.body.results[0].configs[0].config_type, 5);  // LONG
  EXPECT_EQ(described.body.results[0].configs[0].documentation, std::nullopt);
  describe.include_documentation = true;
  described = client_->Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 4, describe);
  ASSERT_TRUE(described.body.results.at(0).configs.at(0).documentation.has_value());
  EXPECT_FALSE(described.body.results[0].configs[0].documentation->empty());

  kafka::DeleteTopicsRequest remove;
  remove.timeout_ms = 10000;
  remove.topics = {{std::nullopt, topic.topic_id},
                   {std::nullopt, Uuid{3, 4}},
                   {std::string("newest"), Uuid{5, 6}}};
  auto removed = client_->Call<kafka::DeleteTopicsResponse>(ApiKey::kDeleteTopics, 6, remove);
  ASSERT_EQ(removed.body.responses.size(), 3u);
  EXPECT_EQ(removed.body.responses[0].error_code, 0);
  EXPECT_EQ(removed.body.responses[0].name, "newest");
  EXPECT_EQ(removed.body.responses[1].error_code, 100);  // UNKNOWN_TOPIC_ID
  EXPECT_EQ(removed.body.responses[1].name, std::nullopt);
  EXPECT_EQ(removed.body.responses[2].error_code, 42);  // both a name and an id
  // Neither a name nor an id, or a name given twice: INVALID_REQUEST, nothing deleted.
  CreateTopic("twice", 1);
  remove.topics = {
      {std::nullopt, Uuid{}}, {std::string("twice"), Uuid{}}, {std::string("twice"), Uuid{}}};
  removed = client_->Call<kafka::DeleteTopicsResponse>(ApiKey::kDeleteTopics, 6, remove);
  ASSERT_EQ(removed.body.responses.size(), 3u);
  for (const auto& r : removed.body.responses) EXPECT_EQ(r.error_code, 42);
  CreateTopic("twice-check", 1);  // the broker still serves; "twice" was not deleted:
  kafka::DescribeConfigsRequest exists;
  exists.resources = {{2, "twice", std::vector<std::string>{"retention.ms"}}};
  EXPECT_EQ(client_->Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 4, exists)
                .body.results.at(0)
                .error_code,
            0);
  // v5 answers why a name could not be deleted.
  remove.topics.clear();
  remove.topic_names = {"newest"};
  auto missing = client_->Call<kafka::DeleteTopicsResponse>(ApiKey::kDeleteTopics, 5, remove);
  EXPECT_EQ(missing.body.responses.at(0).error_code, 3);
  EXPECT_TRUE(missing.body.responses[0].error_message.has_value());
}

// DescribeConfigs for a broker: its own id lists every setting (read-only: none changes while
// the broker runs), the cluster's defaults (an empty name) are the dynamic ones, of which there
// are none, and any other name is INVALID_REQUEST with Kafka's message.
TEST_F(KafkaConformanceTest, DescribeConfigsOfTheBroker) {
  kafka::DescribeConfigsRequest describe;
  describe.resources = {{4, "1", std::nullopt},
                        {4, "", std::nullopt},
                        {4, "2", std::nullopt},
                        {4, "abc", std::nullopt},
                        {4, "+1", std::vector<std::string>{"log.retention.hours", "num.partitions"}}};
  describe.include_synonyms = true;
  describe.include_documentation = true;
  auto described =
      client_->Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 4, describe);
  const auto& results = described.body.results;
  ASSERT_EQ(results.size(), 5u);
  std::map<std::string, kafka::DescribeConfigsResponseConfig> own;
  for (const auto& c : results[0].configs) own[c.name] = c;
  EXPECT_EQ(results[0].error_code, 0);
  ASSERT_TRUE(own.contains("node.id") && own.contains("log.retention.ms") &&
              own.contains("max.connections") && own.contains("log.dirs"));
  EXPECT_EQ(own["node.id"].value, "1");
  EXPECT_EQ(own["log.retention.ms"].value, std::nullopt);  // unset and without a default
  EXPECT_EQ(own["log.retention.ms"].config_source, 5);
  EXPECT_TRUE(own["log.retention.ms"].synonyms.empty());
  EXPECT_EQ(own["log.retention.hours"].value, "168");
  EXPECT_EQ(own["log.retention.hours"].config_type, 3);  // INT
  for (const auto& [name, c] : own) {
    EXPECT_TRUE(c.read_only) << name;
    EXPECT_TRUE(c.documentation.has_value() && !c.documentation->empty()) << name;
  }
  EXPECT_EQ(results[1].error_code, 0);
  EXPECT_TRUE(results[1].configs.empty());
  EXPECT_EQ(results[2].error_code, 42);
  EXPECT_EQ(results[2].error_message,
            "Unexpected broker id, expected 1 or empty string, but received 2");
  EXPECT_EQ(results[3].error_code, 42);
  EXPECT_EQ(results[3].error_message, "Broker id must be an integer, but it is: abc");
  ASSERT_EQ(results[4].configs.size(), 2u);
  EXPECT_EQ(results[4].configs[0].name, "log.retention.hours");
  EXPECT_EQ(results[4].configs[1].name, "num.partitions");
  EXPECT_EQ(results[4].configs[1].config_type, 3);

  // None of them changes while the broker runs: altering one is refused as Kafka refuses a
  // setting it cannot update dynamically.
  kafka::AlterConfigsRequest alter;
  alter.resources = {{4, "1", {{"num.partitions", std::string("3")}}}, {4, "1", {}}};
  auto altered = client_->Call<kafka::AlterConfigsResponse>(ApiKey::kAlterConfigs, 2, alter);
  ASSERT_EQ(altered.body.responses.size(), 2u);
  EXPECT_EQ(altered.body.responses[0].error_code, 42);
  EXPECT_EQ(altered.body.responses[0].error_message,
            "Cannot update these configs dynamically: Set(num.partitions)");
  EXPECT_EQ(altered.body.responses[1].error_code, 0);
  kafka::IncrementalAlterConfigsRequest incremental;
  incremental.resources = {{4, "1", {{"log.retention.ms", 0, std::string("1")}}}};
  auto refused = client_->Call<kafka::IncrementalAlterConfigsResponse>(
      ApiKey::kIncrementalAlterConfigs, 1, incremental);
  EXPECT_EQ(refused.body.responses.at(0).error_code, 42);
  EXPECT_EQ(refused.body.responses[0].error_message,
            "Cannot update these configs dynamically: Set(log.retention.ms)");
}

// DescribeProducers lists each idempotent producer a partition remembers, across a restart.
TEST_F(KafkaConformanceTest, DescribeProducersListsEachPartitionsProducers) {
  CreateTopic("producers", 2);
  kafka::InitProducerIdRequest init;
  init.transactional_id = std::nullopt;
  const int64_t pid = client_->Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, init)
                          .body.producer_id;
  Produce("producers", testing::ProducerBatch(pid, 0, 0, 3, "a", 1'700'000'000'000));
  Produce("producers", testing::ProducerBatch(pid, 0, 3, 2, "b", 1'700'000'000'500));
  Produce("producers", storage::BuildBatch({{"k", "plain", 1000, {}}}));  // no producer id
  kafka::DescribeProducersRequest request;
  request.topics = {{"producers", {0, 1, 7}}, {"nowhere", {0}}};
  auto describe = [&] {
    return client_->Call<kafka::DescribeProducersResponse>(ApiKey::kDescribeProducers, 0, request)
        .body;
  };
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    auto reply = describe();
    ASSERT_EQ(reply.topics.size(), 2u);
    const auto& partitions = reply.topics[0].partitions;
    ASSERT_EQ(partitions.size(), 3u);
    EXPECT_EQ(partitions[0].error_code, 0);
    ASSERT_EQ(partitions[0].active_producers.size(), 1u);
    const auto& producer = partitions[0].active_producers[0];
    EXPECT_EQ(producer.producer_id, pid);
    EXPECT_EQ(producer.producer_epoch, 0);
    EXPECT_EQ(producer.last_sequence, 4);
    EXPECT_EQ(producer.last_timestamp, 1'700'000'000'500);  // the last batch's
    EXPECT_EQ(producer.coordinator_epoch, -1);
    EXPECT_EQ(producer.current_txn_start_offset, -1);
    EXPECT_EQ(partitions[1].error_code, 0);
    EXPECT_TRUE(partitions[1].active_producers.empty());
    EXPECT_EQ(partitions[2].error_code, 3);
    EXPECT_EQ(reply.topics[1].partitions.at(0).error_code, 3);
    // The state is rebuilt from the log after a restart.
    Restart();
  }
}

}  // namespace
}  // namespace herald
