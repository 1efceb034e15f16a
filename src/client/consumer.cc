// Consumer: its configuration (group or none, offset storage, partition EOF), assignment and
// subscription with rebalance handlers, polling records, storing and committing offsets
// (synchronously or through a queue served by ServeCommits), pause, resume and seek.
#include "client/kafka_client.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "base/log.h"
#include "client/rdkafka_util.h"

namespace herald::client {

void Consumer::QueueDeleter::operator()(rd_kafka_queue_t* queue) const {
  if (queue != nullptr) rd_kafka_queue_destroy(queue);
}

Result<Consumer> Consumer::Create(const ClientOptions& options, const ConsumerOptions& consumer) {
  Conf conf;
  const bool grouped = !consumer.group_id.empty();
  // librdkafka's consumer needs a group id even to assign partitions explicitly; one that never
  // joins or commits leaves no trace on the broker.
  HERALD_RETURN_IF_ERROR(conf.Set(
      "group.id", grouped ? consumer.group_id : fmt::format("herald-unjoined-{}", ::getpid())));
  // Grouped: offsets are stored once a record is processed (MarkProcessed) and committed in the
  // background, on Commit and on Close. Ungrouped: nothing is ever committed.
  HERALD_RETURN_IF_ERROR(conf.Set("enable.auto.commit", grouped ? "true" : "false"));
  HERALD_RETURN_IF_ERROR(conf.Set("enable.auto.offset.store", "false"));
  HERALD_RETURN_IF_ERROR(conf.Set("auto.offset.reset", consumer.auto_offset_reset));
  HERALD_RETURN_IF_ERROR(
      conf.Set("enable.partition.eof", consumer.report_partition_eof ? "true" : "false"));
  HERALD_ASSIGN_OR_RETURN(auto client,
                          Client::Internals::Create(RD_KAFKA_CONSUMER, options, std::move(conf)));
  // Errors and rebalances arrive through rd_kafka_consumer_poll.
  rd_kafka_poll_set_consumer(client->get());
  Consumer out(std::move(client));
  out.grouped_ = grouped;
  return out;
}

Consumer::~Consumer() {
  if (client_ && !closed_) Close().IgnoreError();
}

Status Consumer::Assign(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list = ToPartitionList(partitions);
  return KafkaStatus(rd_kafka_assign(client_->get(), list.get()), "assigning partitions");
}

Status Consumer::Subscribe(const std::vector<std::string>& topics, AssignHandler on_assign,
                           RebalancedHandler on_rebalanced) {
  rd_kafka_t* rk = client_->get();
  RebalanceHandler handler = [rk, on_assign = std::move(on_assign),
                              on_rebalanced = std::move(on_rebalanced)](
                                 rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions) {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS && on_assign) {
      std::vector<TopicPartition> assigned = FromPartitionList(partitions);
      on_assign(assigned);
      for (const auto& tp : assigned) {
        if (auto* e =
                rd_kafka_topic_partition_list_find(partitions, tp.topic.c_str(), tp.partition)) {
          e->offset = tp.offset;
        }
      }
    }
    DefaultRebalance(rk, err, partitions);
    if (on_rebalanced) {
      std::vector<TopicPartition> changed = FromPartitionList(partitions);
      for (auto& tp : changed) tp.status = Status::Ok();
      on_rebalanced(err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, changed);
    }
  };
  Client::Internals::SetRebalanceHandler(*client_, std::move(handler));
  std::vector<TopicPartition> subscription;
  for (const auto& t : topics) subscription.push_back({t, kAnyPartition, kOffsetInvalid, {}});
  PartitionListPtr list = ToPartitionList(subscription);
  return KafkaStatus(rd_kafka_subscribe(rk, list.get()), "subscribing");
}

Result<std::vector<TopicPartition>> Consumer::Assignment() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_assignment(client_->get(), &raw), "assignment"));
  PartitionListPtr list(raw);
  return FromPartitionList(list.get());
}

Result<Consumer::Event> Consumer::Poll(int timeout_ms) {
  Event event;
  MessagePtr m(rd_kafka_consumer_poll(client_->get(), timeout_ms));
  if (!m) return event;
  const std::string topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    event.kind = Event::Kind::kPartitionEof;
    event.message.topic = topic;
    event.message.partition = m->partition;
    event.message.offset = m->offset;
    return event;
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    char fatal[512];
    if (rd_kafka_fatal_error(client_->get(), fatal, sizeof(fatal)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Internal("consumer failed: {}", fatal);
    }
    switch (m->err) {
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
        return KafkaStatus(m->err,
                           topic.empty() ? "consuming" : fmt::format("consuming '{}'", topic),
                           rd_kafka_message_errstr(m.get()));
      default:
        // Transient (a lost connection, a coordinator moving): librdkafka retries.
        LogDebug("consumer_error", {{"error", rd_kafka_err2name(m->err)}},
                 rd_kafka_message_errstr(m.get()));
        return event;
    }
  }
  event.kind = Event::Kind::kMessage;
  Message& out = event.message;
  out.topic = topic;
  out.partition = m->partition;
  out.offset = m->offset;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  out.timestamp_ms = rd_kafka_message_timestamp(m.get(), &type);
  out.timestamp_type = type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? "create"
                       : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "log_append"
                                                                    : "none";
  if (m->key != nullptr) out.key.emplace(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) out.value.emplace(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      std::optional<std::string> v;
      if (value != nullptr) v.emplace(static_cast<const char*>(value), size);
      out.headers.emplace_back(name, std::move(v));
    }
  }
  return event;
}

Status Consumer::MarkProcessed(const std::string& topic, int32_t partition, int64_t offset) {
  PartitionListPtr list = ToPartitionList({{topic, partition, offset + 1, {}}});
  return KafkaStatus(rd_kafka_offsets_store(client_->get(), list.get()),
                     fmt::format("storing the offset of {} partition {}", topic, partition));
}

Status Consumer::Commit() {
  if (!grouped_) return Status::Ok();
  rd_kafka_resp_err_t err = rd_kafka_commit(client_->get(), nullptr, 0);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();
  return KafkaStatus(err, "committing offsets");
}

Status Consumer::CommitOffsets(const std::vector<TopicPartition>& offsets) {
  if (offsets.empty()) return Status::Ok();
  PartitionListPtr list = ToPartitionList(offsets);
  HERALD_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_commit(client_->get(), list.get(), 0), "committing offsets"));
  for (const auto& tp : FromPartitionList(list.get())) HERALD_RETURN_IF_ERROR(tp.status);
  return Status::Ok();
}

Status Consumer::CommitOffsetsAsync(const std::vector<TopicPartition>& offsets,
                                    CommittedHandler on_committed) {
  if (offsets.empty()) {
    on_committed(Status::Ok());
    return Status::Ok();
  }
  if (!commits_) commits_.reset(rd_kafka_queue_new(client_->get()));
  PartitionListPtr list = ToPartitionList(offsets);
  // The answer is an event on commits_, carrying the handler as its opaque.
  auto handler = std::make_unique<CommittedHandler>(std::move(on_committed));
  HERALD_RETURN_IF_ERROR(KafkaStatus(
      rd_kafka_commit_queue(client_->get(), list.get(), commits_.get(), nullptr, handler.get()),
      "committing offsets"));
  handler.release();  // ServeCommits owns it now
  return Status::Ok();
}

int Consumer::ServeCommits(int timeout_ms) {
  if (!commits_) return 0;
  int served = 0;
  for (;;) {
    EventPtr event(rd_kafka_queue_poll(commits_.get(), served == 0 ? timeout_ms : 0));
    if (!event) return served;
    if (rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_OFFSET_COMMIT) continue;
    std::unique_ptr<CommittedHandler> handler(
        static_cast<CommittedHandler*>(rd_kafka_event_opaque(event.get())));
    Status s = KafkaStatus(rd_kafka_event_error(event.get()), "committing offsets");
    if (s.ok()) {
      if (const auto* offsets = rd_kafka_event_topic_partition_list(event.get())) {
        for (const auto& tp : FromPartitionList(offsets)) {
          if (!tp.status.ok()) {
            s = tp.status;
            break;
          }
        }
      }
    }
    ++served;
    if (handler) (*handler)(s);
  }
}

Result<std::vector<TopicPartition>> Consumer::Committed(
    const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list = ToPartitionList(partitions);
  HERALD_RETURN_IF_ERROR(KafkaStatus(
      rd_kafka_committed(client_->get(), list.get(), client_->options().request_timeout_ms),
      "reading committed offsets"));
  return FromPartitionList(list.get());
}

namespace {

// rd_kafka_pause_partitions or rd_kafka_resume_partitions over `partitions`, with their
// per-partition errors.
Status PauseOrResume(rd_kafka_t* rk, const std::vector<TopicPartition>& partitions, bool pause) {
  if (partitions.empty()) return Status::Ok();
  PartitionListPtr list = ToPartitionList(partitions);
  const char* what = pause ? "pausing" : "resuming";
  HERALD_RETURN_IF_ERROR(KafkaStatus(pause ? rd_kafka_pause_partitions(rk, list.get())
                                           : rd_kafka_resume_partitions(rk, list.get()),
                                     what));
  for (const auto& tp : FromPartitionList(list.get())) {
    if (!tp.status.ok()) return tp.status.WithContext(what);
  }
  return Status::Ok();
}

}  // namespace

Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  return PauseOrResume(client_->get(), partitions, true);
}

Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  return PauseOrResume(client_->get(), partitions, false);
}

Status Consumer::Seek(const std::vector<TopicPartition>& positions) {
  PartitionListPtr list = ToPartitionList(positions);
  ErrorPtr error(rd_kafka_seek_partitions(client_->get(), list.get(),
                                          client_->options().request_timeout_ms));
  HERALD_RETURN_IF_ERROR(KafkaStatus(error.get(), "seeking"));
  for (const auto& tp : FromPartitionList(list.get())) HERALD_RETURN_IF_ERROR(tp.status);
  return Status::Ok();
}

Result<std::vector<std::string>> Consumer::Subscription() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_subscription(client_->get(), &raw), "subscription"));
  PartitionListPtr list(raw);
  std::vector<std::string> topics;
  for (const auto& tp : FromPartitionList(list.get())) topics.push_back(tp.topic);
  return topics;
}

Status Consumer::Unsubscribe() {
  return KafkaStatus(rd_kafka_unsubscribe(client_->get()), "unsubscribing");
}

Status Consumer::Close() {
  if (closed_ || !client_) return Status::Ok();
  closed_ = true;
  return KafkaStatus(rd_kafka_consumer_close(client_->get()), "closing the consumer");
}

}  // namespace herald::client
