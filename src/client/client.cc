// Client, the librdkafka handle under Admin, Producer and Consumer: its creation
// (Client::Internals), the callbacks librdkafka makes on it (log, error, delivery, rebalance), and
// the requests any client makes: connecting, metadata, offsets by time and watermarks.
#include "client/kafka_client.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "base/mutex.h"
#include "client/rdkafka_util.h"

namespace herald::client {

struct Client::State {
  mutable Mutex mu;
  std::string last_connection_error;
  DeliveryHandler on_delivery;
  RebalanceHandler on_rebalance;
  // The group's rebalance protocol, known from the configured assignors (librdkafka refuses to mix
  // eager and cooperative ones). Not asked of rd_kafka_rebalance_protocol(), which can block for
  // ever inside the rebalance callback that rd_kafka_consumer_close runs.
  bool cooperative = false;
};

namespace {

// librdkafka log lines start with "[thrd:...]: " and connection failures end with
// " (after 0ms in state CONNECT...)"; the rest is what a person needs.
std::string_view StripThreadPrefix(std::string_view line) {
  if (line.starts_with("[thrd:")) {
    size_t end = line.find("]: ");
    if (end != std::string_view::npos) line.remove_prefix(end + 3);
  }
  if (size_t after = line.rfind(" (after ");
      after != std::string_view::npos && line.ends_with(")")) {
    line.remove_suffix(line.size() - after);
  }
  return line;
}

Client::State* StateOf(const rd_kafka_t* rk) {
  return static_cast<Client::State*>(rd_kafka_opaque(rk));
}

// librdkafka calls this from its own threads.
void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  std::string_view line = StripThreadPrefix(buf);
  // Connection failures are logged as FAIL at error level (3) or, once repeated, lower.
  if (std::string_view(facility) == "FAIL" || level <= 3) {
    if (Client::State* state = StateOf(rk)) {
      MutexLock lock(state->mu);
      state->last_connection_error = std::string(line);
    }
  }
  if (LogEnabled(LogLevel::kDebug)) {
    LogDebug("librdkafka", {{"facility", facility}, {"level", level}}, line);
  }
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void*) {
  if (Client::State* state = StateOf(rk)) {
    MutexLock lock(state->mu);
    state->last_connection_error = StripThreadPrefix(reason);
  }
  if (LogEnabled(LogLevel::kDebug)) {
    LogDebug("librdkafka_error",
             {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}}, reason);
  }
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<Client::State*>(opaque);
  if (state == nullptr || !state->on_delivery) return;
  DeliveryReport report;
  report.topic = rd_kafka_topic_name(msg->rkt);
  report.partition = msg->partition;
  report.offset = msg->offset;
  report.opaque = msg->_private;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report.status = KafkaStatus(msg->err, "delivery", rd_kafka_message_errstr(msg));
  }
  state->on_delivery(report);
}

}  // namespace

void DefaultRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative = StateOf(rk)->cooperative;
  Status s;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      ErrorPtr error(rd_kafka_incremental_assign(rk, partitions));
      s = KafkaStatus(error.get(), "incremental assign");
    } else {
      s = KafkaStatus(rd_kafka_assign(rk, partitions), "assign");
    }
  } else if (cooperative) {
    ErrorPtr error(rd_kafka_incremental_unassign(rk, partitions));
    s = KafkaStatus(error.get(), "incremental unassign");
  } else {
    s = KafkaStatus(rd_kafka_assign(rk, nullptr), "unassign");
  }
  // A failed (un)assignment surfaces again as consumer errors; log it for debugging.
  if (!s.ok()) LogDebug("rebalance_failed", {}, s.message());
}

namespace {

void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* state = static_cast<Client::State*>(opaque);
  if (state != nullptr && state->on_rebalance) {
    state->on_rebalance(err, partitions);
  } else {
    DefaultRebalance(rk, err, partitions);
  }
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Internals::Create(rd_kafka_type_t type,
                                                          const ClientOptions& options,
                                                          Conf conf) {
  std::unique_ptr<Client> client(new Client());
  client->options_ = options;
  client->state_ = std::make_unique<State>();
  HERALD_RETURN_IF_ERROR(conf.Set("bootstrap.servers", options.bootstrap));
  HERALD_RETURN_IF_ERROR(conf.Set("client.id", options.client_id));
  HERALD_RETURN_IF_ERROR(
      conf.Set("socket.timeout.ms", std::to_string(std::max(10, options.request_timeout_ms))));
  // Reconnect soon after a refused connection, so a broker that is just starting is found within
  // the connect timeout.
  HERALD_RETURN_IF_ERROR(conf.Set("reconnect.backoff.max.ms", "1000"));
  // With Herald's debug log on, librdkafka explains requests, connections and group protocol.
  if (LogEnabled(LogLevel::kDebug)) {
    HERALD_RETURN_IF_ERROR(conf.Set("debug", "generic,broker,protocol,cgrp,consumer,admin"));
  }
  for (const auto& [key, value] : options.properties) HERALD_RETURN_IF_ERROR(conf.Set(key, value));
  if (type == RD_KAFKA_CONSUMER) {
    char strategy[256] = "";
    size_t size = sizeof(strategy);
    if (rd_kafka_conf_get(conf.get(), "partition.assignment.strategy", strategy, &size) ==
        RD_KAFKA_CONF_OK) {
      client->state_->cooperative = std::string_view(strategy).find("cooperative") !=
                                    std::string_view::npos;
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), client->state_.get());
  rd_kafka_conf_set_log_cb(conf.get(), OnLog);
  rd_kafka_conf_set_error_cb(conf.get(), OnError);
  if (type == RD_KAFKA_PRODUCER) {
    rd_kafka_conf_set_dr_msg_cb(conf.get(), OnDelivery);
  } else {
    rd_kafka_conf_set_rebalance_cb(conf.get(), OnRebalance);
  }
  char err[512];
  rd_kafka_conf_t* raw = conf.release();
  client->rk_ = rd_kafka_new(type, raw, err, sizeof(err));
  if (client->rk_ == nullptr) {
    rd_kafka_conf_destroy(raw);
    return Internal("creating a Kafka client: {}", err);
  }
  return client;
}

void Client::Internals::SetRebalanceHandler(Client& client, RebalanceHandler h) {
  client.state_->on_rebalance = std::move(h);
}

Client::~Client() {
  if (rk_ == nullptr) return;
  // A consumer is closed by its owner (Consumer::Close); do not block here leaving a group.
  if (rd_kafka_type(rk_) == RD_KAFKA_CONSUMER) {
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  } else {
    rd_kafka_destroy(rk_);
  }
}

void Client::set_delivery_handler(DeliveryHandler h) {
  state_->on_delivery = std::move(h);
}

std::string Client::LastConnectionError() const {
  MutexLock lock(state_->mu);
  return state_->last_connection_error;
}

Status Client::Connect() {
  const rd_kafka_metadata_t* md = nullptr;
  // all_topics=0 without a topic asks for the brokers only.
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, nullptr, &md, options_.connect_timeout_ms);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
    return Status::Ok();
  }
  std::string why = LastConnectionError();
  if (why.empty()) why = rd_kafka_err2str(err);
  return Unavailable("cannot reach a Kafka broker at {} within {} ms: {}", options_.bootstrap,
                     options_.connect_timeout_ms, why);
}

Result<ClusterInfo> Client::Metadata() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, options_.request_timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, fmt::format("metadata from {}", options_.bootstrap));
  }
  std::unique_ptr<const rd_kafka_metadata_t, Deleter<rd_kafka_metadata_destroy>> hold(md);
  ClusterInfo out;
  out.answered_by = md->orig_broker_id;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    TopicInfo topic;
    topic.name = t.topic;
    for (int j = 0; j < t.partition_cnt; ++j) {
      const rd_kafka_metadata_partition_t& p = t.partitions[j];
      PartitionInfo info;
      info.id = p.id;
      info.leader = p.leader;
      info.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
      info.isrs.assign(p.isrs, p.isrs + p.isr_cnt);
      info.status = KafkaStatus(p.err, fmt::format("{} partition {}", t.topic, p.id));
      topic.partitions.push_back(std::move(info));
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR && topic.partitions.empty()) continue;
    out.topics.push_back(std::move(topic));
  }
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return out;
}

Result<TopicInfo> Client::DescribeTopic(const std::string& topic) {
  HERALD_ASSIGN_OR_RETURN(ClusterInfo cluster, Metadata());
  for (auto& t : cluster.topics) {
    if (t.name == topic) return std::move(t);
  }
  return NotFound("topic '{}' does not exist", topic);
}

Result<std::vector<TopicPartition>> Client::ListOffsets(std::vector<TopicPartition> query) {
  if (query.empty()) return query;
  PartitionListPtr list = ToPartitionList(query);
  // ListOffsets takes a timestamp per partition, where -1 is the end and -2 the start.
  rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(rk_, list.get(), options_.request_timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, fmt::format("listing offsets of {}", query.front().topic));
  }
  for (auto& q : query) {
    const rd_kafka_topic_partition_t* e =
        rd_kafka_topic_partition_list_find(list.get(), q.topic.c_str(), q.partition);
    if (e == nullptr) {
      q.status = Internal("{} partition {}: no offset in the answer", q.topic, q.partition);
      continue;
    }
    q.offset = e->offset;
    q.status = KafkaStatus(e->err, fmt::format("{} partition {}", q.topic, q.partition));
  }
  return query;
}

Result<std::vector<Watermarks>> Client::QueryWatermarks(
    const std::vector<TopicPartition>& partitions) {
  std::vector<TopicPartition> start = partitions, end = partitions;
  for (auto& tp : start) tp.offset = kOffsetBeginning;
  for (auto& tp : end) tp.offset = kOffsetEnd;
  HERALD_ASSIGN_OR_RETURN(start, ListOffsets(std::move(start)));
  HERALD_ASSIGN_OR_RETURN(end, ListOffsets(std::move(end)));
  std::vector<Watermarks> out;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (!start[i].status.ok()) return start[i].status;
    if (!end[i].status.ok()) return end[i].status;
    out.push_back({start[i].offset, end[i].offset});
  }
  return out;
}

}  // namespace herald::client
