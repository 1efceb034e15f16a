// Produce: validate each partition's record batches, append them, answer when the requested
// acknowledgement level is met (acks=0: never; 1: written; -1/all: fsynced). With acks=0 any
// partition's error closes the connection instead, as Kafka does.
//
// Idempotent producers (KIP-98): batches with a producer id go through the partition's producer
// state (broker/producer_state.h). A retried duplicate is answered with the original base offset
// and not written again; a refused batch gets its error (OUT_OF_ORDER_SEQUENCE_NUMBER,
// INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID, CORRUPT_MESSAGE). Herald has no transactions yet:
// a request holding a transactional batch is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED on
// every partition and nothing of it is written, as Kafka answers a producer not authorized for
// its transactional id (KafkaApis.handleProduceRequest; see handlers_producer.cc).
#include <atomic>
#include <mutex>

#include "base/log.h"
#include "base/metrics.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/produce.h"
#include "storage/record_batch.h"

namespace herald::kafka::handlers {
namespace {

// Splits a partition's record set into batches and validates each as Kafka's LogValidator does
// (storage::ValidateProducedBatch). Errors name the first bad one.
Result<std::vector<MutableByteView>> SplitBatches(MutableByteView records) {
  std::vector<MutableByteView> batches;
  size_t at = 0;
  while (at < records.size()) {
    auto header = storage::ParseBatchHeader(records.subspan(at));
    if (!header.ok()) return header.status();
    if (header->size() > records.size() - at) {
      return Corruption("record batch of {} bytes runs past the {} bytes sent", header->size(),
                        records.size() - at);
    }
    MutableByteView batch = records.subspan(at, header->size());
    auto valid = storage::ValidateProducedBatch(batch);
    if (!valid.ok()) return valid.status();
    batches.push_back(batch);
    at += header->size();
  }
  if (batches.empty()) return Corruption("no record batch in the request");
  return batches;
}

ErrorCode AppendError(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return ErrorCode::kMessageTooLarge;
  return ErrorFor(s);
}

// Not in ErrorCode (api.h) yet.
constexpr int16_t kTransactionalIdAuthorizationFailed = 53;

// Whether any batch header in the request says it is transactional. Stops at a header that does
// not parse (SplitBatches reports it later).
bool HasTransactionalBatch(const ProduceRequest& request) {
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      if (!p.records.bytes) continue;
      ByteView records = *p.records.bytes;
      size_t at = 0;
      while (at < records.size()) {
        auto header = storage::ParseBatchHeader(records.subspan(at));
        if (!header.ok()) break;
        if (header->transactional()) return true;
        if (header->size() > records.size() - at) break;
        at += header->size();
      }
    }
  }
  return false;
}

// The same error for every partition of the request.
ProduceResponse ErrorForAll(const ProduceRequest& request, int16_t error_code) {
  ProduceResponse response;
  for (const auto& t : request.topics) {
    ProduceResponseTopic topic{t.name, {}};
    for (const auto& p : t.partitions) {
      ProduceResponsePartition out;
      out.partition_index = p.partition_index;
      out.error_code = error_code;
      out.base_offset = -1;
      topic.partitions.push_back(out);
    }
    response.responses.push_back(std::move(topic));
  }
  return response;
}

// What a produce request waits for: the answers of all its appends.
struct Pending {
  std::mutex mu;
  ProduceResponse response;
  std::atomic<int> outstanding{1};  // one extra until every append is issued
  std::atomic<bool> append_failed{false};
  Version version;
  Respond done;
  bool send = true;

  void Finish() {
    if (outstanding.fetch_sub(1) != 1) return;
    if (!send) return;
    done(EncodeResponse(response, version));
  }
};

}  // namespace

void Produce(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = Decode<ProduceRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const int16_t acks = request->acks;
  if (acks != 0 && acks != 1 && acks != -1) {
    ProduceResponse response;
    for (const auto& t : request->topics) {
      ProduceResponseTopic topic{t.name, {}};
      for (const auto& p : t.partitions) {
        topic.partitions.push_back({p.partition_index, Code(ErrorCode::kInvalidRequiredAcks)});
      }
      response.responses.push_back(std::move(topic));
    }
    done(EncodeResponse(response, ctx.version()));
    return;
  }
  if (HasTransactionalBatch(*request)) {
    LogWarn("produce_rejected", {{"peer", ctx.peer}},
            "transactional batches need a transaction coordinator, which Herald does not have yet");
    if (acks == 0) {
      Response r;
      r.send = false;
      r.close = true;
      done(std::move(r));
      return;
    }
    done(EncodeResponse(ErrorForAll(*request, kTransactionalIdAuthorizationFailed), ctx.version()));
    return;
  }
  const storage::AckLevel level =
      acks == -1 ? storage::AckLevel::kDurable : storage::AckLevel::kWritten;
  auto pending = std::make_shared<Pending>();
  pending->version = ctx.version();
  pending->send = acks != 0;
  pending->done = done;
  pending->response.responses.resize(request->topics.size());
  std::atomic<bool> failed{false};  // acks=0 errors close the connection

  for (size_t t = 0; t < request->topics.size(); ++t) {
    const auto& topic = request->topics[t];
    auto& out_topic = pending->response.responses[t];
    out_topic.name = topic.name;
    out_topic.partitions.resize(topic.partitions.size());
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const auto& part = topic.partitions[p];
      auto& out = out_topic.partitions[p];
      out.partition_index = part.partition_index;
      out.base_offset = -1;
      auto log = broker.engine().GetLog(topic.name, part.partition_index);
      if (!log.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        failed = true;
        continue;
      }
      if (!part.records.bytes || part.records.bytes->empty()) {
        out.error_code = Code(ErrorCode::kCorruptMessage);
        failed = true;
        continue;
      }
      // The record bytes live in the request frame, which we own: batches get their offsets
      // rewritten in place and are appended without a copy.
      MutableByteView records(ctx.frame->data() + (part.records.bytes->data() - ctx.frame->data()),
                              part.records.bytes->size());
      auto batches = SplitBatches(records);
      if (!batches.ok()) {
        out.error_code = Code(ErrorCode::kCorruptMessage);
        failed = true;
        LogWarn("produce_rejected",
                {{"topic", topic.name}, {"partition", part.partition_index}, {"peer", ctx.peer}},
                batches.status().message());
        continue;
      }
      out.log_start_offset = (*log)->log_start_offset();
      auto& batch_list = *batches;
      pending->outstanding += static_cast<int>(batch_list.size());
      for (size_t b = 0; b < batch_list.size(); ++b) {
        const bool first = b == 0;
        broker.Append(topic.name, part.partition_index, batch_list[b], level,
                      [pending, t, p, first, frame = ctx.frame](broker::AppendResult r) {
                        {
                          std::lock_guard lock(pending->mu);
                          auto& o = pending->response.responses[t].partitions[p];
                          if (!r.status.ok()) {
                            pending->append_failed = true;
                            if (o.error_code == 0) {
                              o.error_code = r.producer_error != broker::ProducerError::kNone
                                                 ? static_cast<int16_t>(r.producer_error)
                                                 : Code(AppendError(r.status));
                            }
                            o.base_offset = -1;
                          } else if (first && o.error_code == 0) {
                            o.base_offset = r.info.base_offset;
                          }
                        }
                        pending->Finish();
                      });
      }
    }
  }
  if (acks == 0) {
    // No answer; on an error Kafka closes the connection so the producer refreshes metadata.
    // acks=0 appends are kWritten: the log and the producer state answered them synchronously.
    Response r;
    r.send = false;
    r.close = failed.load() || pending->append_failed.load();
    done(std::move(r));
  }
  pending->Finish();
}

}  // namespace herald::kafka::handlers
