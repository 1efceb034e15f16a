// The Kafka APIs Herald serves: keys, the version ranges it advertises and where each API's
// flexible versions begin.
//
// Ranges follow what real clients send: minima of 0 where librdkafka 2.0.2 checks for version 0.
// Flexible versions (compact encodings and tagged fields, schema.h) are served where an API's
// description (messages/) covers them: flexible_from at or below max_version.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "broker/error_code.h"

namespace herald::kafka {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kAddPartitionsToTxn = 24,
  kAddOffsetsToTxn = 25,
  kEndTxn = 26,
  kTxnOffsetCommit = 28,
  kDescribeAcls = 29,
  kCreateAcls = 30,
  kDeleteAcls = 31,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kDescribeLogDirs = 35,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kElectLeaders = 43,
  kIncrementalAlterConfigs = 44,
  kListPartitionReassignments = 46,
  kOffsetDelete = 47,
  kDescribeUserScramCredentials = 50,
  kAlterUserScramCredentials = 51,
  kDescribeCluster = 60,
  kDescribeProducers = 61,
  kDescribeTransactions = 65,
  kListTransactions = 66,
};

// flexible_from of an API that has no flexible versions.
inline constexpr int16_t kNeverFlexible = INT16_MAX;

struct ApiInfo {
  ApiKey key;
  std::string_view name;
  int16_t min_version;
  int16_t max_version;    // advertised
  int16_t flexible_from;  // first flexible version in Kafka's schema
};

inline constexpr std::array kApis = {
    ApiInfo{ApiKey::kProduce, "Produce", 3, 9, 9},
    ApiInfo{ApiKey::kFetch, "Fetch", 4, 17, 12},
    ApiInfo{ApiKey::kListOffsets, "ListOffsets", 0, 8, 6},
    ApiInfo{ApiKey::kMetadata, "Metadata", 0, 12, 9},
    ApiInfo{ApiKey::kOffsetCommit, "OffsetCommit", 0, 8, 8},
    ApiInfo{ApiKey::kOffsetFetch, "OffsetFetch", 0, 8, 6},
    ApiInfo{ApiKey::kFindCoordinator, "FindCoordinator", 0, 4, 3},
    ApiInfo{ApiKey::kJoinGroup, "JoinGroup", 0, 9, 6},
    ApiInfo{ApiKey::kHeartbeat, "Heartbeat", 0, 4, 4},
    ApiInfo{ApiKey::kLeaveGroup, "LeaveGroup", 0, 5, 4},
    ApiInfo{ApiKey::kSyncGroup, "SyncGroup", 0, 5, 4},
    ApiInfo{ApiKey::kDescribeGroups, "DescribeGroups", 0, 5, 5},
    ApiInfo{ApiKey::kListGroups, "ListGroups", 0, 4, 3},
    ApiInfo{ApiKey::kSaslHandshake, "SaslHandshake", 0, 1, kNeverFlexible},
    ApiInfo{ApiKey::kApiVersions, "ApiVersions", 0, 3, 3},
    ApiInfo{ApiKey::kCreateTopics, "CreateTopics", 0, 7, 5},
    ApiInfo{ApiKey::kDeleteTopics, "DeleteTopics", 0, 6, 4},
    ApiInfo{ApiKey::kDeleteRecords, "DeleteRecords", 0, 2, 2},
    ApiInfo{ApiKey::kInitProducerId, "InitProducerId", 0, 4, 2},
    ApiInfo{ApiKey::kOffsetForLeaderEpoch, "OffsetForLeaderEpoch", 0, 4, 4},
    ApiInfo{ApiKey::kAddPartitionsToTxn, "AddPartitionsToTxn", 0, 3, 3},
    ApiInfo{ApiKey::kAddOffsetsToTxn, "AddOffsetsToTxn", 0, 3, 3},
    ApiInfo{ApiKey::kEndTxn, "EndTxn", 0, 3, 3},
    ApiInfo{ApiKey::kTxnOffsetCommit, "TxnOffsetCommit", 0, 3, 3},
    ApiInfo{ApiKey::kDescribeAcls, "DescribeAcls", 0, 3, 2},
    ApiInfo{ApiKey::kCreateAcls, "CreateAcls", 0, 3, 2},
    ApiInfo{ApiKey::kDeleteAcls, "DeleteAcls", 0, 3, 2},
    ApiInfo{ApiKey::kDescribeConfigs, "DescribeConfigs", 0, 4, 4},
    ApiInfo{ApiKey::kAlterConfigs, "AlterConfigs", 0, 2, 2},
    ApiInfo{ApiKey::kDescribeLogDirs, "DescribeLogDirs", 0, 4, 2},
    ApiInfo{ApiKey::kSaslAuthenticate, "SaslAuthenticate", 0, 2, 2},
    ApiInfo{ApiKey::kCreatePartitions, "CreatePartitions", 0, 3, 2},
    ApiInfo{ApiKey::kDeleteGroups, "DeleteGroups", 0, 2, 2},
    ApiInfo{ApiKey::kElectLeaders, "ElectLeaders", 0, 2, 2},
    ApiInfo{ApiKey::kIncrementalAlterConfigs, "IncrementalAlterConfigs", 0, 1, 1},
    ApiInfo{ApiKey::kListPartitionReassignments, "ListPartitionReassignments", 0, 0, 0},
    ApiInfo{ApiKey::kOffsetDelete, "OffsetDelete", 0, 0, kNeverFlexible},
    ApiInfo{ApiKey::kDescribeUserScramCredentials, "DescribeUserScramCredentials", 0, 0, 0},
    ApiInfo{ApiKey::kAlterUserScramCredentials, "AlterUserScramCredentials", 0, 0, 0},
    ApiInfo{ApiKey::kDescribeCluster, "DescribeCluster", 0, 1, 0},
    ApiInfo{ApiKey::kDescribeProducers, "DescribeProducers", 0, 0, 0},
    ApiInfo{ApiKey::kDescribeTransactions, "DescribeTransactions", 0, 0, 0},
    ApiInfo{ApiKey::kListTransactions, "ListTransactions", 0, 0, 0},
};

// The APIs each connection answers itself (authentication state is the connection's), never
// passed to the RequestHandler.
constexpr bool AnsweredByConnection(ApiKey key) {
  return key == ApiKey::kSaslHandshake || key == ApiKey::kSaslAuthenticate;
}

// The entry for `key`, or nullptr when Herald does not serve it.
constexpr const ApiInfo* FindApi(int16_t key) {
  for (const auto& api : kApis) {
    if (static_cast<int16_t>(api.key) == key) return &api;
  }
  return nullptr;
}

// The protocol's error codes: broker/error_code.h (the broker answers in them too).
using broker::Code;
using broker::ErrorCode;
using broker::ErrorFor;

}  // namespace herald::kafka
