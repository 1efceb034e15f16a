// InitProducerId (v0-4): a producer id and epoch for an idempotent producer (KIP-98).
//
// Herald has no transaction coordinator yet, so only non-transactional producers get an id:
//   - transactional_id null: a new producer id (unique across restarts), epoch 0; if the id
//     high-water mark cannot be persisted, COORDINATOR_NOT_AVAILABLE (15), which clients retry.
//     From v3 the request may carry the producer's current id and epoch, asking for a bump
//     (KIP-360); without a transactional id Kafka answers that with a new id too, and so do we.
//     One of the two without the other is INVALID_REQUEST (42), as in Kafka.
//   - transactional_id "": INVALID_REQUEST (42), as Kafka's TransactionCoordinator answers.
//   - any other transactional_id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53). In Kafka
//     (KafkaApis.handleInitProducerIdRequest) this is the one answer a broker gives a
//     transactional InitProducerId before consulting a coordinator, when the principal may not use
//     transactional ids: exactly the case here, where no transactional id may be used. Clients
//     treat it as fatal, so init_transactions() fails at once with a clear error instead of
//     retrying until it times out, as the coordinator errors (NOT_COORDINATOR,
//     COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) would make it. Produce answers
//     transactional batches the same way (handlers_produce.cc), as Kafka does without
//     authorization.
// Failed answers carry producer id -1 and epoch -1, as Kafka's do.
//
// DescribeProducers (v0): each partition's producers as its producer state remembers them (those
// that appended within producer.id.expiration.ms), with their epoch, last sequence and the last
// batch's timestamp. No transactions: the coordinator epoch is -1 and no transaction is open.
#include "base/log.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/describe_producers.h"
#include "kafka/messages/init_producer_id.h"

namespace herald::kafka::handlers {
void InitProducerId(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<InitProducerIdRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  InitProducerIdResponse response;
  response.producer_id = -1;
  response.producer_epoch = -1;
  if ((request->producer_id == -1) != (request->producer_epoch == -1)) {
    // As Kafka: a current id without an epoch, or an epoch without an id (v3+).
    response.error_code = Code(ErrorCode::kInvalidRequest);
  } else if (request->transactional_id.has_value()) {
    response.error_code = Code(request->transactional_id->empty()
                                   ? ErrorCode::kInvalidRequest
                                   : ErrorCode::kTransactionalIdAuthorizationFailed);
  } else {
    auto id = broker.InitProducerId();
    if (id.ok()) {
      response.producer_id = id->producer_id;
      response.producer_epoch = id->producer_epoch;
    } else {
      LogError("producer_id_allocation_failed", {{"peer", ctx.peer}}, id.status().ToString());
      response.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    }
  }
  done(EncodeResponse(response, ctx.version()));
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
    for (int32_t index : t.partition_indexes) {
      DescribeProducersResponsePartition out;
      out.partition_index = index;
      auto entries = broker.ProducerEntries(t.name, index);
      if (!entries.ok()) {
        out.error_code = Code(ErrorFor(entries.status()));  // unknown, offline, or unreadable
        out.error_message = entries.status().message();
      } else {
        for (const auto& [id, entry] : *entries) {
          out.active_producers.push_back(
              {id, entry.epoch, entry.last_seq(), entry.last_timestamp, -1, -1});
        }
      }
      topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(topic));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace herald::kafka::handlers
