// Produce: validate each partition's record batches, append them, answer when the requested
// acknowledgement level is met (acks=0: never; 1: written; -1/all: fsynced). With acks=0 any
// partition's error closes the connection instead, as Kafka does.
//
// Idempotent producers (KIP-98): batches with a producer id go through the partition's producer
// state (broker/producer_state.h). A retried duplicate is answered with the original base offset
// and not written again; a refused batch gets its error (OUT_OF_ORDER_SEQUENCE_NUMBER,
// INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID, CORRUPT_MESSAGE). A transactional batch opens the
// producer's transaction on its partition (or joins it) and the transaction coordinator's marker
// ends it. As Kafka since KIP-890, the coordinator must already list the partition in the
// producer's open transaction (AddPartitionsToTxn), or the batch is refused INVALID_TXN_STATE (an
// unknown transactional id INVALID_PRODUCER_ID_MAPPING, a fenced epoch INVALID_PRODUCER_EPOCH): a
// batch outside the transaction would get no marker and hold read_committed consumers back.
//
// Authorization, as Kafka's (KafkaApis.handleProduceRequest): a request holding a transactional
// batch needs a transactional id the principal may WRITE, else every partition is answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED and nothing of it is written. Each topic needs WRITE, else
// its partitions are TOPIC_AUTHORIZATION_FAILED (whether or not it exists) and are not written.
// As Kafka since KIP-679, idempotent batches need no IDEMPOTENT_WRITE: InitProducerId checks it.
//
// Quotas (broker/quotas.h): the request's bytes count against the principal's produce byte rate;
// over it, the answer carries throttle_time_ms and the connection reads nothing more for as long.
#include <atomic>
#include <set>
#include <string_view>
#include <utility>

#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/produce.h"
#include "storage/record_batch.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclOperation;

// A partition's record set must be exactly one batch, valid as Kafka's LogValidator requires
// (storage::ValidatedBatch::CheckProduced); Kafka refuses more than one batch per partition from a
// client (INVALID_RECORD, answered CORRUPT_MESSAGE before Produce v8). Compressed records may not
// decompress to more than the topic's max.message.bytes (kInvalidArgument, MESSAGE_TOO_LARGE):
// decompression stops there.
Result<storage::ValidatedBatch> CheckRecords(MutableByteView records, size_t max_message_bytes) {
  HERALD_ASSIGN_OR_RETURN(auto header, storage::ParseBatchHeader(records));
  if (header.size() < records.size()) {
    return Corruption("{} bytes follow the first record batch: one batch per partition",
                      records.size() - header.size());
  }
  if (header.size() > records.size()) {
    return Corruption("record batch of {} bytes runs past the {} bytes sent", header.size(),
                      records.size());
  }
  return storage::ValidatedBatch::CheckProduced(records, max_message_bytes);
}

ErrorCode AppendError(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return ErrorCode::kMessageTooLarge;
  return ErrorFor(s);
}

// Whether any partition's batch header says it is transactional (a header that does not parse
// is reported later, by CheckRecords).
bool HasTransactionalBatch(const ProduceRequest& request) {
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      if (!p.records.bytes) continue;
      auto header = storage::ParseBatchHeader(*p.records.bytes);
      if (header.ok() && header->transactional()) return true;
    }
  }
  return false;
}

// The same error for every partition of the request.
ProduceResponse ErrorForAll(const ProduceRequest& request, ErrorCode error) {
  ProduceResponse response;
  for (const auto& t : request.topics) {
    ProduceResponseTopic topic{t.name, {}};
    for (const auto& p : t.partitions) {
      ProduceResponsePartition out;
      out.partition_index = p.partition_index;
      out.error_code = Code(error);
      out.base_offset = -1;
      topic.partitions.push_back(out);
    }
    response.responses.push_back(std::move(topic));
  }
  return response;
}

// What a produce request waits for: the answers of all its appends.
struct Pending {
  Mutex mu;
  ProduceResponse response;
  std::atomic<int> outstanding{1};  // one extra until every append is issued
  std::atomic<bool> append_failed{false};
  Version version;
  Respond done;
  bool send = true;
  int64_t throttle_ms = 0;  // the principal's produce quota

  void Finish() {
    if (outstanding.fetch_sub(1) != 1) return;
    if (!send) return;
    response.throttle_time_ms = static_cast<int32_t>(throttle_ms);
    Response r = EncodeResponse(response, version);
    r.throttle_ms = throttle_ms;
    done(std::move(r));
  }
};

// A partition named twice in one request (no client does that; each entry would be validated and
// appended again). Kafka keeps only the last; Herald refuses the request.
Status CheckNoRepeatedPartition(const ProduceRequest& request) {
  std::set<std::pair<std::string_view, int32_t>> seen;
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      if (!seen.emplace(t.name, p.partition_index).second) {
        return InvalidArgument("partition {}-{} appears more than once in one produce request",
                               t.name, p.partition_index);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

void Produce(Services& services, RequestContext ctx, Respond done) {
  broker::Broker& broker = services.broker;
  auto request = DecodeRequest<ProduceRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const size_t entries = PartitionEntries(request->topics, &ProduceRequestTopic::partitions);
  if (!WithinPartitionLimit(broker, ctx, entries, done)) return;
  if (entries > 1) {
    if (Status s = CheckNoRepeatedPartition(*request); !s.ok()) {
      return RejectMalformed(ctx, s, done);
    }
  }
  const int16_t acks = request->acks;
  if (acks != 0 && acks != 1 && acks != -1) {
    done(EncodeResponse(ErrorForAll(*request, ErrorCode::kInvalidRequiredAcks),
                        ctx.version()));
    return;
  }
  // The transactional id is checked only for transactional batches (a refusal is audited then).
  if (HasTransactionalBatch(*request) &&
      !(request->transactional_id && AuthorizedOnTransactionalId(broker, ctx, AclOperation::kWrite,
                                                                 *request->transactional_id))) {
    if (acks == 0) {
      Response r;
      r.send = false;
      r.close = true;
      done(std::move(r));
      return;
    }
    done(EncodeResponse(ErrorForAll(*request, ErrorCode::kTransactionalIdAuthorizationFailed),
                        ctx.version()));
    return;
  }
  const storage::AckLevel level =
      acks == -1 ? storage::AckLevel::kDurable : storage::AckLevel::kWritten;
  auto pending = std::make_shared<Pending>();
  pending->version = ctx.version();
  pending->send = acks != 0;
  pending->done = done;
  // As Kafka, the whole request counts against the produce quota, and what is over it is
  // written all the same: the client is slowed down, not refused.
  pending->throttle_ms = broker.quotas().Record(broker::QuotaType::kProduce, ctx.principal,
                                                static_cast<int64_t>(ctx.frame->size()));
  if (ctx.throttle_ms) *ctx.throttle_ms = pending->throttle_ms;  // no further request meanwhile
  pending->response.responses.resize(request->topics.size());
  std::atomic<bool> failed{false};  // acks=0 errors close the connection

  for (size_t t = 0; t < request->topics.size(); ++t) {
    const auto& topic = request->topics[t];
    auto& out_topic = pending->response.responses[t];
    out_topic.name = topic.name;
    out_topic.partitions.resize(topic.partitions.size());
    const bool writable = AuthorizedOnTopic(broker, ctx, AclOperation::kWrite, topic.name);
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const auto& part = topic.partitions[p];
      auto& out = out_topic.partitions[p];
      out.partition_index = part.partition_index;
      out.base_offset = -1;
      if (!writable) {  // before existence, as Kafka: a refusal tells nothing of the topic
        out.error_code = Code(ErrorCode::kTopicAuthorizationFailed);
        failed = true;
        continue;
      }
      auto log = broker.GetLog(topic.name, part.partition_index);
      if (!log.ok()) {
        out.error_code = Code(ErrorFor(log.status()));  // unknown, or offline
        failed = true;
        continue;
      }
      if (broker::Broker::IsInternalTopic(topic.name)) {
        // As Kafka: "Cannot append to internal topic".
        out.error_code = Code(ErrorCode::kInvalidTopicException);
        failed = true;
        continue;
      }
      if (!part.records.bytes || part.records.bytes->empty()) {
        out.error_code = Code(ErrorCode::kCorruptMessage);
        failed = true;
        continue;
      }
      // The record bytes live in the request frame, which we own: the batch gets its offsets
      // rewritten in place and is appended without a copy.
      MutableByteView records(ctx.frame->data() + (part.records.bytes->data() - ctx.frame->data()),
                              part.records.bytes->size());
      auto batch = CheckRecords(records, static_cast<size_t>((*log)->max_message_bytes()));
      if (!batch.ok()) {
        out.error_code = Code(batch.status().code() == StatusCode::kInvalidArgument
                                  ? ErrorCode::kMessageTooLarge
                                  : ErrorCode::kCorruptMessage);
        failed = true;
        LogWarn("produce_rejected",
                {{"topic", topic.name}, {"partition", part.partition_index}, {"peer", ctx.peer}},
                batch.status().message());
        continue;
      }
      if (batch->header().control()) {
        // Markers are the transaction coordinator's to write, as in Kafka.
        out.error_code = Code(ErrorCode::kInvalidRecord);
        out.error_message = fmt::format(
            "Clients are not allowed to write control records in topic partition {}-{}.",
            topic.name, part.partition_index);
        failed = true;
        continue;
      }
      if (batch->header().transactional()) {
        const ErrorCode e = services.txns.CheckPartition(
            request->transactional_id.value_or(""), batch->header().producer_id,
            batch->header().producer_epoch, topic.name, part.partition_index);
        if (e != ErrorCode::kNone) {
          out.error_code = Code(e);
          failed = true;
          continue;
        }
      }
      out.log_start_offset = (*log)->log_start_offset();
      pending->outstanding += 1;
      broker.Append(topic.name, part.partition_index, *log, *batch, level,
                    [pending, t, p, frame = ctx.frame](broker::AppendResult r) {
                      {
                        MutexLock lock(pending->mu);
                        auto& o = pending->response.responses[t].partitions[p];
                        if (r.status.ok()) {
                          o.base_offset = r.info.base_offset;
                          o.log_append_time_ms = r.info.log_append_time_ms;
                        } else {
                          pending->append_failed = true;
                          o.error_code = Code(r.refusal != ErrorCode::kNone
                                                  ? r.refusal
                                                  : AppendError(r.status));
                          // v8+ carries why (a record's schema, a sequence gap, ...).
                          o.error_message = r.status.message();
                        }
                      }
                      pending->Finish();
                    });
    }
  }
  if (acks == 0) {
    // No answer; on an error Kafka closes the connection so the producer refreshes metadata.
    // acks=0 appends are kWritten: the log and the producer state answered them synchronously.
    Response r;
    r.send = false;
    r.close = failed.load() || pending->append_failed.load();
    r.throttle_ms = pending->throttle_ms;
    done(std::move(r));
  }
  pending->Finish();
}

}  // namespace herald::kafka::handlers
