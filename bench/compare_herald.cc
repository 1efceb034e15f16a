// Herald in `herald bench compare`: `herald serve` (HeraldServer) on a scratch directory, driven
// over the Kafka protocol with librdkafka's C API.
#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

#include <fmt/format.h>

#include "client/kafka_client.h"
#include "client/rdkafka_util.h"  // client::Conf, KafkaStatus, PartitionListPtr
#include "compare_system.h"
#include "herald_server.h"

namespace herald::bench {
namespace {

constexpr const char* kTopic = "bench";
using Properties = std::map<std::string, std::string>;

Result<rd_kafka_t*> NewKafkaHandle(rd_kafka_type_t type, const Properties& properties,
                                   void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*,
                                                       void*),
                                   void* opaque) {
  client::Conf conf;
  for (const auto& [key, value] : properties) HERALD_RETURN_IF_ERROR(conf.Set(key, value));
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), opaque);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Internal("rd_kafka_new: {}", err);
  conf.release();  // rd_kafka_new took it
  return rk;
}

class KafkaPublisher : public Publisher {
 public:
  ~KafkaPublisher() override {
    if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
    if (rk_ != nullptr) {
      rd_kafka_flush(rk_, 10000);
      rd_kafka_destroy(rk_);
    }
  }

  static Result<std::unique_ptr<Publisher>> Create(const Properties& properties) {
    auto p = std::make_unique<KafkaPublisher>();
    HERALD_ASSIGN_OR_RETURN(p->rk_, NewKafkaHandle(RD_KAFKA_PRODUCER, properties, OnDelivery,
                                                   p.get()));
    p->topic_ = rd_kafka_topic_new(p->rk_, kTopic, nullptr);
    if (p->topic_ == nullptr) return Internal("rd_kafka_topic_new failed");
    return std::unique_ptr<Publisher>(std::move(p));
  }

  Status Send(std::string_view payload) override {
    // librdkafka's own queue is sized to the window; when its count lags ours for a moment
    // (delivery reports not yet released), serve callbacks and retry.
    for (int attempt = 0;; ++attempt) {
      if (rd_kafka_produce(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                           const_cast<char*>(payload.data()), payload.size(), nullptr, 0,
                           nullptr) == 0) {
        return Status::Ok();
      }
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 60000) {
        return client::KafkaStatus(err, "produce");
      }
      rd_kafka_poll(rk_, 1);
    }
  }

  Result<uint64_t> PollAcks(int timeout_ms) override {
    rd_kafka_poll(rk_, timeout_ms);
    if (failed_ > 0) return client::KafkaStatus(first_error_, "delivery");
    uint64_t n = delivered_ - reported_;
    reported_ = delivered_;
    return n;
  }

 private:
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
    auto* self = static_cast<KafkaPublisher*>(opaque);
    if (msg->err) {
      if (self->failed_++ == 0) self->first_error_ = msg->err;
      return;
    }
    ++self->delivered_;
  }

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  uint64_t delivered_ = 0;
  uint64_t reported_ = 0;
  uint64_t failed_ = 0;
  rd_kafka_resp_err_t first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
};

class KafkaConsumer : public Consumer {
 public:
  ~KafkaConsumer() override {
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    if (rk_ != nullptr) {
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
  }

  static Result<std::unique_ptr<Consumer>> Create(const Properties& properties, int partitions) {
    auto c = std::make_unique<KafkaConsumer>();
    HERALD_ASSIGN_OR_RETURN(c->rk_, NewKafkaHandle(RD_KAFKA_CONSUMER, properties, nullptr,
                                                   c.get()));
    client::PartitionListPtr parts(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(parts.get(), kTopic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    HERALD_RETURN_IF_ERROR(client::KafkaStatus(rd_kafka_assign(c->rk_, parts.get()), "assign"));
    c->queue_ = rd_kafka_queue_get_consumer(c->rk_);
    if (c->queue_ == nullptr) return Internal("no consumer queue");
    return std::unique_ptr<Consumer>(std::move(c));
  }

  Result<uint64_t> Poll(int timeout_ms, const Handler& on_message) override {
    // The first message as soon as it comes (a batch call would wait for a full batch or the
    // timeout), then whatever else is already there.
    rd_kafka_message_t* first = rd_kafka_consume_queue(queue_, timeout_ms);
    if (first == nullptr) return uint64_t{0};
    batch_[0] = first;
    ssize_t more = rd_kafka_consume_batch_queue(queue_, 0, batch_ + 1, kBatch - 1);
    if (more < 0) {
      rd_kafka_message_destroy(first);
      return client::KafkaStatus(rd_kafka_last_error(), "consume");
    }
    const ssize_t n = 1 + more;
    uint64_t delivered = 0;
    Status error;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch_[i];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        on_message(std::string_view(static_cast<const char*>(m->payload), m->len));
        ++delivered;
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && error.ok()) {
        error = client::KafkaStatus(m->err, "consume");
      }
      rd_kafka_message_destroy(m);
    }
    if (!error.ok()) return error;
    // Acknowledgement: offsets are stored as messages are handed over and committed by
    // enable.auto.commit in the background.
    return delivered;
  }

 private:
  static constexpr size_t kBatch = 1000;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  rd_kafka_message_t* batch_[kBatch] = {};
};

class HeraldSystem : public System {
 public:
  ~HeraldSystem() override { Stop(); }
  std::string_view name() const override { return "herald"; }

  Status Start(const SystemConfig& config) override {
    config_ = config;
    server_ = std::make_unique<HeraldServer>();
    Status started = server_->Start(config.herald_binary, config.dir);
    if (!started.ok()) {
      server_.reset();
      return Unavailable("herald serve did not start: {}", started.message());
    }
    const std::string bootstrap = server_->bootstrap();
    const bool fsync = config.durability == Durability::kFsync;
    const Properties common = {{"bootstrap.servers", bootstrap}, {"socket.nagle.disable", "true"}};
    producer_ = common;
    producer_.insert({{"acks", fsync ? "all" : "1"},
                      {"linger.ms", "1"},
                      {"batch.size", "1048576"},
                      {"queue.buffering.max.messages", std::to_string(config.window)},
                      {"enable.idempotence", "false"},
                      {"compression.codec", "none"}});
    consumer_ = common;
    consumer_.insert({{"group.id", "herald-bench-compare"},
                      {"enable.auto.commit", "true"},
                      {"auto.commit.interval.ms", "1000"},
                      {"fetch.max.bytes", "4194304"},
                      {"max.partition.fetch.bytes", "262144"},
                      {"fetch.wait.max.ms", "100"}});
    client::ClientOptions options;
    options.bootstrap = bootstrap;
    auto admin = client::Admin::Create(options);
    Status created = admin.ok() ? admin->CreateTopic({kTopic, config.partitions, 1, {}})
                                : admin.status();
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      Stop();
      return created.WithContext("creating the topic");
    }
    return Status::Ok();
  }

  void Stop() override { server_.reset(); }

  std::string version() const override { return config_.herald_version; }

  nlohmann::json settings() const override {
    const bool fsync = config_.durability == Durability::kFsync;
    return {
        {"server", fmt::format("{} --log-level warn serve --data-dir {}/data --kafka-addr {} "
                               "--http-addr 127.0.0.1:<free port>",
                               config_.herald_binary, config_.dir,
                               server_ ? server_->bootstrap() : "")},
        {"protocol", "Kafka (librdkafka C client)"},
        {"destination", fmt::format("topic '{}', {} partitions, keyless records (sticky "
                                    "partitioner)",
                                    kTopic, config_.partitions)},
        {"producer", producer_},
        {"consumer", consumer_},
        {"acknowledgement", fsync ? "acks=all: Herald appends and fsyncs (group commit) before "
                                    "acknowledging"
                                  : "acks=1: acknowledged once appended to the log in the page "
                                    "cache; flushed in the background"},
        {"consumer_ack", "offsets committed by enable.auto.commit every 1 s"},
        {"acknowledged", fsync ? "fsync (acks=all)" : "page cache (acks=1)"},
    };
  }

  Result<std::unique_ptr<Publisher>> NewPublisher() override {
    return KafkaPublisher::Create(producer_);
  }
  Result<std::unique_ptr<Consumer>> NewConsumer() override {
    return KafkaConsumer::Create(consumer_, config_.partitions);
  }

 private:
  SystemConfig config_;
  std::unique_ptr<HeraldServer> server_;
  Properties producer_;
  Properties consumer_;
};

}  // namespace

std::unique_ptr<System> MakeHeraldSystem() { return std::make_unique<HeraldSystem>(); }

}  // namespace herald::bench
