// The handler of each API (one function per API key, grouped by file: handlers_*.cc). handlers.cc
// dispatches to them by key. Internal to kafka/.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "broker/authorizer.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/transaction_coordinator.h"
#include "kafka/api.h"
#include "kafka/server.h"
#include "security/users.h"

namespace herald::kafka::handlers {

using Handler = void (*)(broker::Broker&, RequestContext, Respond);

// The host and port the clients of `ctx`'s listener are told to use.
inline std::pair<std::string, int32_t> AdvertisedEndpoint(const broker::Broker& broker,
                                                          const RequestContext& ctx) {
  if (ctx.advertised != nullptr) return {ctx.advertised->host, ctx.advertised->port};
  return {broker.options().advertised_host, broker.options().advertised_port};
}

void ApiVersions(broker::Broker&, RequestContext, Respond);
void Metadata(broker::Broker&, RequestContext, Respond);
void DescribeCluster(broker::Broker&, RequestContext, Respond);
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
void DescribeProducers(broker::Broker&, RequestContext, Respond);
void DescribeLogDirs(broker::Broker&, RequestContext, Respond);
void ElectLeaders(broker::Broker&, RequestContext, Respond);
void ListPartitionReassignments(broker::Broker&, RequestContext, Respond);
void DescribeAcls(broker::Broker&, RequestContext, Respond);
void CreateAcls(broker::Broker&, RequestContext, Respond);
void DeleteAcls(broker::Broker&, RequestContext, Respond);

// Group and transaction APIs also need their coordinators.
struct Services {
  broker::Broker& broker;
  broker::GroupCoordinator& groups;
  broker::TransactionCoordinator& txns;
  security::UserStore* users;  // the SCRAM users; null where none are kept
};
using ServiceHandler = void (*)(Services&, RequestContext, Respond);

void FindCoordinator(Services&, RequestContext, Respond);
void JoinGroup(Services&, RequestContext, Respond);
void SyncGroup(Services&, RequestContext, Respond);
void Heartbeat(Services&, RequestContext, Respond);
void LeaveGroup(Services&, RequestContext, Respond);
void OffsetCommit(Services&, RequestContext, Respond);
void OffsetFetch(Services&, RequestContext, Respond);
void OffsetDelete(Services&, RequestContext, Respond);
void DescribeGroups(Services&, RequestContext, Respond);
void ListGroups(Services&, RequestContext, Respond);
void DeleteGroups(Services&, RequestContext, Respond);
void Produce(Services&, RequestContext, Respond);
void InitProducerId(Services&, RequestContext, Respond);
void AddPartitionsToTxn(Services&, RequestContext, Respond);
void AddOffsetsToTxn(Services&, RequestContext, Respond);
void EndTxn(Services&, RequestContext, Respond);
void TxnOffsetCommit(Services&, RequestContext, Respond);
void DescribeTransactions(Services&, RequestContext, Respond);
void ListTransactions(Services&, RequestContext, Respond);
void DescribeUserScramCredentials(Services&, RequestContext, Respond);
void AlterUserScramCredentials(Services&, RequestContext, Respond);

// Answers a request whose body does not decode: Kafka closes the connection.
void RejectMalformed(const RequestContext& ctx, const Status& why, const Respond& done);

// Authorization, as Kafka's handlers ask it (broker/authorizer.h): whether the request's principal,
// from its host, may do `op` on the resource. Always true when the broker has no authorizer. A
// refusal is an audit event unless `on_denial` is kQuiet: a check that only filters what an
// answer lists, or is tried before the one that decides (the cluster before the topic).
bool Authorized(const broker::Broker& broker, const RequestContext& ctx, broker::AclOperation op,
                broker::ResourceType type, std::string_view name,
                broker::OnDenial on_denial = broker::OnDenial::kAudit);
inline constexpr broker::OnDenial kQuiet = broker::OnDenial::kQuiet;
// The request's principal, host and API, as the audit log names them.
broker::Requester RequesterOf(const RequestContext& ctx);
inline bool AuthorizedOnCluster(const broker::Broker& broker, const RequestContext& ctx,
                                broker::AclOperation op,
                                broker::OnDenial on_denial = broker::OnDenial::kAudit) {
  return Authorized(broker, ctx, op, broker::ResourceType::kCluster, broker::kClusterResourceName,
                    on_denial);
}
inline bool AuthorizedOnTopic(const broker::Broker& broker, const RequestContext& ctx,
                              broker::AclOperation op, std::string_view topic,
                              broker::OnDenial on_denial = broker::OnDenial::kAudit) {
  return Authorized(broker, ctx, op, broker::ResourceType::kTopic, topic, on_denial);
}
inline bool AuthorizedOnGroup(const broker::Broker& broker, const RequestContext& ctx,
                              broker::AclOperation op, std::string_view group,
                              broker::OnDenial on_denial = broker::OnDenial::kAudit) {
  return Authorized(broker, ctx, op, broker::ResourceType::kGroup, group, on_denial);
}
inline bool AuthorizedOnTransactionalId(const broker::Broker& broker, const RequestContext& ctx,
                                        broker::AclOperation op, std::string_view id,
                                        broker::OnDenial on_denial = broker::OnDenial::kAudit) {
  return Authorized(broker, ctx, op, broker::ResourceType::kTransactionalId, id, on_denial);
}

// Runs `handler` on the broker's admin thread (work that writes and syncs files stays off the
// network threads); an exception it throws closes the request's connection.
void OnAdminThread(broker::Broker& broker, RequestContext ctx, Respond done,
                   void (*handler)(broker::Broker&, RequestContext, Respond));
void OnAdminThread(Services& services, RequestContext ctx, Respond done, ServiceHandler handler);

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

// The offsets a commit names (OffsetCommit, TxnOffsetCommit), in the request's order, as Kafka
// answers them: a partition already refused (its error set) is answered so, and one the broker
// does not have is UNKNOWN_TOPIC_OR_PARTITION, neither committed; the others go to the
// coordinator (`commit`).
struct CommitPlan {
  std::vector<broker::CommittedOffset> commit;
  std::shared_ptr<std::vector<broker::CommittedOffset>> answered;
};
CommitPlan PlanCommitOf(const broker::Broker& broker, std::vector<broker::CommittedOffset> asked);
// The request's offsets planned: every partition gets `refused` when it is not kNone (the group
// or transactional id was refused); else a topic the principal may not READ is
// TOPIC_AUTHORIZATION_FAILED, before it is looked up.
template <typename Topics>
CommitPlan PlanCommit(const broker::Broker& broker, const RequestContext& ctx,
                      const Topics& topics, ErrorCode refused) {
  std::vector<broker::CommittedOffset> asked;
  for (const auto& t : topics) {
    ErrorCode e = refused;
    if (e == ErrorCode::kNone && !AuthorizedOnTopic(broker, ctx, broker::AclOperation::kRead, t.name)) {
      e = ErrorCode::kTopicAuthorizationFailed;
    }
    for (const auto& p : t.partitions) {
      asked.push_back({t.name, p.partition_index, p.committed_offset, p.committed_metadata, e});
    }
  }
  return PlanCommitOf(broker, std::move(asked));
}
// The coordinator's `results` (one per partition it was given, in order) into `answered`.
void MergeCommitResults(std::vector<broker::CommittedOffset>& answered,
                        const std::vector<broker::CommittedOffset>& results);
// A commit's response (OffsetCommit, TxnOffsetCommit): every partition asked, topic by topic.
template <typename Response>
void AnswerCommit(Response& response, std::vector<broker::CommittedOffset>& answered,
                  const std::vector<broker::CommittedOffset>& results) {
  MergeCommitResults(answered, results);
  for (const auto& o : answered) {
    if (response.topics.empty() || response.topics.back().name != o.topic) {
      response.topics.push_back({o.topic, {}});
    }
    response.topics.back().partitions.push_back({o.partition, Code(o.error)});
  }
}

// PRODUCER_FENCED (KIP-588) as a client at `version` of an API that knows it from `known_from`
// understands it: older versions are told INVALID_PRODUCER_EPOCH, as Kafka answers them.
constexpr ErrorCode FencedFor(ErrorCode e, int16_t version, int16_t known_from) {
  return e == ErrorCode::kProducerFenced && version < known_from ? ErrorCode::kInvalidProducerEpoch
                                                                 : e;
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
