// What a cluster of one node answers about its disks, replicas and leaders: DescribeLogDirs,
// ElectLeaders and ListPartitionReassignments. The node leads every partition and moves no
// replica, so no election is ever needed and no reassignment is ever in progress; the answers are
// Kafka's for that case. Each needs a permission on the cluster, as Kafka's: DESCRIBE for
// DescribeLogDirs and ListPartitionReassignments, ALTER for ElectLeaders; without it the answer is
// CLUSTER_AUTHORIZATION_FAILED.
#include <filesystem>
#include <string>
#include <vector>

#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/describe_log_dirs.h"
#include "kafka/messages/elect_leaders.h"
#include "kafka/messages/list_partition_reassignments.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;

bool PartitionExists(const broker::Broker& broker, const std::string& topic, int32_t partition) {
  return broker.GetLog(topic, partition).status().code() != StatusCode::kNotFound;
}

// The partition's answer when its log is open: its size on disk. Offline partitions are left
// out, as Kafka leaves out the partitions of a log directory it cannot read.
void AddPartition(const broker::Broker& broker, const std::string& topic, int32_t partition,
                  DescribeLogDirsResponseResult& dir) {
  auto log = broker.GetLog(topic, partition);
  if (!log.ok()) return;
  if (dir.topics.empty() || dir.topics.back().name != topic) dir.topics.push_back({topic, {}});
  dir.topics.back().partitions.push_back(
      {partition, static_cast<int64_t>((*log)->size_bytes()), 0, false});
}

}  // namespace

// One log directory, the data directory (absolute, as Kafka names it), with the partitions asked
// for (every one for a null list; unknown ones are left out, as in Kafka) and, from v4, the
// size of its disk and the bytes still usable there. Without DESCRIBE on the cluster: no log
// directory, and from v3 the error (KafkaApis.handleDescribeLogDirsRequest).
void DescribeLogDirs(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeLogDirsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (request->topics &&
      !WithinPartitionLimit(
          broker, ctx, PartitionEntries(*request->topics, &DescribeLogDirsRequestTopic::partitions),
          done)) {
    return;
  }
  DescribeLogDirsResponse response;
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kDescribe)) {
    response.error_code = Code(ErrorCode::kClusterAuthorizationFailed);
    return done(EncodeResponse(response, ctx.version()));
  }
  auto& dir = response.results.emplace_back();
  std::error_code ignored;
  const auto absolute = std::filesystem::absolute(broker.data_dir(), ignored);
  dir.log_dir = absolute.empty() ? broker.data_dir() : absolute.lexically_normal().string();
  if (dir.log_dir.size() > 1 && dir.log_dir.back() == '/') dir.log_dir.pop_back();
  if (!request->topics) {
    for (const auto& t : broker.ListTopics()) {
      for (int32_t p = 0; p < t.partitions; ++p) AddPartition(broker, t.name, p, dir);
    }
  } else {
    for (const auto& t : *request->topics) {
      for (int32_t p : t.partitions) AddPartition(broker, t.topic, p, dir);
    }
  }
  if (auto space = broker.disk_space(); space.ok()) {
    dir.total_bytes = static_cast<int64_t>(space->total_bytes);
    dir.usable_bytes = static_cast<int64_t>(space->usable_bytes);
  }
  done(EncodeResponse(response, ctx.version()));
}

// As Kafka's controller: each partition named is answered ELECTION_NOT_NEEDED (its only replica
// leads it) or UNKNOWN_TOPIC_OR_PARTITION; a null list (every partition) leaves out those that
// need no election, so it is answered with none. Without ALTER on the cluster the answer is
// CLUSTER_AUTHORIZATION_FAILED, else an election type other than preferred (0) or unclean (1) is
// INVALID_REQUEST: either is the answer's error (v1+) and every named partition's, as in Kafka
// (KafkaApis.handleElectLeaders).
void ElectLeaders(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ElectLeadersRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (request->topic_partitions &&
      !WithinPartitionLimit(
          broker, ctx,
          PartitionEntries(*request->topic_partitions, &ElectLeadersRequestTopic::partitions),
          done)) {
    return;
  }
  ElectLeadersResponse response;
  ErrorCode refused = ErrorCode::kNone;
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kAlter)) {
    refused = ErrorCode::kClusterAuthorizationFailed;
  } else if (request->election_type != 0 && request->election_type != 1) {
    refused = ErrorCode::kInvalidRequest;
  }
  response.error_code = Code(refused);
  if (request->topic_partitions) {
    for (const auto& t : *request->topic_partitions) {
      auto& topic = response.replica_election_results.emplace_back();
      topic.topic = t.topic;
      for (int32_t p : t.partitions) {
        ErrorCode error = refused;
        if (error == ErrorCode::kNone) {
          error = PartitionExists(broker, t.topic, p) ? ErrorCode::kElectionNotNeeded
                                                      : ErrorCode::kUnknownTopicOrPartition;
        }
        topic.partition_result.push_back({p, Code(error), std::nullopt});
      }
    }
  }
  done(EncodeResponse(response, ctx.version()));
}

// As Kafka's controller, which lists only partitions being reassigned (and skips unknown topics):
// always none here. Without DESCRIBE on the cluster, Kafka's error answer: the error, with each
// partition named and no replicas.
void ListPartitionReassignments(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListPartitionReassignmentsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  ListPartitionReassignmentsResponse response;
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kDescribe)) {
    response.error_code = Code(ErrorCode::kClusterAuthorizationFailed);
    response.error_message = "Cluster authorization failed: DESCRIBE on the cluster is needed";
    if (request->topics) {
      for (const auto& t : *request->topics) {
        auto& topic = response.topics.emplace_back();
        topic.name = t.name;
        for (int32_t p : t.partition_indexes) topic.partitions.push_back({p, {}, {}, {}});
      }
    }
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
