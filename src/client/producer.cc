// Producer: its configuration (acks, linger, idempotence, delivery timeout), sending records
// through rd_kafka_produceva, and serving delivery reports (Poll, Flush).
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
  // A record not acknowledged within the request timeout fails instead of waiting 5 minutes.
  HERALD_RETURN_IF_ERROR(
      conf.Set("message.timeout.ms",
               std::to_string(std::max(options.request_timeout_ms, producer.linger_ms + 1))));
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

void Producer::Purge() {
  rd_kafka_purge(client_->get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

}  // namespace herald::client
