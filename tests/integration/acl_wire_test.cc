// Kafka's authorization table (docs/kafka-error-codes.md, "Authorization") on the wire: raw
// requests to a real `herald serve --authorizer acl --super-users User:admin` with SASL
// (--sasl-mechanisms PLAIN,SCRAM-SHA-256), for every API of the table but the ACL APIs, Metadata,
// Produce and Fetch, which acl_test.cc covers. For each API, a request of a principal without the
// binding the API asks for is refused with the table's code at the table's level (the whole
// answer, a resource, a key, a group or a partition): TOPIC_AUTHORIZATION_FAILED (29),
// GROUP_AUTHORIZATION_FAILED (30), CLUSTER_AUTHORIZATION_FAILED (31) or
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53); the listings leave out what the principal may not
// DESCRIBE. Once the binding is granted, the same request is answered.
//
// Each test starts its own broker (testing/acl_broker.h) on a fresh data directory where admin
// (the super user, who creates the topics, groups, transactions and bindings), alice (the
// principal the bindings are for) and bob (to be refused) were created offline, and connects as
// each of them.
// No principal has any binding at the start: whatever a test expects allowed, it grants first.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kafka/api.h"
#include "kafka/messages/add_offsets_to_txn.h"
#include "kafka/messages/add_partitions_to_txn.h"
#include "kafka/messages/alter_configs.h"
#include "kafka/messages/create_acls.h"
#include "kafka/messages/create_partitions.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/delete_groups.h"
#include "kafka/messages/delete_records.h"
#include "kafka/messages/delete_topics.h"
#include "kafka/messages/describe_configs.h"
#include "kafka/messages/describe_groups.h"
#include "kafka/messages/describe_log_dirs.h"
#include "kafka/messages/describe_producers.h"
#include "kafka/messages/describe_transactions.h"
#include "kafka/messages/elect_leaders.h"
#include "kafka/messages/end_txn.h"
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
#include "testing/acl_broker.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::string_literals;
using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using testing::raw_wire::RawWireClient;

constexpr char kAlice[] = "User:alice";
constexpr char kBob[] = "User:bob";

// A binding's codes, as CreateAcls numbers them (kafka/messages/describe_acls.h). Resource types;
// the cluster has one name, kClusterName:
constexpr int8_t kTopic = 2;
constexpr int8_t kGroup = 3;
constexpr int8_t kCluster = 4;
constexpr int8_t kTransactionalId = 5;
constexpr char kClusterName[] = "kafka-cluster";
// Pattern types:
constexpr int8_t kLiteral = 3;
constexpr int8_t kPrefixed = 4;
// Operations:
constexpr int8_t kRead = 3;
constexpr int8_t kWrite = 4;
constexpr int8_t kCreate = 5;
constexpr int8_t kDelete = 6;
constexpr int8_t kAlter = 7;
constexpr int8_t kDescribe = 8;
constexpr int8_t kClusterAction = 9;
constexpr int8_t kDescribeConfigs = 10;
constexpr int8_t kAlterConfigs = 11;
constexpr int8_t kIdempotentWrite = 12;
// Permissions:
constexpr int8_t kDeny = 2;
constexpr int8_t kAllow = 3;

// Config resource types (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs).
constexpr int8_t kTopicConfigs = 2;
constexpr int8_t kBrokerConfigs = 4;

// FindCoordinator key types.
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// The answers expected.
constexpr int16_t kNone = Code(ErrorCode::kNone);
constexpr int16_t kTopicDenied = Code(ErrorCode::kTopicAuthorizationFailed);
constexpr int16_t kGroupDenied = Code(ErrorCode::kGroupAuthorizationFailed);
constexpr int16_t kClusterDenied = Code(ErrorCode::kClusterAuthorizationFailed);
constexpr int16_t kTransactionalIdDenied = Code(ErrorCode::kTransactionalIdAuthorizationFailed);

// ---- answers ----

// Error codes in the order of a response's entries (resources, keys, groups, members, ...).
using Codes = std::vector<int16_t>;
// Error codes by topic: of its partition 0, the one partition each request here names.
using Errors = std::map<std::string, int16_t>;
// Committed offsets by topic, of its partition 0 (-1: none).
using Offsets = std::map<std::string, int64_t>;
using Names = std::set<std::string>;

// The error code of each of `entries`, in order.
template <typename Entry>
Codes ErrorsOf(const std::vector<Entry>& entries) {
  Codes codes;
  for (const auto& entry : entries) codes.push_back(entry.error_code);
  return codes;
}

// The error code of the partitions of each topic of a response, by topic name: `name`,
// `partitions` and `error` are the API's fields for them.
template <typename Topic, typename Partition>
Errors ByTopic(const std::vector<Topic>& topics, std::string Topic::*name,
               std::vector<Partition> Topic::*partitions, int16_t Partition::*error) {
  Errors errors;
  for (const auto& topic : topics) {
    for (const auto& partition : topic.*partitions) errors[topic.*name] = partition.*error;
  }
  return errors;
}

// ---- bindings, topics, records ----

// Creates one binding, for any host, with CreateAcls v3 on the connection of `admin` (who may),
// and expects it created.
void Grant(RawWireClient& admin, int8_t resource_type, const std::string& name, int8_t pattern,
           const std::string& principal, int8_t operation, int8_t permission) {
  testing::Grant(admin, {static_cast<broker::ResourceType>(resource_type), name,
                         static_cast<broker::PatternType>(pattern), principal, "*",
                         static_cast<broker::AclOperation>(operation),
                         static_cast<broker::AclPermission>(permission)});
}

// CreateTopics v7 for `names`, each with `partitions` partitions.
kafka::CreateTopicsResponse CreateTopics(RawWireClient& client,
                                         const std::vector<std::string>& names,
                                         int32_t partitions) {
  kafka::CreateTopicsRequest request;
  for (const auto& name : names) request.topics.push_back({name, partitions, 1, {}, {}});
  request.timeout_ms = 10000;
  return client.Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 7, request).body;
}

// Creates `name` as the super user `admin`, with one partition; its id.
Uuid CreateTopic(RawWireClient& admin, const std::string& name) {
  const auto response = CreateTopics(admin, {name}, 1);
  EXPECT_EQ(ErrorsOf(response.topics), Codes{kNone}) << "creating " << name;
  return response.topics.empty() ? Uuid{} : response.topics[0].topic_id;
}

// Metadata v1 for every topic: the partition count of each topic listed without an error.
std::map<std::string, size_t> Topics(RawWireClient& client) {
  kafka::MetadataRequest request;
  request.topics = std::nullopt;
  const auto response = client.Call<kafka::MetadataResponse>(ApiKey::kMetadata, 1, request).body;
  std::map<std::string, size_t> topics;
  for (const auto& topic : response.topics) {
    if (topic.error_code == 0 && topic.name) topics[*topic.name] = topic.partitions.size();
  }
  return topics;
}

// The node's id, as Metadata v1 lists its one broker.
int32_t NodeId(RawWireClient& client) {
  kafka::MetadataRequest request;  // no topic
  const auto response = client.Call<kafka::MetadataResponse>(ApiKey::kMetadata, 1, request).body;
  if (response.brokers.empty()) {
    ADD_FAILURE() << "Metadata lists no broker";
    return -1;
  }
  return response.brokers.front().node_id;
}

// Appends `count` records to partition 0 of `topic` (Produce v8); the partition's error.
int16_t Produce(RawWireClient& client, const std::string& topic, int count) {
  std::vector<storage::RecordSpec> records;
  for (int i = 0; i < count; ++i) {
    records.push_back({std::nullopt, fmt::format("r{}", i), int64_t{1'700'000'000'000} + i, {}});
  }
  const Buffer batch = storage::BuildBatch(records);
  const auto response =
      client
          .Call<kafka::ProduceResponse>(
              ApiKey::kProduce, 8, testing::raw_wire::ProduceRequestFor(topic, ByteView(batch)))
          .body;
  return response.responses.at(0).partitions.at(0).error_code;
}

// ---- partition APIs ----

// ListOffsets v7 of partition 0 of each topic (its latest offset).
Errors ListOffsetsErrors(RawWireClient& client, const std::vector<std::string>& topics) {
  kafka::ListOffsetsRequest request;
  for (const auto& name : topics) {
    kafka::ListOffsetsRequestPartition partition;
    partition.timestamp = -1;
    request.topics.push_back({name, {partition}});
  }
  const auto response =
      client.Call<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, 7, request).body;
  return ByTopic(response.topics, &kafka::ListOffsetsResponseTopic::name,
                 &kafka::ListOffsetsResponseTopic::partitions,
                 &kafka::ListOffsetsResponsePartition::error_code);
}

// OffsetForLeaderEpoch v4 of a consumer for epoch 0 of partition 0 of each topic.
Errors OffsetForLeaderEpochErrors(RawWireClient& client, const std::vector<std::string>& topics) {
  kafka::OffsetForLeaderEpochRequest request;
  request.replica_id = -1;
  for (const auto& name : topics) {
    kafka::OffsetForLeaderEpochRequestPartition partition;
    partition.leader_epoch = 0;
    request.topics.push_back({name, {partition}});
  }
  const auto response =
      client.Call<kafka::OffsetForLeaderEpochResponse>(ApiKey::kOffsetForLeaderEpoch, 4, request)
          .body;
  return ByTopic(response.topics, &kafka::OffsetForLeaderEpochResponseTopic::topic,
                 &kafka::OffsetForLeaderEpochResponseTopic::partitions,
                 &kafka::OffsetForLeaderEpochResponsePartition::error_code);
}

// DeleteRecords v2 of the records of partition 0 of each topic below `offset`.
Errors DeleteRecordsErrors(RawWireClient& client, const std::vector<std::string>& topics,
                           int64_t offset) {
  kafka::DeleteRecordsRequest request;
  for (const auto& name : topics) request.topics.push_back({name, {{0, offset}}});
  request.timeout_ms = 10000;
  const auto response =
      client.Call<kafka::DeleteRecordsResponse>(ApiKey::kDeleteRecords, 2, request).body;
  return ByTopic(response.topics, &kafka::DeleteRecordsResponseTopic::name,
                 &kafka::DeleteRecordsResponseTopic::partitions,
                 &kafka::DeleteRecordsResponsePartition::error_code);
}

// DescribeProducers v0 of partition 0 of each topic.
Errors DescribeProducersErrors(RawWireClient& client, const std::vector<std::string>& topics) {
  kafka::DescribeProducersRequest request;
  for (const auto& name : topics) request.topics.push_back({name, {0}});
  const auto response =
      client.Call<kafka::DescribeProducersResponse>(ApiKey::kDescribeProducers, 0, request).body;
  return ByTopic(response.topics, &kafka::DescribeProducersResponseTopic::name,
                 &kafka::DescribeProducersResponseTopic::partitions,
                 &kafka::DescribeProducersResponsePartition::error_code);
}

// ---- topic administration ----

// DeleteTopics v6 of `topics`, each named by name or by id.
kafka::DeleteTopicsResponse DeleteTopics(RawWireClient& client,
                                         std::vector<kafka::DeleteTopicsRequestTopic> topics) {
  kafka::DeleteTopicsRequest request;
  request.topics = std::move(topics);
  request.timeout_ms = 10000;
  return client.Call<kafka::DeleteTopicsResponse>(ApiKey::kDeleteTopics, 6, request).body;
}

// CreatePartitions v3: `topic` grown to `count` partitions, placed by the broker.
Codes CreatePartitionsErrors(RawWireClient& client, const std::string& topic, int32_t count) {
  kafka::CreatePartitionsRequestTopic grown;
  grown.name = topic;
  grown.count = count;
  grown.assignments = std::nullopt;
  kafka::CreatePartitionsRequest request;
  request.topics.push_back(grown);
  request.timeout_ms = 10000;
  return ErrorsOf(
      client.Call<kafka::CreatePartitionsResponse>(ApiKey::kCreatePartitions, 3, request)
          .body.results);
}

// ---- configs ----

// A config resource: its type (kTopicConfigs, kBrokerConfigs) and name.
using Resource = std::pair<int8_t, std::string>;

// DescribeConfigs v4 of every config of each resource.
kafka::DescribeConfigsResponse DescribeConfigs(RawWireClient& client,
                                               const std::vector<Resource>& resources) {
  kafka::DescribeConfigsRequest request;
  for (const auto& [type, name] : resources) {
    kafka::DescribeConfigsRequestResource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    request.resources.push_back(resource);
  }
  return client.Call<kafka::DescribeConfigsResponse>(ApiKey::kDescribeConfigs, 4, request).body;
}

// AlterConfigs v2 of each resource: a topic's retention.ms set to a day, a broker's configs left
// as they are (a Herald broker changes none while it runs).
Codes AlterConfigsErrors(RawWireClient& client, const std::vector<Resource>& resources) {
  kafka::AlterConfigsRequest request;
  for (const auto& [type, name] : resources) {
    kafka::AlterConfigsRequestResource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    if (type == kTopicConfigs) resource.configs.push_back({"retention.ms", "86400000"});
    request.resources.push_back(resource);
  }
  return ErrorsOf(
      client.Call<kafka::AlterConfigsResponse>(ApiKey::kAlterConfigs, 2, request).body.responses);
}

// IncrementalAlterConfigs v1 of each resource, as AlterConfigsErrors (retention.ms set).
Codes IncrementalAlterConfigsErrors(RawWireClient& client, const std::vector<Resource>& resources) {
  kafka::IncrementalAlterConfigsRequest request;
  for (const auto& [type, name] : resources) {
    kafka::IncrementalAlterConfigsRequestResource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    if (type == kTopicConfigs) {
      resource.configs.push_back({"retention.ms", 0, std::string("86400000")});  // 0: set
    }
    request.resources.push_back(resource);
  }
  return ErrorsOf(client
                      .Call<kafka::IncrementalAlterConfigsResponse>(
                          ApiKey::kIncrementalAlterConfigs, 1, request)
                      .body.responses);
}

// ---- cluster ----

// DescribeLogDirs at `version` for partition 0 of `topic`.
kafka::DescribeLogDirsResponse DescribeLogDirs(RawWireClient& client, int16_t version,
                                               const std::string& topic) {
  kafka::DescribeLogDirsRequest request;
  request.topics = std::vector<kafka::DescribeLogDirsRequestTopic>{{topic, {0}}};
  return client.Call<kafka::DescribeLogDirsResponse>(ApiKey::kDescribeLogDirs, version, request)
      .body;
}

// ElectLeaders (a preferred election) at `version` for partition 0 of `topic`.
kafka::ElectLeadersResponse ElectLeaders(RawWireClient& client, int16_t version,
                                         const std::string& topic) {
  kafka::ElectLeadersRequest request;
  request.topic_partitions = std::vector<kafka::ElectLeadersRequestTopic>{{topic, {0}}};
  request.timeout_ms = 10000;
  return client.Call<kafka::ElectLeadersResponse>(ApiKey::kElectLeaders, version, request).body;
}

// Each partition's error in an ElectLeaders answer.
Errors ElectionErrors(const kafka::ElectLeadersResponse& response) {
  return ByTopic(response.replica_election_results, &kafka::ElectLeadersResponseTopic::topic,
                 &kafka::ElectLeadersResponseTopic::partition_result,
                 &kafka::ElectLeadersResponsePartition::error_code);
}

// ListPartitionReassignments v0 for partition 0 of `topic`.
kafka::ListPartitionReassignmentsResponse ListPartitionReassignments(RawWireClient& client,
                                                                     const std::string& topic) {
  kafka::ListPartitionReassignmentsRequest request;
  request.topics = std::vector<kafka::ListPartitionReassignmentsRequestTopic>{{topic, {0}}};
  request.timeout_ms = 10000;
  return client
      .Call<kafka::ListPartitionReassignmentsResponse>(ApiKey::kListPartitionReassignments, 0,
                                                       request)
      .body;
}

// InitProducerId v4 for `transactional_id`, or (null) for an idempotent producer.
kafka::InitProducerIdResponse InitProducerId(RawWireClient& client,
                                             const std::optional<std::string>& transactional_id) {
  kafka::InitProducerIdRequest request;
  request.transactional_id = transactional_id;
  request.transaction_timeout_ms = 60000;
  return client.Call<kafka::InitProducerIdResponse>(ApiKey::kInitProducerId, 4, request).body;
}

// ---- groups ----

// FindCoordinator v3 for one key of `key_type` (kGroupKey, kTransactionKey).
kafka::FindCoordinatorResponse FindCoordinator(RawWireClient& client, int8_t key_type,
                                               const std::string& key) {
  kafka::FindCoordinatorRequest request;
  request.key = key;
  request.key_type = key_type;
  return client.Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 3, request).body;
}

// FindCoordinator v4 for several keys of `key_type`: each key's error.
Codes FindCoordinatorErrors(RawWireClient& client, int8_t key_type,
                            const std::vector<std::string>& keys) {
  kafka::FindCoordinatorRequest request;
  request.key_type = key_type;
  request.coordinator_keys = keys;
  return ErrorsOf(client.Call<kafka::FindCoordinatorResponse>(ApiKey::kFindCoordinator, 4, request)
                      .body.coordinators);
}

// JoinGroup v9 to `group` of a consumer offering the "range" assignor, as `member_id` ("" for a
// new member, which is handed its id with MEMBER_ID_REQUIRED).
kafka::JoinGroupResponse JoinGroup(RawWireClient& client, const std::string& group,
                                   const std::string& member_id) {
  kafka::JoinGroupRequest request;
  request.group_id = group;
  request.session_timeout_ms = 10000;
  request.rebalance_timeout_ms = 10000;
  request.member_id = member_id;
  request.protocol_type = "consumer";
  request.protocols = {{"range", {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}};
  return client.Call<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 9, request).body;
}

// SyncGroup v5 of `member_id` in `generation` of `group`, which assigns itself two bytes; with
// the protocol type and name v5 requires ("consumer", "range") unless `with_protocol` is false.
int16_t SyncGroup(RawWireClient& client, const std::string& group, int32_t generation,
                  const std::string& member_id, bool with_protocol) {
  kafka::SyncGroupRequest request;
  request.group_id = group;
  request.generation_id = generation;
  request.member_id = member_id;
  if (with_protocol) {
    request.protocol_type = "consumer";
    request.protocol_name = "range";
  }
  request.assignments = {{member_id, {0x00, 0x01}}};
  return client.Call<kafka::SyncGroupResponse>(ApiKey::kSyncGroup, 5, request).body.error_code;
}

// Heartbeat v4 of `member_id` in `generation` of `group`.
int16_t Heartbeat(RawWireClient& client, const std::string& group, int32_t generation,
                  const std::string& member_id) {
  kafka::HeartbeatRequest request;
  request.group_id = group;
  request.generation_id = generation;
  request.member_id = member_id;
  return client.Call<kafka::HeartbeatResponse>(ApiKey::kHeartbeat, 4, request).body.error_code;
}

// LeaveGroup at `version` of `member_id` (the one member of v0-2, a batch of one from v3).
kafka::LeaveGroupResponse LeaveGroup(RawWireClient& client, int16_t version,
                                     const std::string& group, const std::string& member_id) {
  kafka::LeaveGroupRequest request;
  request.group_id = group;
  request.member_id = member_id;
  request.members = {{member_id, std::nullopt, std::nullopt}};
  return client.Call<kafka::LeaveGroupResponse>(ApiKey::kLeaveGroup, version, request).body;
}

// DescribeGroups v5 of `groups`.
kafka::DescribeGroupsResponse DescribeGroups(RawWireClient& client,
                                             const std::vector<std::string>& groups) {
  kafka::DescribeGroupsRequest request;
  request.groups = groups;
  return client.Call<kafka::DescribeGroupsResponse>(ApiKey::kDescribeGroups, 5, request).body;
}

// ListGroups v4, in every state: the ids listed.
Names ListedGroups(RawWireClient& client) {
  kafka::ListGroupsRequest request;
  const auto response =
      client.Call<kafka::ListGroupsResponse>(ApiKey::kListGroups, 4, request).body;
  EXPECT_EQ(response.error_code, kNone);
  Names groups;
  for (const auto& group : response.groups) groups.insert(group.group_id);
  return groups;
}

// DeleteGroups v2 of `groups`: each group's error.
Codes DeleteGroupsErrors(RawWireClient& client, const std::vector<std::string>& groups) {
  kafka::DeleteGroupsRequest request;
  request.groups_names = groups;
  return ErrorsOf(
      client.Call<kafka::DeleteGroupsResponse>(ApiKey::kDeleteGroups, 2, request).body.results);
}

// ---- offsets ----

// OffsetCommit v8 of `offset` for partition 0 of each topic to `group`, from outside the group's
// membership (generation -1, no member id).
Errors Commit(RawWireClient& client, const std::string& group,
              const std::vector<std::string>& topics, int64_t offset) {
  kafka::OffsetCommitRequest request;
  request.group_id = group;
  request.generation_id = -1;
  for (const auto& name : topics) {
    kafka::OffsetCommitRequestPartition partition;
    partition.committed_offset = offset;
    request.topics.push_back({name, {partition}});
  }
  const auto response =
      client.Call<kafka::OffsetCommitResponse>(ApiKey::kOffsetCommit, 8, request).body;
  return ByTopic(response.topics, &kafka::OffsetCommitResponseTopic::name,
                 &kafka::OffsetCommitResponseTopic::partitions,
                 &kafka::OffsetCommitResponsePartition::error_code);
}

// OffsetFetch at `version` of `group`'s offsets for partition 0 of each of `topics`, or (null,
// v2+) of every topic.
kafka::OffsetFetchResponse OffsetFetch(RawWireClient& client, int16_t version,
                                       const std::string& group,
                                       const std::optional<std::vector<std::string>>& topics) {
  std::optional<std::vector<kafka::OffsetFetchRequestTopic>> asked;
  if (topics) {
    asked.emplace();
    for (const auto& name : *topics) asked->push_back({name, {0}});
  }
  kafka::OffsetFetchRequest request;
  request.group_id = group;  // v0-7
  request.topics = asked;
  request.groups = {{group, asked}};  // v8
  return client.Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, version, request).body;
}

// Each partition's error in the topics of an OffsetFetch answer.
Errors FetchErrors(const std::vector<kafka::OffsetFetchResponseTopic>& topics) {
  return ByTopic(topics, &kafka::OffsetFetchResponseTopic::name,
                 &kafka::OffsetFetchResponseTopic::partitions,
                 &kafka::OffsetFetchResponsePartition::error_code);
}

// Each partition's committed offset in the topics of an OffsetFetch answer.
Offsets FetchedOffsets(const std::vector<kafka::OffsetFetchResponseTopic>& topics) {
  Offsets offsets;
  for (const auto& topic : topics) {
    for (const auto& partition : topic.partitions) {
      offsets[topic.name] = partition.committed_offset;
    }
  }
  return offsets;
}

// The offsets `group` committed for partition 0 of each topic (OffsetFetch v8).
Offsets CommittedOffsets(RawWireClient& client, const std::string& group,
                         const std::vector<std::string>& topics) {
  const auto response = OffsetFetch(client, 8, group, topics);
  if (response.groups.size() != 1 || response.groups[0].error_code != kNone) {
    ADD_FAILURE() << "OffsetFetch of " << group << " failed";
    return {};
  }
  return FetchedOffsets(response.groups[0].topics);
}

// OffsetDelete v0 of `group`'s offsets for partition 0 of each topic.
kafka::OffsetDeleteResponse OffsetDelete(RawWireClient& client, const std::string& group,
                                         const std::vector<std::string>& topics) {
  kafka::OffsetDeleteRequest request;
  request.group_id = group;
  for (const auto& name : topics) request.topics.push_back({name, {0}});
  return client.Call<kafka::OffsetDeleteResponse>(ApiKey::kOffsetDelete, 0, request).body;
}

// ---- transactions ----

// AddPartitionsToTxn v3 of partition 0 of each topic to `producer`'s transaction.
Errors AddPartitionsToTxnErrors(RawWireClient& client, const std::string& transactional_id,
                                const kafka::InitProducerIdResponse& producer,
                                const std::vector<std::string>& topics) {
  kafka::AddPartitionsToTxnRequest request;
  request.transactional_id = transactional_id;
  request.producer_id = producer.producer_id;
  request.producer_epoch = producer.producer_epoch;
  for (const auto& name : topics) request.topics.push_back({name, {0}});
  const auto response =
      client.Call<kafka::AddPartitionsToTxnResponse>(ApiKey::kAddPartitionsToTxn, 3, request).body;
  return ByTopic(response.results_by_topic_v3_and_below,
                 &kafka::AddPartitionsToTxnResponseTopic::name,
                 &kafka::AddPartitionsToTxnResponseTopic::results_by_partition,
                 &kafka::AddPartitionsToTxnResponsePartition::partition_error_code);
}

// AddOffsetsToTxn v3 of `group`'s offsets to `producer`'s transaction.
int16_t AddOffsetsToTxn(RawWireClient& client, const std::string& transactional_id,
                        const kafka::InitProducerIdResponse& producer, const std::string& group) {
  kafka::AddOffsetsToTxnRequest request{transactional_id, producer.producer_id,
                                        producer.producer_epoch, group};
  return client.Call<kafka::AddOffsetsToTxnResponse>(ApiKey::kAddOffsetsToTxn, 3, request)
      .body.error_code;
}

// TxnOffsetCommit v3 of `offset` for partition 0 of each topic to `group`, in `producer`'s
// transaction, from outside the group's membership.
Errors TxnOffsetCommitErrors(RawWireClient& client, const std::string& transactional_id,
                             const kafka::InitProducerIdResponse& producer,
                             const std::string& group, const std::vector<std::string>& topics,
                             int64_t offset) {
  kafka::TxnOffsetCommitRequest request;
  request.transactional_id = transactional_id;
  request.group_id = group;
  request.producer_id = producer.producer_id;
  request.producer_epoch = producer.producer_epoch;
  for (const auto& name : topics) {
    kafka::TxnOffsetCommitRequestPartition partition;
    partition.committed_offset = offset;
    request.topics.push_back({name, {partition}});
  }
  const auto response =
      client.Call<kafka::TxnOffsetCommitResponse>(ApiKey::kTxnOffsetCommit, 3, request).body;
  return ByTopic(response.topics, &kafka::TxnOffsetCommitResponseTopic::name,
                 &kafka::TxnOffsetCommitResponseTopic::partitions,
                 &kafka::TxnOffsetCommitResponsePartition::error_code);
}

// EndTxn v3: `producer`'s transaction committed (or aborted).
int16_t EndTxn(RawWireClient& client, const std::string& transactional_id,
               const kafka::InitProducerIdResponse& producer, bool commit) {
  kafka::EndTxnRequest request{transactional_id, producer.producer_id, producer.producer_epoch,
                               commit};
  return client.Call<kafka::EndTxnResponse>(ApiKey::kEndTxn, 3, request).body.error_code;
}

// DescribeTransactions v0 of `ids`.
kafka::DescribeTransactionsResponse DescribeTransactions(RawWireClient& client,
                                                         const std::vector<std::string>& ids) {
  kafka::DescribeTransactionsRequest request{ids};
  return client.Call<kafka::DescribeTransactionsResponse>(ApiKey::kDescribeTransactions, 0, request)
      .body;
}

// The topics a DescribeTransactions answer lists for one id.
Names TopicsOf(const kafka::DescribeTransactionsResponseState& state) {
  Names topics;
  for (const auto& topic : state.topics) topics.insert(topic.topic);
  return topics;
}

// ListTransactions v0, in every state: the ids listed.
Names ListedTransactions(RawWireClient& client) {
  kafka::ListTransactionsRequest request;
  const auto response =
      client.Call<kafka::ListTransactionsResponse>(ApiKey::kListTransactions, 0, request).body;
  EXPECT_EQ(response.error_code, kNone);
  Names ids;
  for (const auto& state : response.transaction_states) ids.insert(state.transactional_id);
  return ids;
}

// ---- fixture ----

class AclWireTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  // Creates admin, alice and bob in a fresh data directory, offline, then starts the broker on it
  // (testing/acl_broker.h) and connects as each. Use with ASSERT_NO_FATAL_FAILURE.
  void Serve() {
    const std::string data_dir = dir_.str() + "/data";
    try {
      testing::CreateAclUsers(data_dir);
      server_ = testing::StartAclBroker(data_dir);
      admin_ = testing::ConnectAs(server_->port(), "admin");
      alice_ = testing::ConnectAs(server_->port(), "alice");
      bob_ = testing::ConnectAs(server_->port(), "bob");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }

  testing::TempDir dir_;                            // the data directory and its log
  std::unique_ptr<testing::HeraldProcess> server_;  // stopped before the files go
  // Connections, closed before the broker stops.
  std::unique_ptr<RawWireClient> admin_;
  std::unique_ptr<RawWireClient> alice_;
  std::unique_ptr<RawWireClient> bob_;
};

// ---- partitions ----

// ListOffsets and OffsetForLeaderEpoch need DESCRIBE on the topic, DescribeProducers READ and
// DeleteRecords DELETE: without it, each partition is TOPIC_AUTHORIZATION_FAILED, whether or not
// the topic exists. In OffsetForLeaderEpoch (only), CLUSTER_ACTION on the cluster, a follower's,
// stands for DESCRIBE on every topic.
TEST_F(AclWireTest, PartitionApisNeedTheirOperationOnTheTopic) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "orders");
  ASSERT_EQ(Produce(*admin_, "orders", 3), kNone);

  const std::vector<std::string> both = {"orders", "ghost"};
  const Errors both_refused = {{"orders", kTopicDenied}, {"ghost", kTopicDenied}};
  EXPECT_EQ(ListOffsetsErrors(*alice_, both), both_refused);
  EXPECT_EQ(OffsetForLeaderEpochErrors(*alice_, both), both_refused);
  EXPECT_EQ(DescribeProducersErrors(*alice_, both), both_refused);
  EXPECT_EQ(DeleteRecordsErrors(*alice_, both, 1), both_refused);

  const Errors allowed = {{"orders", kNone}};
  const Errors refused = {{"orders", kTopicDenied}};
  Grant(*admin_, kTopic, "orders", kLiteral, kAlice, kDescribe, kAllow);
  EXPECT_EQ(ListOffsetsErrors(*alice_, {"orders"}), allowed);
  EXPECT_EQ(OffsetForLeaderEpochErrors(*alice_, {"orders"}), allowed);
  EXPECT_EQ(DescribeProducersErrors(*alice_, {"orders"}), refused) << "DESCRIBE is not READ";
  EXPECT_EQ(DeleteRecordsErrors(*alice_, {"orders"}, 1), refused) << "DESCRIBE is not DELETE";

  Grant(*admin_, kTopic, "orders", kLiteral, kAlice, kRead, kAllow);
  EXPECT_EQ(DescribeProducersErrors(*alice_, {"orders"}), allowed);
  EXPECT_EQ(DeleteRecordsErrors(*alice_, {"orders"}, 1), refused) << "READ is not DELETE";

  Grant(*admin_, kTopic, "orders", kLiteral, kAlice, kDelete, kAllow);
  EXPECT_EQ(DeleteRecordsErrors(*alice_, {"orders"}, 1), allowed);

  EXPECT_EQ(OffsetForLeaderEpochErrors(*bob_, {"orders"}), refused);
  Grant(*admin_, kCluster, kClusterName, kLiteral, kBob, kClusterAction, kAllow);
  EXPECT_EQ(OffsetForLeaderEpochErrors(*bob_, {"orders"}), allowed);
  EXPECT_EQ(ListOffsetsErrors(*bob_, {"orders"}), refused)
      << "CLUSTER_ACTION stands for DESCRIBE in OffsetForLeaderEpoch only";
}

// ---- topic administration ----

// CreateTopics needs CREATE on the cluster or on the topic, and answers a topic created without
// DESCRIBE_CONFIGS on it with partitions -1, replication factor -1 and no configs. DeleteTopics
// needs DELETE on the cluster or on the topic, checked before the name is looked up; a topic
// named by id is refused without its name unless the principal may DESCRIBE it. CreatePartitions
// needs ALTER on the topic. A topic refused is neither created, deleted nor grown.
TEST_F(AclWireTest, TopicAdminApisNeedCreateDeleteOrAlter) {
  ASSERT_NO_FATAL_FAILURE(Serve());

  // CreateTopics.
  auto created = CreateTopics(*alice_, {"made.bare", "made.shown"}, 2);
  EXPECT_EQ(ErrorsOf(created.topics), (Codes{kTopicDenied, kTopicDenied}));
  auto topics = Topics(*admin_);
  EXPECT_FALSE(topics.contains("made.bare"));
  EXPECT_FALSE(topics.contains("made.shown"));

  Grant(*admin_, kTopic, "made.", kPrefixed, kAlice, kCreate, kAllow);
  Grant(*admin_, kTopic, "made.shown", kLiteral, kAlice, kDescribeConfigs, kAllow);
  created = CreateTopics(*alice_, {"made.bare", "made.shown", "other"}, 2);
  EXPECT_EQ(ErrorsOf(created.topics), (Codes{kNone, kNone, kTopicDenied}));
  ASSERT_EQ(created.topics.size(), 3u);
  const auto& bare = created.topics[0];
  EXPECT_EQ(bare.num_partitions, -1);
  EXPECT_EQ(bare.replication_factor, -1);
  EXPECT_TRUE(!bare.configs || bare.configs->empty()) << bare.configs->size() << " configs";
  const auto& shown = created.topics[1];
  EXPECT_EQ(shown.num_partitions, 2);
  EXPECT_EQ(shown.replication_factor, 1);
  EXPECT_TRUE(shown.configs && !shown.configs->empty()) << "no configs with DESCRIBE_CONFIGS";
  topics = Topics(*admin_);
  EXPECT_EQ(topics["made.bare"], 2u);
  EXPECT_EQ(topics["made.shown"], 2u);
  EXPECT_FALSE(topics.contains("other"));

  // CREATE on the cluster: any topic.
  Grant(*admin_, kCluster, kClusterName, kLiteral, kBob, kCreate, kAllow);
  EXPECT_EQ(ErrorsOf(CreateTopics(*bob_, {"bobs"}, 1).topics), Codes{kNone});

  // DeleteTopics.
  const Uuid doomed = CreateTopic(*admin_, "doomed");
  const auto by_name = DeleteTopics(*alice_, {{"doomed"s, Uuid{}}, {"ghost"s, Uuid{}}});
  EXPECT_EQ(ErrorsOf(by_name.responses), (Codes{kTopicDenied, kTopicDenied}))
      << "DELETE is checked before the name is looked up";
  auto by_id = DeleteTopics(*alice_, {{std::nullopt, doomed}});
  ASSERT_EQ(by_id.responses.size(), 1u);
  EXPECT_EQ(by_id.responses[0].error_code, kTopicDenied);
  EXPECT_EQ(by_id.responses[0].name, std::nullopt) << "named to a principal that may not see it";
  EXPECT_EQ(by_id.responses[0].topic_id, doomed);

  Grant(*admin_, kTopic, "doomed", kLiteral, kAlice, kDescribe, kAllow);
  by_id = DeleteTopics(*alice_, {{std::nullopt, doomed}});
  ASSERT_EQ(by_id.responses.size(), 1u);
  EXPECT_EQ(by_id.responses[0].error_code, kTopicDenied);
  EXPECT_EQ(by_id.responses[0].name, "doomed");
  EXPECT_TRUE(Topics(*admin_).contains("doomed")) << "a refused topic was deleted";

  Grant(*admin_, kTopic, "doomed", kLiteral, kAlice, kDelete, kAllow);
  by_id = DeleteTopics(*alice_, {{std::nullopt, doomed}});
  ASSERT_EQ(by_id.responses.size(), 1u);
  EXPECT_EQ(by_id.responses[0].error_code, kNone);
  EXPECT_EQ(by_id.responses[0].name, "doomed");
  EXPECT_FALSE(Topics(*admin_).contains("doomed"));

  // CreatePartitions.
  CreateTopic(*admin_, "grown");
  EXPECT_EQ(CreatePartitionsErrors(*alice_, "grown", 2), Codes{kTopicDenied});
  EXPECT_EQ(Topics(*admin_)["grown"], 1u);
  Grant(*admin_, kTopic, "grown", kLiteral, kAlice, kAlter, kAllow);
  EXPECT_EQ(CreatePartitionsErrors(*alice_, "grown", 2), Codes{kNone});
  EXPECT_EQ(Topics(*admin_)["grown"], 2u);
}

// ---- configs ----

// DescribeConfigs needs DESCRIBE_CONFIGS; AlterConfigs and IncrementalAlterConfigs need
// ALTER_CONFIGS, which implies DESCRIBE_CONFIGS. A topic's are checked on the topic, else
// TOPIC_AUTHORIZATION_FAILED; the broker's on the cluster, else CLUSTER_AUTHORIZATION_FAILED;
// each resource on its own. IncrementalAlterConfigs refuses a resource named twice first.
TEST_F(AclWireTest, ConfigApisNeedConfigOperationsOnTheTopicOrTheCluster) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "conf");
  const std::vector<Resource> both = {{kTopicConfigs, "conf"},
                                      {kBrokerConfigs, std::to_string(NodeId(*admin_))}};
  const Codes refused = {kTopicDenied, kClusterDenied};
  const Codes allowed = {kNone, kNone};

  EXPECT_EQ(ErrorsOf(DescribeConfigs(*alice_, both).results), refused);
  EXPECT_EQ(AlterConfigsErrors(*alice_, both), refused);
  EXPECT_EQ(IncrementalAlterConfigsErrors(*alice_, both), refused);
  const Codes twice = {Code(ErrorCode::kInvalidRequest), Code(ErrorCode::kInvalidRequest)};
  EXPECT_EQ(
      IncrementalAlterConfigsErrors(*alice_, {{kTopicConfigs, "conf"}, {kTopicConfigs, "conf"}}),
      twice);

  Grant(*admin_, kTopic, "conf", kLiteral, kAlice, kDescribeConfigs, kAllow);
  Grant(*admin_, kCluster, kClusterName, kLiteral, kAlice, kDescribeConfigs, kAllow);
  const auto described = DescribeConfigs(*alice_, both);
  EXPECT_EQ(ErrorsOf(described.results), allowed);
  for (const auto& result : described.results) {
    EXPECT_FALSE(result.configs.empty()) << "no configs for " << result.resource_name;
  }
  EXPECT_EQ(AlterConfigsErrors(*alice_, both), refused) << "DESCRIBE_CONFIGS is not ALTER_CONFIGS";
  EXPECT_EQ(IncrementalAlterConfigsErrors(*alice_, both), refused);

  Grant(*admin_, kTopic, "conf", kLiteral, kAlice, kAlterConfigs, kAllow);
  Grant(*admin_, kCluster, kClusterName, kLiteral, kAlice, kAlterConfigs, kAllow);
  EXPECT_EQ(AlterConfigsErrors(*alice_, both), allowed);
  EXPECT_EQ(IncrementalAlterConfigsErrors(*alice_, both), allowed);

  EXPECT_EQ(ErrorsOf(DescribeConfigs(*bob_, both).results), refused);
  Grant(*admin_, kTopic, "conf", kLiteral, kBob, kAlterConfigs, kAllow);
  Grant(*admin_, kCluster, kClusterName, kLiteral, kBob, kAlterConfigs, kAllow);
  EXPECT_EQ(ErrorsOf(DescribeConfigs(*bob_, both).results), allowed)
      << "ALTER_CONFIGS implies DESCRIBE_CONFIGS";
}

// ---- cluster ----

// DescribeLogDirs and ListPartitionReassignments need DESCRIBE on the cluster, ElectLeaders
// ALTER (which implies DESCRIBE), an idempotent producer's InitProducerId IDEMPOTENT_WRITE on the
// cluster or, as KIP-679 allows, an ALLOW for WRITE on some topic that no DENY wholly covers.
// Refused: CLUSTER_AUTHORIZATION_FAILED at the top where the version has a top-level error, and
// for each partition ElectLeaders names.
TEST_F(AclWireTest, ClusterApisNeedTheirOperationOnTheCluster) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "orders");

  // DescribeLogDirs: no log directory; the error too from v3.
  EXPECT_TRUE(DescribeLogDirs(*alice_, 1, "orders").results.empty());
  auto dirs = DescribeLogDirs(*alice_, 4, "orders");
  EXPECT_EQ(dirs.error_code, kClusterDenied);
  EXPECT_TRUE(dirs.results.empty());

  // ListPartitionReassignments: the partitions named, with no replicas.
  auto reassignments = ListPartitionReassignments(*alice_, "orders");
  EXPECT_EQ(reassignments.error_code, kClusterDenied);
  ASSERT_EQ(reassignments.topics.size(), 1u);
  EXPECT_EQ(reassignments.topics[0].name, "orders");
  ASSERT_EQ(reassignments.topics[0].partitions.size(), 1u);
  EXPECT_EQ(reassignments.topics[0].partitions[0].partition_index, 0);
  EXPECT_TRUE(reassignments.topics[0].partitions[0].replicas.empty());

  // ElectLeaders: each partition named; the error at the top too from v1.
  const Errors election_refused = {{"orders", kClusterDenied}};
  EXPECT_EQ(ElectionErrors(ElectLeaders(*alice_, 0, "orders")), election_refused);
  auto elected = ElectLeaders(*alice_, 2, "orders");
  EXPECT_EQ(elected.error_code, kClusterDenied);
  EXPECT_EQ(ElectionErrors(elected), election_refused);

  Grant(*admin_, kCluster, kClusterName, kLiteral, kAlice, kDescribe, kAllow);
  dirs = DescribeLogDirs(*alice_, 4, "orders");
  EXPECT_EQ(dirs.error_code, kNone);
  ASSERT_EQ(dirs.results.size(), 1u);
  ASSERT_EQ(dirs.results[0].topics.size(), 1u);
  EXPECT_EQ(dirs.results[0].topics[0].name, "orders");
  reassignments = ListPartitionReassignments(*alice_, "orders");
  EXPECT_EQ(reassignments.error_code, kNone);
  EXPECT_TRUE(reassignments.topics.empty()) << "a partition of one node is never reassigned";
  elected = ElectLeaders(*alice_, 2, "orders");
  EXPECT_EQ(elected.error_code, kClusterDenied) << "DESCRIBE is not ALTER";

  Grant(*admin_, kCluster, kClusterName, kLiteral, kAlice, kAlter, kAllow);
  elected = ElectLeaders(*alice_, 2, "orders");
  EXPECT_EQ(elected.error_code, kNone);
  EXPECT_EQ(ElectionErrors(elected), (Errors{{"orders", Code(ErrorCode::kElectionNotNeeded)}}));

  // InitProducerId of an idempotent producer.
  auto idempotent = InitProducerId(*bob_, std::nullopt);
  EXPECT_EQ(idempotent.error_code, kClusterDenied);
  EXPECT_EQ(idempotent.producer_id, -1);
  Grant(*admin_, kTopic, "orders", kLiteral, kBob, kWrite, kAllow);
  Grant(*admin_, kTopic, "ord", kPrefixed, kBob, kWrite, kDeny);
  EXPECT_EQ(InitProducerId(*bob_, std::nullopt).error_code, kClusterDenied)
      << "a DENY covers bob's one ALLOW for WRITE";
  Grant(*admin_, kTopic, "logs.", kPrefixed, kBob, kWrite, kAllow);
  idempotent = InitProducerId(*bob_, std::nullopt);
  EXPECT_EQ(idempotent.error_code, kNone) << "WRITE on the topics under logs.";
  EXPECT_GE(idempotent.producer_id, 0);

  EXPECT_EQ(InitProducerId(*alice_, std::nullopt).error_code, kClusterDenied)
      << "DESCRIBE and ALTER on the cluster are not IDEMPOTENT_WRITE";
  Grant(*admin_, kCluster, kClusterName, kLiteral, kAlice, kIdempotentWrite, kAllow);
  EXPECT_EQ(InitProducerId(*alice_, std::nullopt).error_code, kNone);
}

// ---- groups ----

// FindCoordinator for a group needs DESCRIBE on it (refused at the top at v3, per key at v4);
// JoinGroup, SyncGroup (after v5's protocol checks), Heartbeat and LeaveGroup need READ, refused
// at the top alone; DescribeGroups needs DESCRIBE and DeleteGroups DELETE, group by group.
// ListGroups lists only the groups the principal may DESCRIBE, unless it may DESCRIBE the cluster.
TEST_F(AclWireTest, GroupApisNeedReadDescribeOrDeleteOnTheGroup) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "orders");
  // "private", with an offset and no member: alice gets no binding on it until the end.
  ASSERT_EQ(Commit(*admin_, "private", {"orders"}, 1), (Errors{{"orders", kNone}}));

  // FindCoordinator.
  auto found = FindCoordinator(*alice_, kGroupKey, "team");
  EXPECT_EQ(found.error_code, kGroupDenied);
  EXPECT_EQ(found.node_id, -1);
  Grant(*admin_, kGroup, "team", kLiteral, kAlice, kRead, kAllow);
  found = FindCoordinator(*alice_, kGroupKey, "team");
  EXPECT_EQ(found.error_code, kNone);
  EXPECT_EQ(found.port, server_->port());
  EXPECT_EQ(FindCoordinatorErrors(*alice_, kGroupKey, {"team", "private"}),
            (Codes{kNone, kGroupDenied}));

  // JoinGroup.
  const auto refused_join = JoinGroup(*alice_, "private", "");
  EXPECT_EQ(refused_join.error_code, kGroupDenied);
  EXPECT_EQ(refused_join.member_id, "");
  auto joined = JoinGroup(*alice_, "team", "");
  ASSERT_EQ(joined.error_code, Code(ErrorCode::kMemberIdRequired));
  const std::string member = joined.member_id;
  joined = JoinGroup(*alice_, "team", member);
  ASSERT_EQ(joined.error_code, kNone);
  const int32_t generation = joined.generation_id;

  // SyncGroup: v5 without the protocol type and name is INCONSISTENT_GROUP_PROTOCOL first.
  EXPECT_EQ(SyncGroup(*alice_, "private", generation, member, /*with_protocol=*/false),
            Code(ErrorCode::kInconsistentGroupProtocol));
  EXPECT_EQ(SyncGroup(*alice_, "private", generation, member, /*with_protocol=*/true),
            kGroupDenied);
  EXPECT_EQ(SyncGroup(*alice_, "team", generation, member, /*with_protocol=*/true), kNone);

  // Heartbeat.
  EXPECT_EQ(Heartbeat(*alice_, "private", generation, member), kGroupDenied);
  EXPECT_EQ(Heartbeat(*alice_, "team", generation, member), kNone);

  // DescribeGroups.
  const auto described = DescribeGroups(*alice_, {"team", "private"});
  EXPECT_EQ(ErrorsOf(described.groups), (Codes{kNone, kGroupDenied}));
  ASSERT_EQ(described.groups.size(), 2u);
  EXPECT_EQ(described.groups[0].group_state, "Stable");
  EXPECT_EQ(described.groups[1].group_id, "private");
  EXPECT_EQ(described.groups[1].group_state, "") << "a refused group was described";
  EXPECT_TRUE(described.groups[1].members.empty());

  // ListGroups.
  EXPECT_EQ(ListedGroups(*alice_), Names{"team"});
  EXPECT_EQ(ListedGroups(*bob_), Names{});
  EXPECT_EQ(ListedGroups(*admin_), (Names{"team", "private"}));
  Grant(*admin_, kCluster, kClusterName, kLiteral, kBob, kDescribe, kAllow);
  EXPECT_EQ(ListedGroups(*bob_), (Names{"team", "private"}))
      << "DESCRIBE on the cluster lists every group";

  // LeaveGroup: refused at every version, with no member answered.
  for (int16_t version : {0, 3, 5}) {
    SCOPED_TRACE(version);
    const auto left = LeaveGroup(*alice_, version, "private", member);
    EXPECT_EQ(left.error_code, kGroupDenied);
    EXPECT_TRUE(left.members.empty());
  }
  const auto left = LeaveGroup(*alice_, 5, "team", member);
  EXPECT_EQ(left.error_code, kNone);
  EXPECT_EQ(ErrorsOf(left.members), Codes{kNone});

  // DeleteGroups.
  EXPECT_EQ(DeleteGroupsErrors(*alice_, {"team", "private"}), (Codes{kGroupDenied, kGroupDenied}));
  EXPECT_EQ(ListedGroups(*admin_), (Names{"team", "private"})) << "a refused group was deleted";
  Grant(*admin_, kGroup, "private", kLiteral, kAlice, kDelete, kAllow);
  EXPECT_EQ(DeleteGroupsErrors(*alice_, {"private"}), Codes{kNone});
  EXPECT_FALSE(ListedGroups(*admin_).contains("private"));
}

// ---- offsets ----

// OffsetCommit needs READ on the group (else every partition is GROUP_AUTHORIZATION_FAILED and
// nothing is committed) and on each topic (else its partitions are TOPIC_AUTHORIZATION_FAILED and
// the others are committed). OffsetFetch needs DESCRIBE on the group (refused per group at v8, at
// the top at v2-7, per partition asked at v0-1, with nothing fetched) and on each topic (a
// partition asked is refused with offset -1; a fetch of every topic leaves the topic out).
// OffsetDelete needs DELETE on the group (refused alone, with no topics) and READ on each topic.
TEST_F(AclWireTest, OffsetApisNeedTheGroupAndTheTopic) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "orders");
  CreateTopic(*admin_, "secrets");
  const std::vector<std::string> both = {"orders", "secrets"};
  ASSERT_EQ(Commit(*admin_, "shared", both, 5), (Errors{{"orders", kNone}, {"secrets", kNone}}));

  // OffsetCommit.
  EXPECT_EQ(Commit(*alice_, "shared", both, 9),
            (Errors{{"orders", kGroupDenied}, {"secrets", kGroupDenied}}));
  EXPECT_EQ(CommittedOffsets(*admin_, "shared", both), (Offsets{{"orders", 5}, {"secrets", 5}}));
  Grant(*admin_, kGroup, "shared", kLiteral, kAlice, kRead, kAllow);
  Grant(*admin_, kTopic, "orders", kLiteral, kAlice, kRead, kAllow);
  EXPECT_EQ(Commit(*alice_, "shared", both, 9),
            (Errors{{"orders", kNone}, {"secrets", kTopicDenied}}));
  EXPECT_EQ(CommittedOffsets(*admin_, "shared", both), (Offsets{{"orders", 9}, {"secrets", 5}}));

  // OffsetFetch, refused for the group.
  auto fetched = OffsetFetch(*bob_, 8, "shared", both);
  ASSERT_EQ(fetched.groups.size(), 1u);
  EXPECT_EQ(fetched.groups[0].group_id, "shared");
  EXPECT_EQ(fetched.groups[0].error_code, kGroupDenied);
  EXPECT_TRUE(fetched.groups[0].topics.empty());
  for (int16_t version : {2, 7}) {
    SCOPED_TRACE(version);
    fetched = OffsetFetch(*bob_, version, "shared", both);
    EXPECT_EQ(fetched.error_code, kGroupDenied);
    EXPECT_TRUE(fetched.topics.empty());
  }
  fetched = OffsetFetch(*bob_, 1, "shared", both);
  EXPECT_EQ(FetchErrors(fetched.topics),
            (Errors{{"orders", kGroupDenied}, {"secrets", kGroupDenied}}));
  EXPECT_EQ(FetchedOffsets(fetched.topics), (Offsets{{"orders", -1}, {"secrets", -1}}));

  // OffsetFetch, refused for a topic.
  fetched = OffsetFetch(*alice_, 8, "shared", both);
  ASSERT_EQ(fetched.groups.size(), 1u);
  EXPECT_EQ(fetched.groups[0].error_code, kNone);
  EXPECT_EQ(FetchErrors(fetched.groups[0].topics),
            (Errors{{"orders", kNone}, {"secrets", kTopicDenied}}));
  EXPECT_EQ(FetchedOffsets(fetched.groups[0].topics), (Offsets{{"orders", 9}, {"secrets", -1}}));
  fetched = OffsetFetch(*alice_, 8, "shared", std::nullopt);
  ASSERT_EQ(fetched.groups.size(), 1u);
  EXPECT_EQ(fetched.groups[0].error_code, kNone);
  EXPECT_EQ(FetchedOffsets(fetched.groups[0].topics), (Offsets{{"orders", 9}}))
      << "every topic: those alice may not DESCRIBE are left out";

  // OffsetDelete.
  auto deleted = OffsetDelete(*alice_, "shared", both);
  EXPECT_EQ(deleted.error_code, kGroupDenied);
  EXPECT_TRUE(deleted.topics.empty());
  Grant(*admin_, kGroup, "shared", kLiteral, kAlice, kDelete, kAllow);
  deleted = OffsetDelete(*alice_, "shared", both);
  EXPECT_EQ(deleted.error_code, kNone);
  EXPECT_EQ(ByTopic(deleted.topics, &kafka::OffsetDeleteResponseTopic::name,
                    &kafka::OffsetDeleteResponseTopic::partitions,
                    &kafka::OffsetDeleteResponsePartition::error_code),
            (Errors{{"orders", kNone}, {"secrets", kTopicDenied}}));
  EXPECT_EQ(CommittedOffsets(*admin_, "shared", both), (Offsets{{"orders", -1}, {"secrets", 5}}));
}

// ---- transactions ----

// FindCoordinator for a transactional id needs DESCRIBE on it; InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, EndTxn and TxnOffsetCommit need WRITE on it (refused for every partition where
// partitions are answered). Then AddPartitionsToTxn needs WRITE on each topic (a topic refused
// fails the request: the others are OPERATION_NOT_ATTEMPTED), AddOffsetsToTxn READ on the group,
// TxnOffsetCommit READ on the group (every partition refused) and on each topic.
// DescribeTransactions answers an id the principal may not DESCRIBE with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, and of the others only the topics it may DESCRIBE;
// ListTransactions lists only the ids it may DESCRIBE.
TEST_F(AclWireTest, TransactionApisNeedWriteOnTheTransactionalId) {
  ASSERT_NO_FATAL_FAILURE(Serve());
  CreateTopic(*admin_, "ledger");
  CreateTopic(*admin_, "secrets");
  const std::vector<std::string> both = {"ledger", "secrets"};

  // FindCoordinator, InitProducerId.
  auto found = FindCoordinator(*alice_, kTransactionKey, "tx");
  EXPECT_EQ(found.error_code, kTransactionalIdDenied);
  EXPECT_EQ(found.node_id, -1);
  auto refused_init = InitProducerId(*alice_, "tx"s);
  EXPECT_EQ(refused_init.error_code, kTransactionalIdDenied);
  EXPECT_EQ(refused_init.producer_id, -1);

  Grant(*admin_, kTransactionalId, "tx", kLiteral, kAlice, kWrite, kAllow);
  found = FindCoordinator(*alice_, kTransactionKey, "tx");
  EXPECT_EQ(found.error_code, kNone);
  EXPECT_EQ(found.port, server_->port());
  EXPECT_EQ(FindCoordinatorErrors(*alice_, kTransactionKey, {"tx", "other"}),
            (Codes{kNone, kTransactionalIdDenied}));
  const auto producer = InitProducerId(*alice_, "tx"s);
  ASSERT_EQ(producer.error_code, kNone);

  // AddPartitionsToTxn.
  EXPECT_EQ(AddPartitionsToTxnErrors(*bob_, "tx", producer, both),
            (Errors{{"ledger", kTransactionalIdDenied}, {"secrets", kTransactionalIdDenied}}));
  EXPECT_EQ(AddPartitionsToTxnErrors(*alice_, "tx", producer, both),
            (Errors{{"ledger", kTopicDenied}, {"secrets", kTopicDenied}}));
  Grant(*admin_, kTopic, "ledger", kLiteral, kAlice, kWrite, kAllow);
  EXPECT_EQ(
      AddPartitionsToTxnErrors(*alice_, "tx", producer, both),
      (Errors{{"ledger", Code(ErrorCode::kOperationNotAttempted)}, {"secrets", kTopicDenied}}));
  EXPECT_EQ(AddPartitionsToTxnErrors(*alice_, "tx", producer, {"ledger"}),
            (Errors{{"ledger", kNone}}));

  // AddOffsetsToTxn.
  EXPECT_EQ(AddOffsetsToTxn(*bob_, "tx", producer, "readers"), kTransactionalIdDenied);
  EXPECT_EQ(AddOffsetsToTxn(*alice_, "tx", producer, "readers"), kGroupDenied);
  Grant(*admin_, kGroup, "readers", kLiteral, kAlice, kRead, kAllow);
  EXPECT_EQ(AddOffsetsToTxn(*alice_, "tx", producer, "readers"), kNone);

  // TxnOffsetCommit.
  EXPECT_EQ(TxnOffsetCommitErrors(*bob_, "tx", producer, "readers", both, 7),
            (Errors{{"ledger", kTransactionalIdDenied}, {"secrets", kTransactionalIdDenied}}));
  EXPECT_EQ(TxnOffsetCommitErrors(*alice_, "tx", producer, "others", both, 7),
            (Errors{{"ledger", kGroupDenied}, {"secrets", kGroupDenied}}));
  Grant(*admin_, kTopic, "ledger", kLiteral, kAlice, kRead, kAllow);
  EXPECT_EQ(TxnOffsetCommitErrors(*alice_, "tx", producer, "readers", both, 3),
            (Errors{{"ledger", kNone}, {"secrets", kTopicDenied}}));

  // EndTxn.
  EXPECT_EQ(EndTxn(*bob_, "tx", producer, /*commit=*/true), kTransactionalIdDenied);
  EXPECT_EQ(EndTxn(*alice_, "tx", producer, /*commit=*/true), kNone);
  // The offsets are the group's once the commit's marker is written, just after the answer; the
  // group refused has none.
  Offsets committed;
  for (int i = 0; i < 100; ++i) {
    committed = CommittedOffsets(*admin_, "readers", both);
    if (committed == Offsets{{"ledger", 3}, {"secrets", -1}}) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(committed, (Offsets{{"ledger", 3}, {"secrets", -1}}));
  EXPECT_EQ(CommittedOffsets(*admin_, "others", both), (Offsets{{"ledger", -1}, {"secrets", -1}}));

  // DescribeTransactions, ListTransactions: admin's transaction holds a partition of each topic.
  const auto admins = InitProducerId(*admin_, "admin-tx"s);
  ASSERT_EQ(admins.error_code, kNone);
  ASSERT_EQ(AddPartitionsToTxnErrors(*admin_, "admin-tx", admins, both),
            (Errors{{"ledger", kNone}, {"secrets", kNone}}));
  EXPECT_EQ(ErrorsOf(DescribeTransactions(*bob_, {"tx"}).transaction_states),
            Codes{kTransactionalIdDenied});
  EXPECT_EQ(ErrorsOf(DescribeTransactions(*alice_, {"tx", "admin-tx"}).transaction_states),
            (Codes{kNone, kTransactionalIdDenied}));
  EXPECT_EQ(ListedTransactions(*alice_), Names{"tx"});
  EXPECT_EQ(ListedTransactions(*bob_), Names{});
  EXPECT_EQ(ListedTransactions(*admin_), (Names{"tx", "admin-tx"}));

  Grant(*admin_, kTransactionalId, "admin-tx", kLiteral, kAlice, kDescribe, kAllow);
  EXPECT_EQ(ListedTransactions(*alice_), (Names{"tx", "admin-tx"}));
  const auto described = DescribeTransactions(*alice_, {"admin-tx"});
  ASSERT_EQ(ErrorsOf(described.transaction_states), Codes{kNone});
  EXPECT_EQ(TopicsOf(described.transaction_states[0]), Names{"ledger"})
      << "a topic alice may not DESCRIBE is left out";
  const auto all = DescribeTransactions(*admin_, {"admin-tx"});
  ASSERT_EQ(ErrorsOf(all.transaction_states), Codes{kNone});
  EXPECT_EQ(TopicsOf(all.transaction_states[0]), (Names{"ledger", "secrets"}));
}

}  // namespace
}  // namespace herald
