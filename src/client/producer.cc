// Producer: its configuration (acks, linger, idempotence, delivery timeout, transactional id),
// sending records through rd_kafka_produceva, serving delivery reports (Poll, Flush), and the
// transaction calls with librdkafka's classification of their failures (TxnResult).
#include "client/kafka_client.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <sys/types.h>

#include "client/rdkafka_util.h"

namespace herald::client {

Result<Producer> Producer::Create(const ClientOptions& options, const ProducerOptions& producer) {
  Conf conf;
  if (producer.acks != "all" && producer.acks != "1" && producer.acks != "0") {
    return InvalidArgument("acks must be all, 1 or 0, not '{}'", producer.acks);
  }
  HERALD_RETURN_IF_ERROR(conf.Set("acks", producer.acks == "all" ? "-1" : producer.acks));
  HERALD_RETURN_IF_ERROR(conf.Set("linger.ms", std::to_string(producer.linger_ms)));
  HERALD_RETURN_IF_ERROR(conf.Set("enable.idempotence", producer.idempotent ? "true" : "false"));
  // A record not acknowledged within the request timeout fails instead of waiting 5 minutes
  // (and, in a transaction, before the broker would abort it).
  int message_timeout_ms = std::max(options.request_timeout_ms, producer.linger_ms + 1);
  if (!producer.transactional_id.empty()) {
    if (producer.acks != "all") {
      return InvalidArgument("a transactional producer needs acks all, not '{}'", producer.acks);
    }
    HERALD_RETURN_IF_ERROR(conf.Set("transactional.id", producer.transactional_id));
    HERALD_RETURN_IF_ERROR(
        conf.Set("transaction.timeout.ms", std::to_string(producer.transaction_timeout_ms)));
    message_timeout_ms = std::min(message_timeout_ms, producer.transaction_timeout_ms);
  }
  HERALD_RETURN_IF_ERROR(conf.Set("message.timeout.ms", std::to_string(message_timeout_ms)));
  HERALD_ASSIGN_OR_RETURN(auto client,
                          Client::Internals::Create(RD_KAFKA_PRODUCER, options, std::move(conf)));
  return Producer(std::move(client));
}

Status Producer::Send(const std::string& topic, const Record& record, void* opaque) {
  std::vector<rd_kafka_vu_t> vus;
  auto add = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    vus.emplace_back();
    vus.back().vtype = type;
    return vus.back();
  };
  add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic.c_str();
  add(RD_KAFKA_VTYPE_PARTITION).u.i32 = record.partition;
  add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = opaque;
  // librdkafka copies (F_COPY) and never writes through these pointers.
  if (record.value) {
    auto& v = add(RD_KAFKA_VTYPE_VALUE);
    v.u.mem.ptr = const_cast<char*>(record.value->data());
    v.u.mem.size = record.value->size();
  }
  if (record.key) {
    auto& v = add(RD_KAFKA_VTYPE_KEY);
    v.u.mem.ptr = const_cast<char*>(record.key->data());
    v.u.mem.size = record.key->size();
  }
  for (const auto& [name, value] : record.headers) {
    auto& v = add(RD_KAFKA_VTYPE_HEADER);
    v.u.header.name = name.c_str();
    v.u.header.val = value.data();
    v.u.header.size = static_cast<ssize_t>(value.size());
  }
  if (record.timestamp_ms != 0) add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = record.timestamp_ms;
  while (true) {
    ErrorPtr error(rd_kafka_produceva(client_->get(), vus.data(), vus.size()));
    if (!error) return Status::Ok();
    if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return KafkaStatus(error.get(), fmt::format("producing to '{}'", topic));
    }
    rd_kafka_poll(client_->get(), 100);  // serve delivery reports to make room
  }
}

void Producer::Poll(int timeout_ms) {
  rd_kafka_poll(client_->get(), timeout_ms);
}

Status Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(client_->get(), timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return Unavailable("{} records still unacknowledged after {} ms",
                       rd_kafka_outq_len(client_->get()), timeout_ms);
  }
  return KafkaStatus(err, "flush");
}

namespace {

// A transaction call's outcome from librdkafka's error (taken over; nullptr is success).
TxnResult ToTxnResult(rd_kafka_t* rk, rd_kafka_error_t* raw, std::string_view what) {
  ErrorPtr error(raw);
  TxnResult out;
  if (!error) return out;
  out.status = KafkaStatus(error.get(), what);
  out.retriable = rd_kafka_error_is_retriable(error.get()) != 0;
  out.abort_required = rd_kafka_error_txn_requires_abort(error.get()) != 0;
  out.fatal = rd_kafka_error_is_fatal(error.get()) != 0;
  rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
  if (out.fatal) {
    // The producer's fatal error says why (a fenced producer is one).
    char reason[512];
    if (rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, reason, sizeof(reason));
        cause != RD_KAFKA_RESP_ERR_NO_ERROR) {
      code = cause;
      out.status = KafkaStatus(cause, what, reason);
    }
  }
  out.fenced = code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
               code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
  return out;
}

}  // namespace

TxnResult Producer::InitTransactions(int timeout_ms) {
  return ToTxnResult(client_->get(), rd_kafka_init_transactions(client_->get(), timeout_ms),
                     "initializing transactions");
}

TxnResult Producer::BeginTransaction() {
  return ToTxnResult(client_->get(), rd_kafka_begin_transaction(client_->get()),
                     "beginning a transaction");
}

TxnResult Producer::SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets,
                                             Consumer& consumer, int timeout_ms) {
  using MetadataPtr = std::unique_ptr<rd_kafka_consumer_group_metadata_t,
                                      Deleter<rd_kafka_consumer_group_metadata_destroy>>;
  MetadataPtr group(rd_kafka_consumer_group_metadata(consumer.client().get()));
  if (!group) {
    TxnResult out;
    out.status = FailedPrecondition("sending offsets to a transaction: the consumer has no group");
    return out;
  }
  PartitionListPtr list = ToPartitionList(offsets);
  return ToTxnResult(
      client_->get(),
      rd_kafka_send_offsets_to_transaction(client_->get(), list.get(), group.get(), timeout_ms),
      "sending offsets to the transaction");
}

TxnResult Producer::CommitTransaction(int timeout_ms) {
  return ToTxnResult(client_->get(), rd_kafka_commit_transaction(client_->get(), timeout_ms),
                     "committing the transaction");
}

TxnResult Producer::AbortTransaction(int timeout_ms) {
  return ToTxnResult(client_->get(), rd_kafka_abort_transaction(client_->get(), timeout_ms),
                     "aborting the transaction");
}

void Producer::Purge() {
  rd_kafka_purge(client_->get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

}  // namespace herald::client
