// The handler of each API (one function per API key, grouped by file: handlers_*.cc). handlers.cc
// dispatches to them by key. Internal to kafka/.
#pragma once

#include <algorithm>

#include "base/status.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "kafka/api.h"
#include "kafka/server.h"

namespace herald::kafka::handlers {

using Handler = void (*)(broker::Broker&, RequestContext, Respond);

void ApiVersions(broker::Broker&, RequestContext, Respond);
void Metadata(broker::Broker&, RequestContext, Respond);
void DescribeCluster(broker::Broker&, RequestContext, Respond);
void Produce(broker::Broker&, RequestContext, Respond);
void Fetch(broker::Broker&, RequestContext, Respond);
void ListOffsets(broker::Broker&, RequestContext, Respond);
void CreateTopics(broker::Broker&, RequestContext, Respond);
void DeleteTopics(broker::Broker&, RequestContext, Respond);
void CreatePartitions(broker::Broker&, RequestContext, Respond);
void DescribeConfigs(broker::Broker&, RequestContext, Respond);
void AlterConfigs(broker::Broker&, RequestContext, Respond);
void IncrementalAlterConfigs(broker::Broker&, RequestContext, Respond);
void DeleteRecords(broker::Broker&, RequestContext, Respond);
void OffsetForLeaderEpoch(broker::Broker&, RequestContext, Respond);
void InitProducerId(broker::Broker&, RequestContext, Respond);
void DescribeProducers(broker::Broker&, RequestContext, Respond);
void DescribeLogDirs(broker::Broker&, RequestContext, Respond);
void ElectLeaders(broker::Broker&, RequestContext, Respond);
void ListPartitionReassignments(broker::Broker&, RequestContext, Respond);

// Group APIs also need the coordinator.
struct GroupServices {
  broker::Broker& broker;
  broker::GroupCoordinator& groups;
};
using GroupHandler = void (*)(GroupServices&, RequestContext, Respond);

void FindCoordinator(GroupServices&, RequestContext, Respond);
void JoinGroup(GroupServices&, RequestContext, Respond);
void SyncGroup(GroupServices&, RequestContext, Respond);
void Heartbeat(GroupServices&, RequestContext, Respond);
void LeaveGroup(GroupServices&, RequestContext, Respond);
void OffsetCommit(GroupServices&, RequestContext, Respond);
void OffsetFetch(GroupServices&, RequestContext, Respond);
void OffsetDelete(GroupServices&, RequestContext, Respond);
void DescribeGroups(GroupServices&, RequestContext, Respond);
void ListGroups(GroupServices&, RequestContext, Respond);
void DeleteGroups(GroupServices&, RequestContext, Respond);

// Answers a request whose body does not decode: Kafka closes the connection.
void RejectMalformed(const RequestContext& ctx, const Status& why, const Respond& done);

// Whether a request naming `entries` partitions is within the broker's max_partitions_per_request;
// when it is not, closes the connection (as RejectMalformed) and returns false.
bool WithinPartitionLimit(const broker::Broker& broker, const RequestContext& ctx, size_t entries,
                          const Respond& done);

// The partition entries of a request whose `topics` each hold `partitions` (Produce, Fetch,
// ListOffsets, ...).
template <typename Topics, typename Member>
size_t PartitionEntries(const Topics& topics, Member partitions) {
  size_t n = 0;
  // A topic with no partitions still costs an answer: it counts as one entry.
  for (const auto& t : topics) n += std::max<size_t>(1, (t.*partitions).size());
  return n;
}

// One node, one leader epoch that never changes: every partition's leader epoch is 0.
inline constexpr int32_t kLeaderEpoch = 0;

// Kafka's check of a client's current leader epoch (ListOffsets v4+, Fetch v9+,
// OffsetForLeaderEpoch v2+): -1 skips it, a later epoch is UNKNOWN_LEADER_EPOCH, an earlier one
// FENCED_LEADER_EPOCH.
constexpr ErrorCode CheckLeaderEpoch(int32_t current_leader_epoch) {
  if (current_leader_epoch == -1 || current_leader_epoch == kLeaderEpoch) return ErrorCode::kNone;
  return current_leader_epoch > kLeaderEpoch ? ErrorCode::kUnknownLeaderEpoch
                                             : ErrorCode::kFencedLeaderEpoch;
}

}  // namespace herald::kafka::handlers
