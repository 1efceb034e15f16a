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
//     ends.
#include "broker/group_records.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/add_offsets_to_txn.h"
#include "kafka/messages/add_partitions_to_txn.h"
#include "kafka/messages/end_txn.h"
#include "kafka/messages/txn_offset_commit.h"

namespace herald::kafka::handlers {
namespace {

// PRODUCER_FENCED (KIP-588) is known to clients from v2 of AddPartitionsToTxn, AddOffsetsToTxn
// and EndTxn; earlier versions are told INVALID_PRODUCER_EPOCH.
ErrorCode ForVersion(ErrorCode e, int16_t version) {
  return e == ErrorCode::kProducerFenced && version < 2 ? ErrorCode::kInvalidProducerEpoch : e;
}

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
  bool refused = false;
  for (const auto& t : request->topics) {
    AddPartitionsToTxnResponseTopic topic{t.name, {}};
    for (int32_t p : t.partitions) {
      ErrorCode e = ErrorCode::kNone;
      if (broker::Broker::IsInternalTopic(t.name)) {
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
          p.partition_error_code = Code(ForVersion(e, version.number));
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
  s.txns.AddPartitions(request->transactional_id, request->producer_id, request->producer_epoch,
                       {{broker::kOffsetsTopic, {0}}}, [version, done](ErrorCode e) {
                         AddOffsetsToTxnResponse response;
                         response.error_code = Code(ForVersion(e, version.number));
                         done(EncodeResponse(response, version));
                       });
}

void EndTxn(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<EndTxnRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const Version version = ctx.version();
  s.txns.EndTxn(request->transactional_id, request->producer_id, request->producer_epoch,
                request->committed, [version, done](ErrorCode e) {
                  EndTxnResponse response;
                  response.error_code = Code(ForVersion(e, version.number));
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
  CommitPlan plan = PlanCommit(s.broker, request->topics);
  const Version version = ctx.version();
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

}  // namespace herald::kafka::handlers
