// InitProducerId (v0-4): a producer id and epoch for an idempotent or transactional producer
// (KIP-98).
//   - transactional_id null: a new producer id (unique across restarts), epoch 0; if the id
//     high-water mark cannot be persisted, COORDINATOR_NOT_AVAILABLE (15), which clients retry.
//     From v3 the request may carry the producer's current id and epoch, asking for a bump
//     (KIP-360); without a transactional id Kafka answers that with a new id too, and so do we.
//     One of the two without the other is INVALID_REQUEST (42), as in Kafka.
//   - transactional_id "": INVALID_REQUEST (42), as Kafka's TransactionCoordinator answers.
//   - any other transactional_id: the transaction coordinator's answer
//     (broker/transaction_coordinator.h): the id's producer id with its epoch bumped, which fences
//     the producer that held it. Before v4, PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH.
// Failed answers carry producer id -1 and epoch -1, as Kafka's do. Authorization comes first, as
// Kafka's (KafkaApis.handleInitProducerIdRequest): a transactional id needs WRITE on it, else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53); an idempotent producer needs IDEMPOTENT_WRITE on the
// cluster or WRITE on some topic (KIP-679), else CLUSTER_AUTHORIZATION_FAILED (31).
//
// DescribeProducers (v0): each partition's producers as its producer state remembers them (those
// that appended within producer.id.expiration.ms), with their epoch, last sequence, the last
// batch's timestamp and the first offset of the transaction each has open there (-1: none). Each
// topic needs READ, else its partitions are TOPIC_AUTHORIZATION_FAILED whether or not it exists
// (KafkaApis.handleDescribeProducersRequest).
#include "base/log.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/describe_producers.h"
#include "kafka/messages/init_producer_id.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;
using broker::ResourceType;

}  // namespace

void InitProducerId(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<InitProducerIdRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const Version version = ctx.version();
  auto answer = [version, done](ErrorCode error, int64_t producer_id, int16_t producer_epoch) {
    InitProducerIdResponse response;
    response.error_code = Code(FencedFor(error, version.number, 4));  // InitProducerId v4+
    response.producer_id = error == ErrorCode::kNone ? producer_id : -1;
    response.producer_epoch = error == ErrorCode::kNone ? producer_epoch : int16_t{-1};
    done(EncodeResponse(response, version));
  };
  const broker::Authorizer* authorizer = s.broker.authorizer();
  if (request->transactional_id.has_value()) {
    if (!AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kWrite,
                                     *request->transactional_id)) {
      return answer(ErrorCode::kTransactionalIdAuthorizationFailed, -1, -1);
    }
  } else if (authorizer != nullptr &&
             !AuthorizedOnCluster(s.broker, ctx, AclOperation::kIdempotentWrite, kQuiet) &&
             !authorizer->AuthorizeAny(ctx.principal, ctx.host, AclOperation::kWrite,
                                       ResourceType::kTopic)) {
    broker::AuditDenial(RequesterOf(ctx), AclOperation::kIdempotentWrite, ResourceType::kCluster,
                        broker::kClusterResourceName);
    return answer(ErrorCode::kClusterAuthorizationFailed, -1, -1);
  }
  if ((request->producer_id == -1) != (request->producer_epoch == -1)) {
    // As Kafka: a current id without an epoch, or an epoch without an id (v3+).
    return answer(ErrorCode::kInvalidRequest, -1, -1);
  }
  if (request->transactional_id.has_value()) {
    if (request->transactional_id->empty()) return answer(ErrorCode::kInvalidRequest, -1, -1);
    std::optional<std::pair<int64_t, int16_t>> expected;
    if (request->producer_id != -1) expected = {request->producer_id, request->producer_epoch};
    return s.txns.InitProducerId(*request->transactional_id, request->transaction_timeout_ms,
                                 expected, [answer](broker::TxnProducer p) {
                                   answer(p.error, p.producer_id, p.producer_epoch);
                                 });
  }
  auto id = s.broker.InitProducerId();
  if (!id.ok()) {
    LogError("producer_id_allocation_failed", {{"peer", ctx.peer}}, id.status().ToString());
    return answer(ErrorCode::kCoordinatorNotAvailable, -1, -1);
  }
  answer(ErrorCode::kNone, id->producer_id, id->producer_epoch);
}

void DescribeProducers(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeProducersRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(
          broker, ctx,
          PartitionEntries(request->topics, &DescribeProducersRequestTopic::partition_indexes),
          done)) {
    return;
  }
  DescribeProducersResponse response;
  for (const auto& t : request->topics) {
    DescribeProducersResponseTopic topic{t.name, {}};
    const bool readable = AuthorizedOnTopic(broker, ctx, AclOperation::kRead, t.name);
    for (int32_t index : t.partition_indexes) {
      DescribeProducersResponsePartition out;
      out.partition_index = index;
      if (!readable) {
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);
        out.error_message = "Topic authorization failed.";  // Kafka's message for the code
        topic.partitions.push_back(std::move(out));
        continue;
      }
      auto entries = broker.ProducerEntries(t.name, index);
      if (!entries.ok()) {
        out.error_code = Code(ErrorFor(entries.status()));  // unknown, offline, or unreadable
        out.error_message = entries.status().message();
      } else {
        for (const auto& [id, entry] : *entries) {
          out.active_producers.push_back(
              {id, entry.epoch, entry.last_seq(), entry.last_timestamp, -1, entry.txn_first_offset});
        }
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
