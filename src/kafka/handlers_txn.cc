// Transactions (KIP-98): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn (v0-3) for the transaction
// coordinator (broker::TransactionCoordinator), TxnOffsetCommit (v0-3) for the group coordinator.
// As Kafka's KafkaApis:
//   - AddPartitionsToTxn checks every partition first: an internal topic is
//     TOPIC_AUTHORIZATION_FAILED, a partition the broker does not have UNKNOWN_TOPIC_OR_PARTITION,
//     and when any fails the others are OPERATION_NOT_ATTEMPTED and nothing is added; otherwise
//     every partition gets the coordinator's answer.
//   - AddOffsetsToTxn adds the group's offsets partition (__consumer_offsets-0: there is one).
//   - Before v2 of these three, PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH, which older
//     clients know.
//   - TxnOffsetCommit answers a partition the broker does not have UNKNOWN_TOPIC_OR_PARTITION and
//     passes the others to the group coordinator, which keeps them pending until the transaction
//     ends; as Kafka since KIP-890, only when the producer's open transaction holds the offsets
//     partition (AddOffsetsToTxn), else the coordinator's error (INVALID_TXN_STATE, ...) for all.
// For operators, as Kafka's TransactionStateManager answers them (KIP-664):
//   - DescribeTransactions (v0): each id's state, timeout, start time (-1 with none open),
//     producer id and epoch, and partitions (while markers are written, those still owed one);
//     TRANSACTIONAL_ID_NOT_FOUND for an id the coordinator does not know.
//   - ListTransactions (v0): every id, or those of the states and producer ids asked for; a state
//     name Kafka does not have is listed back in unknown_state_filters and matches nothing.
// Each first makes the authorization checks KafkaApis makes (handle*Request), with its errors:
//   - AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit need WRITE on the
//     transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED: for every partition, where
//     partitions are answered); AddOffsetsToTxn and TxnOffsetCommit then READ on the group (else
//     GROUP_AUTHORIZATION_FAILED); AddPartitionsToTxn WRITE and TxnOffsetCommit READ on each topic,
//     checked before its partitions are looked up (else TOPIC_AUTHORIZATION_FAILED).
//   - DescribeTransactions answers an id the principal may not DESCRIBE
//     TRANSACTIONAL_ID_AUTHORIZATION_FAILED, and of the others only the topics it may DESCRIBE;
//     ListTransactions lists only the ids it may DESCRIBE.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/group_records.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/add_offsets_to_txn.h"
#include "kafka/messages/add_partitions_to_txn.h"
#include "kafka/messages/describe_transactions.h"
#include "kafka/messages/end_txn.h"
#include "kafka/messages/list_transactions.h"
#include "kafka/messages/txn_offset_commit.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;

// AddPartitionsToTxn, AddOffsetsToTxn and EndTxn know PRODUCER_FENCED from v2.
constexpr int16_t kFencedFrom = 2;

}  // namespace

void AddPartitionsToTxn(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<AddPartitionsToTxnRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(
          s.broker, ctx, PartitionEntries(request->topics, &AddPartitionsToTxnRequestTopic::partitions),
          done)) {
    return;
  }
  // Each partition's own error, NONE for those that may join.
  AddPartitionsToTxnResponse checked;
  broker::TransactionCoordinator::Partitions partitions;
  const bool id_authorized = AuthorizedOnTransactionalId(
      s.broker, ctx, AclOperation::kWrite, request->transactional_id);
  bool refused = !id_authorized;
  for (const auto& t : request->topics) {
    AddPartitionsToTxnResponseTopic topic{t.name, {}};
    // Not asked once the id is refused: every partition answers that.
    const bool writable = id_authorized && !broker::Broker::IsInternalTopic(t.name) &&
                          AuthorizedOnTopic(s.broker, ctx, AclOperation::kWrite, t.name);
    for (int32_t p : t.partitions) {
      ErrorCode e = ErrorCode::kNone;
      if (!id_authorized) {
        e = ErrorCode::kTransactionalIdAuthorizationFailed;
      } else if (!writable) {
        e = ErrorCode::kTopicAuthorizationFailed;
      } else if (s.broker.GetLog(t.name, p).status().code() == StatusCode::kNotFound) {
        e = ErrorCode::kUnknownTopicOrPartition;
      }
      refused = refused || e != ErrorCode::kNone;
      partitions[t.name].insert(p);
      topic.results_by_partition.push_back({p, Code(e)});
    }
    checked.results_by_topic_v3_and_below.push_back(std::move(topic));
  }
  const Version version = ctx.version();
  // Every partition gets `e`, except those with their own error when some were refused.
  auto answer = [version, done, checked](ErrorCode e) mutable {
    for (auto& topic : checked.results_by_topic_v3_and_below) {
      for (auto& p : topic.results_by_partition) {
        if (p.partition_error_code == Code(ErrorCode::kNone)) {
          p.partition_error_code = Code(FencedFor(e, version.number, kFencedFrom));
        }
      }
    }
    done(EncodeResponse(checked, version));
  };
  if (refused) return answer(ErrorCode::kOperationNotAttempted);
  s.txns.AddPartitions(request->transactional_id, request->producer_id, request->producer_epoch,
                       partitions, std::move(answer));
}

void AddOffsetsToTxn(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<AddOffsetsToTxnRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const Version version = ctx.version();
  ErrorCode refused = ErrorCode::kNone;
  if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kWrite,
                                   request->transactional_id)) {
    refused = ErrorCode::kTransactionalIdAuthorizationFailed;
  } else if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id)) {
    refused = ErrorCode::kGroupAuthorizationFailed;
  }
  if (refused != ErrorCode::kNone) {
    AddOffsetsToTxnResponse response;
    response.error_code = Code(refused);
    return done(EncodeResponse(response, version));
  }
  s.txns.AddPartitions(request->transactional_id, request->producer_id, request->producer_epoch,
                       {{broker::kOffsetsTopic, {0}}}, [version, done](ErrorCode e) {
                         AddOffsetsToTxnResponse response;
                         response.error_code = Code(FencedFor(e, version.number, kFencedFrom));
                         done(EncodeResponse(response, version));
                       });
}

void EndTxn(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<EndTxnRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const Version version = ctx.version();
  if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kWrite,
                                   request->transactional_id)) {
    EndTxnResponse response;
    response.error_code = Code(ErrorCode::kTransactionalIdAuthorizationFailed);
    return done(EncodeResponse(response, version));
  }
  s.txns.EndTxn(request->transactional_id, request->producer_id, request->producer_epoch,
                request->committed, [version, done](ErrorCode e) {
                  EndTxnResponse response;
                  response.error_code = Code(FencedFor(e, version.number, kFencedFrom));
                  done(EncodeResponse(response, version));
                });
}

void TxnOffsetCommit(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<TxnOffsetCommitRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(
          s.broker, ctx, PartitionEntries(request->topics, &TxnOffsetCommitRequestTopic::partitions),
          done)) {
    return;
  }
  // Every partition is refused for the transactional id or the group; else those of a topic the
  // principal may not READ are, before they are looked up.
  ErrorCode refused = ErrorCode::kNone;
  if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kWrite,
                                   request->transactional_id)) {
    refused = ErrorCode::kTransactionalIdAuthorizationFailed;
  } else if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id)) {
    refused = ErrorCode::kGroupAuthorizationFailed;
  }
  CommitPlan plan = PlanCommit(s.broker, ctx, request->topics, refused);
  const Version version = ctx.version();
  if (refused != ErrorCode::kNone) {
    TxnOffsetCommitResponse response;
    AnswerCommit(response, *plan.answered, {});
    return done(EncodeResponse(response, version));
  }
  // As for a transactional Produce (KIP-890): the offsets partition must be in the producer's
  // open transaction (AddOffsetsToTxn), or no marker would ever settle the offsets.
  const ErrorCode verified =
      s.txns.CheckPartition(request->transactional_id, request->producer_id,
                            request->producer_epoch, broker::kOffsetsTopic, 0);
  if (verified != ErrorCode::kNone) {
    for (auto& o : plan.commit) o.error = verified;
    TxnOffsetCommitResponse response;
    AnswerCommit(response, *plan.answered, plan.commit);
    return done(EncodeResponse(response, version));
  }
  s.groups.TxnCommit(request->group_id, request->producer_id, request->producer_epoch,
                     request->generation_id, request->member_id, request->group_instance_id,
                     std::move(plan.commit),
                     [version, done, answered = plan.answered](
                         std::vector<broker::CommittedOffset> results) {
                       TxnOffsetCommitResponse response;
                       AnswerCommit(response, *answered, results);
                       done(EncodeResponse(response, version));
                     });
}

void DescribeTransactions(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeTransactionsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  // Each id costs an answer: bounded as partition entries are.
  if (!WithinPartitionLimit(s.broker, ctx, request->transactional_ids.size(), done)) return;
  DescribeTransactionsResponse response;
  for (const auto& id : request->transactional_ids) {
    DescribeTransactionsResponseState state;
    state.transactional_id = id;
    if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kDescribe, id)) {
      state.error_code = Code(ErrorCode::kTransactionalIdAuthorizationFailed);
      response.transaction_states.push_back(std::move(state));
      continue;
    }
    std::optional<broker::TxnMetadata> txn =
        s.txns.offline().ok() ? s.txns.Describe(id) : std::nullopt;
    if (!s.txns.offline().ok()) {
      state.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    } else if (!txn) {
      state.error_code = Code(ErrorCode::kTransactionalIdNotFound);
    } else {
      state.transaction_state = std::string(broker::TxnStateName(txn->state));
      state.transaction_timeout_ms = txn->timeout_ms;
      state.transaction_start_time_ms = txn->started_ms;
      state.producer_id = txn->producer_id;
      state.producer_epoch = txn->producer_epoch;
      for (const auto& [topic, partitions] : txn->partitions) {
        // Only the topics the principal may DESCRIBE, as Kafka.
        if (!AuthorizedOnTopic(s.broker, ctx, AclOperation::kDescribe, topic, kQuiet)) continue;
        state.topics.push_back({topic, {partitions.begin(), partitions.end()}});
      }
    }
    response.transaction_states.push_back(std::move(state));
  }
  done(EncodeResponse(response, ctx.version()));
}

void ListTransactions(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListTransactionsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  ListTransactionsResponse response;
  if (!s.txns.offline().ok()) {
    response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    return done(EncodeResponse(response, ctx.version()));
  }
  std::set<broker::TxnState> states;
  for (const auto& name : request->state_filters) {
    if (name == "Dead") continue;  // Kafka's state of an id being removed: never listed
    if (auto state = broker::ParseTxnState(name)) {
      states.insert(*state);
    } else {
      response.unknown_state_filters.push_back(name);
    }
  }
  const std::set<int64_t> producers(request->producer_id_filters.begin(),
                                    request->producer_id_filters.end());
  for (const auto& [id, txn] : s.txns.List()) {
    if (!producers.empty() && !producers.contains(txn.producer_id)) continue;
    if (!request->state_filters.empty() && !states.contains(txn.state)) continue;
    if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kDescribe, id, kQuiet)) {
      continue;
    }
    response.transaction_states.push_back(
        {id, txn.producer_id, std::string(broker::TxnStateName(txn.state))});
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
