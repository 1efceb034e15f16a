#include "client/kafka_client.h"

#include <algorithm>
#include <mutex>
#include <tuple>

#include <fmt/format.h>
#include <unistd.h>

#include "base/log.h"

namespace herald::client {

// ---- Errors ----------------------------------------------------------------------------------

namespace {

StatusCode CodeFor(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR__NOENT:
      return StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return StatusCode::kOutOfRange;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR__STATE:
      return StatusCode::kFailedPrecondition;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return StatusCode::kUnavailable;
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
      return StatusCode::kIoError;
    default:
      return StatusCode::kInternal;
  }
}

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

}  // namespace

Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string why = detail.empty() ? std::string(rd_kafka_err2str(err)) : std::string(detail);
  return Status(CodeFor(err), context.empty() ? why : fmt::format("{}: {}", context, why));
}

Status KafkaStatus(const rd_kafka_error_t* error, std::string_view context) {
  if (error == nullptr) return Status::Ok();
  return KafkaStatus(rd_kafka_error_code(error), context, rd_kafka_error_string(error));
}

Status Conf::Set(std::string_view key, std::string_view value) {
  char err[512];
  std::string k(key), v(value);
  if (rd_kafka_conf_set(conf_.get(), k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return InvalidArgument("librdkafka property {}={}: {}", k, v, err);
  }
  return Status::Ok();
}

PartitionListPtr ToPartitionList(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        tp.offset;
  }
  return list;
}

std::vector<TopicPartition> FromPartitionList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    out.push_back({e.topic, e.partition, e.offset,
                   KafkaStatus(e.err, fmt::format("{} partition {}", e.topic, e.partition))});
  }
  return out;
}

// ---- Client ----------------------------------------------------------------------------------

struct Client::State {
  mutable std::mutex mu;
  std::string last_connection_error;
  DeliveryHandler on_delivery;
  RebalanceHandler on_rebalance;
  // The group's rebalance protocol, known from the configured assignors (librdkafka refuses to mix
  // eager and cooperative ones). Not asked of rd_kafka_rebalance_protocol(), which can block for
  // ever inside the rebalance callback that rd_kafka_consumer_close runs.
  bool cooperative = false;
};

namespace {

Client::State* StateOf(const rd_kafka_t* rk) {
  return static_cast<Client::State*>(rd_kafka_opaque(rk));
}

// librdkafka calls this from its own threads.
void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  std::string_view line = StripThreadPrefix(buf);
  // Connection failures are logged as FAIL at error level (3) or, once repeated, lower.
  if (std::string_view(facility) == "FAIL" || level <= 3) {
    if (Client::State* state = StateOf(rk)) {
      std::lock_guard lock(state->mu);
      state->last_connection_error = std::string(line);
    }
  }
  if (LogEnabled(LogLevel::kDebug)) {
    LogDebug("librdkafka", {{"facility", facility}, {"level", level}}, line);
  }
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void*) {
  if (Client::State* state = StateOf(rk)) {
    std::lock_guard lock(state->mu);
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

Result<std::unique_ptr<Client>> Client::Create(rd_kafka_type_t type, const ClientOptions& options,
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
void Client::set_rebalance_handler(RebalanceHandler h) {
  state_->on_rebalance = std::move(h);
}

std::string Client::LastConnectionError() const {
  std::lock_guard lock(state_->mu);
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

Result<EventPtr> RunAdminOp(
    Client& client, rd_kafka_admin_op_t op, std::string_view what,
    const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start) {
  const int timeout_ms = client.options().request_timeout_ms;
  QueuePtr queue(rd_kafka_queue_new(client.get()));
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(client.get(), op));
  char err[512];
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, err, sizeof(err)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgument("{}: request timeout: {}", what, err);
  }
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, err, sizeof(err)) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return InvalidArgument("{}: operation timeout: {}", what, err);
    }
  }
  start(options.get(), queue.get());
  // librdkafka answers by the request timeout itself; the margin only guards against a lost event.
  EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + 5000));
  if (!event)
    return Unavailable("{}: no answer from {} within {} ms", what, client.options().bootstrap,
                       timeout_ms);
  if (rd_kafka_resp_err_t e = rd_kafka_event_error(event.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* text = rd_kafka_event_error_string(event.get());
    return KafkaStatus(e, what, text != nullptr ? text : "");
  }
  return event;
}

// ---- Admin -----------------------------------------------------------------------------------

namespace {

// The first failed topic result, as a Status.
Status TopicResultsStatus(const rd_kafka_topic_result_t** results, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return KafkaStatus(err, fmt::format("topic '{}'", rd_kafka_topic_result_name(results[i])),
                         text != nullptr ? text : "");
    }
  }
  return Status::Ok();
}

Status GroupResultsStatus(const rd_kafka_group_result_t** results, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const std::string context = fmt::format("group '{}'", rd_kafka_group_result_name(results[i]));
    HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_group_result_error(results[i]), context));
    for (const auto& tp : FromPartitionList(rd_kafka_group_result_partitions(results[i]))) {
      if (!tp.status.ok()) return tp.status.WithContext(context);
    }
  }
  return Status::Ok();
}

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>;

std::string StateName(rd_kafka_consumer_group_state_t state) {
  return rd_kafka_consumer_group_state_name(state);
}

}  // namespace

Result<Admin> Admin::Create(const ClientOptions& options) {
  HERALD_ASSIGN_OR_RETURN(auto client, Client::Create(RD_KAFKA_PRODUCER, options));
  return Admin(std::move(client));
}

Status Admin::CreateTopic(const NewTopic& topic) {
  char err[512];
  std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>> nt(rd_kafka_NewTopic_new(
      topic.name.c_str(), topic.partitions, topic.replication_factor, err, sizeof(err)));
  if (!nt) return InvalidArgument("topic '{}': {}", topic.name, err);
  for (const auto& [key, value] : topic.configs) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_NewTopic_set_config(nt.get(), key.c_str(), value.c_str()),
                    fmt::format("topic '{}' config {}", topic.name, key)));
  }
  rd_kafka_NewTopic_t* array[] = {nt.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_CREATETOPICS,
                                     fmt::format("creating topic '{}'", topic.name),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_CreateTopics(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Status Admin::DeleteTopic(const std::string& topic) {
  std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>> dt(
      rd_kafka_DeleteTopic_new(topic.c_str()));
  rd_kafka_DeleteTopic_t* array[] = {dt.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETETOPICS,
                                     fmt::format("deleting topic '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteTopics(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Status Admin::CreatePartitions(const std::string& topic, int total_partitions) {
  char err[512];
  std::unique_ptr<rd_kafka_NewPartitions_t, Deleter<rd_kafka_NewPartitions_destroy>> np(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(std::max(0, total_partitions)),
                                 err, sizeof(err)));
  if (!np) return InvalidArgument("topic '{}': {}", topic, err);
  rd_kafka_NewPartitions_t* array[] = {np.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
                                     fmt::format("adding partitions to '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_CreatePartitions(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event.get()), &n);
  return TopicResultsStatus(results, n);
}

Result<std::vector<ConfigEntry>> Admin::DescribeTopicConfigs(const std::string& topic) {
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* array[] = {resource.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
                                     fmt::format("describing configs of '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DescribeConfigs(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &n);
  if (n != 1) return Internal("describing configs of '{}': {} results for 1 topic", topic, n);
  if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* text = rd_kafka_ConfigResource_error_string(results[0]);
    return KafkaStatus(err, fmt::format("topic '{}'", topic), text != nullptr ? text : "");
  }
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[0], &count);
  std::vector<ConfigEntry> out;
  for (size_t i = 0; i < count; ++i) {
    ConfigEntry e;
    e.name = rd_kafka_ConfigEntry_name(entries[i]);
    if (const char* value = rd_kafka_ConfigEntry_value(entries[i])) e.value = value;
    e.source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[i]));
    e.is_default = rd_kafka_ConfigEntry_is_default(entries[i]) != 0;
    e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0;
    e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]) != 0;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
  return out;
}

Status Admin::UpdateTopicConfigs(const std::string& topic,
                                 const std::map<std::string, std::string>& set,
                                 const std::vector<std::string>& remove) {
  HERALD_ASSIGN_OR_RETURN(std::vector<ConfigEntry> current, DescribeTopicConfigs(topic));
  std::map<std::string, std::string> overrides;
  for (const auto& e : current) {
    const bool topic_override =
        e.source == rd_kafka_ConfigSource_name(RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    if (topic_override && e.value) overrides[e.name] = *e.value;
  }
  for (const auto& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [key, value] : overrides) {
    HERALD_RETURN_IF_ERROR(
        KafkaStatus(rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str()),
                    fmt::format("topic '{}' config {}", topic, key)));
  }
  rd_kafka_ConfigResource_t* array[] = {resource.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
                                     fmt::format("altering configs of '{}'", topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_AlterConfigs(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_ConfigResource_error_string(results[i]);
      return KafkaStatus(err, fmt::format("topic '{}'", topic), text != nullptr ? text : "");
    }
  }
  return Status::Ok();
}

Result<std::vector<GroupListing>> Admin::ListGroups() {
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event, RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing groups",
                                 [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                   rd_kafka_ListConsumerGroups(client_->get(), o, q);
                                 }));
  const rd_kafka_ListConsumerGroups_result_t* result =
      rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t n = 0, errors = 0;
  const rd_kafka_ConsumerGroupListing_t** valid =
      rd_kafka_ListConsumerGroups_result_valid(result, &n);
  const rd_kafka_error_t** failed = rd_kafka_ListConsumerGroups_result_errors(result, &errors);
  if (n == 0 && errors > 0) return KafkaStatus(failed[0], "listing groups");
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   StateName(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  std::sort(out.begin(), out.end(),
            [](const GroupListing& a, const GroupListing& b) { return a.group_id < b.group_id; });
  return out;
}

Result<std::vector<GroupDescription>> Admin::DescribeGroups(
    const std::vector<std::string>& groups) {
  if (groups.empty()) return std::vector<GroupDescription>{};
  std::vector<const char*> names;
  for (const auto& g : groups) names.push_back(g.c_str());
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event,
      RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
                 groups.size() == 1 ? fmt::format("describing group '{}'", groups[0])
                                    : std::string("describing groups"),
                 [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                   rd_kafka_DescribeConsumerGroups(client_->get(), names.data(), names.size(), o,
                                                   q);
                 }));
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** results =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event.get()), &n);
  std::map<std::string, GroupDescription> by_id;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_ConsumerGroupDescription_t* g = results[i];
    GroupDescription d;
    d.group_id = rd_kafka_ConsumerGroupDescription_group_id(g);
    HERALD_RETURN_IF_ERROR(KafkaStatus(rd_kafka_ConsumerGroupDescription_error(g),
                                       fmt::format("group '{}'", d.group_id)));
    d.state = StateName(rd_kafka_ConsumerGroupDescription_state(g));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) {
      d.assignor = assignor;
    }
    d.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(g) != 0;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(g)) {
      d.coordinator.id = rd_kafka_Node_id(node);
      if (const char* host = rd_kafka_Node_host(node)) d.coordinator.host = host;
      d.coordinator.port = rd_kafka_Node_port(node);
    }
    for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(g); ++m) {
      const rd_kafka_MemberDescription_t* member = rd_kafka_ConsumerGroupDescription_member(g, m);
      GroupMember gm;
      gm.member_id = rd_kafka_MemberDescription_consumer_id(member);
      gm.client_id = rd_kafka_MemberDescription_client_id(member);
      gm.host = rd_kafka_MemberDescription_host(member);
      if (const char* instance = rd_kafka_MemberDescription_group_instance_id(member)) {
        gm.instance_id = instance;
      }
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(member)) {
        gm.assignment = FromPartitionList(rd_kafka_MemberAssignment_partitions(a));
        for (auto& tp : gm.assignment) tp.status = Status::Ok();
      }
      d.members.push_back(std::move(gm));
    }
    by_id[d.group_id] = std::move(d);
  }
  std::vector<GroupDescription> out;
  for (const auto& g : groups) {
    auto it = by_id.find(g);
    if (it == by_id.end()) return Internal("describing group '{}': no answer for it", g);
    out.push_back(it->second);
  }
  return out;
}

namespace {

// OffsetFetch for `group`: `partitions`, or nullptr for all of them.
Result<std::vector<TopicPartition>> FetchGroupOffsets(
    Client& client, const std::string& group, const rd_kafka_topic_partition_list_t* partitions) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                  Deleter<rd_kafka_ListConsumerGroupOffsets_destroy>>
      request(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions));
  rd_kafka_ListConsumerGroupOffsets_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(
      EventPtr event, RunAdminOp(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                                 fmt::format("listing committed offsets of group '{}'", group),
                                 [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                   rd_kafka_ListConsumerGroupOffsets(client.get(), array, 1, o, q);
                                 }));
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &n);
  if (n != 1) return Internal("listing committed offsets of '{}': {} results", group, n);
  HERALD_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_group_result_error(results[0]), fmt::format("group '{}'", group)));
  std::vector<TopicPartition> out;
  for (auto& tp : FromPartitionList(rd_kafka_group_result_partitions(results[0]))) {
    if (!tp.status.ok()) return tp.status.WithContext(fmt::format("group '{}'", group));
    if (tp.offset >= 0) out.push_back(std::move(tp));
  }
  return out;
}

}  // namespace

Result<std::vector<TopicPartition>> Admin::ListGroupOffsets(const std::string& group) {
  HERALD_ASSIGN_OR_RETURN(std::vector<TopicPartition> out,
                          FetchGroupOffsets(*client_, group, nullptr));
  if (out.empty()) {
    // librdkafka 2.0.2 asks for "all partitions" with an empty topic array, which means null only
    // in OffsetFetch's flexible versions (v6+); a broker that speaks at most v5 answers it with
    // nothing. Ask for every partition of every topic explicitly instead. (Herald stays at v5:
    // in v6+ that request carries a never-finalized 4-byte array count, 3 stray bytes.)
    HERALD_ASSIGN_OR_RETURN(ClusterInfo cluster, client_->Metadata());
    std::vector<TopicPartition> all;
    for (const auto& t : cluster.topics) {
      if (t.internal()) continue;
      for (const auto& p : t.partitions) all.push_back({t.name, p.id, kOffsetInvalid, {}});
    }
    if (!all.empty()) {
      PartitionListPtr list = ToPartitionList(all);
      HERALD_ASSIGN_OR_RETURN(out, FetchGroupOffsets(*client_, group, list.get()));
    }
  }
  std::sort(out.begin(), out.end(), [](const TopicPartition& a, const TopicPartition& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

Status Admin::AlterGroupOffsets(const std::string& group,
                                const std::vector<TopicPartition>& offsets) {
  PartitionListPtr list = ToPartitionList(offsets);
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                  Deleter<rd_kafka_AlterConsumerGroupOffsets_destroy>>
      request(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_AlterConsumerGroupOffsets_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
                                     fmt::format("committing offsets of group '{}'", group),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_AlterConsumerGroupOffsets(client_->get(), array, 1,
                                                                          o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &n);
  return GroupResultsStatus(results, n);
}

Result<std::vector<TopicPartition>> Admin::DeleteRecords(std::vector<TopicPartition> before) {
  if (before.empty()) return before;
  PartitionListPtr list = ToPartitionList(before);
  std::unique_ptr<rd_kafka_DeleteRecords_t, Deleter<rd_kafka_DeleteRecords_destroy>> request(
      rd_kafka_DeleteRecords_new(list.get()));
  rd_kafka_DeleteRecords_t* array[] = {request.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETERECORDS,
                                     fmt::format("deleting records of {}", before.front().topic),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteRecords(client_->get(), array, 1, o, q);
                                     }));
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  for (auto& tp : before) {
    const rd_kafka_topic_partition_t* e =
        offsets == nullptr
            ? nullptr
            : rd_kafka_topic_partition_list_find(offsets, tp.topic.c_str(), tp.partition);
    if (e == nullptr) {
      tp.status = Internal("{} partition {}: no result in the answer", tp.topic, tp.partition);
      continue;
    }
    tp.offset = e->offset;
    tp.status = KafkaStatus(e->err, fmt::format("{} partition {}", tp.topic, tp.partition));
  }
  return before;
}

Status Admin::DeleteGroup(const std::string& group) {
  std::unique_ptr<rd_kafka_DeleteGroup_t, Deleter<rd_kafka_DeleteGroup_destroy>> dg(
      rd_kafka_DeleteGroup_new(group.c_str()));
  rd_kafka_DeleteGroup_t* array[] = {dg.get()};
  HERALD_ASSIGN_OR_RETURN(EventPtr event,
                          RunAdminOp(*client_, RD_KAFKA_ADMIN_OP_DELETEGROUPS,
                                     fmt::format("deleting group '{}'", group),
                                     [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                       rd_kafka_DeleteGroups(client_->get(), array, 1, o, q);
                                     }));
  size_t n = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &n);
  return GroupResultsStatus(results, n);
}

// ---- Producer --------------------------------------------------------------------------------

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
  HERALD_ASSIGN_OR_RETURN(auto client, Client::Create(RD_KAFKA_PRODUCER, options, std::move(conf)));
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

// ---- Consumer --------------------------------------------------------------------------------

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
  HERALD_ASSIGN_OR_RETURN(auto client, Client::Create(RD_KAFKA_CONSUMER, options, std::move(conf)));
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
  client_->set_rebalance_handler([rk, on_assign = std::move(on_assign),
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
  });
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
