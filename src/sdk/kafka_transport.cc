// The Kafka transport: the SDK over librdkafka (client/kafka_client.h), against `herald serve` or
// any Kafka cluster.
//
// Sends go through one idempotent producer (acks=all, so an acknowledged record is on every
// in-sync replica; Kafka's murmur2 partitioner for keyed records, like the embedded transport and
// the Java client). A background thread serves its delivery reports, so `done` runs there (or,
// when librdkafka's queue is full, on a sending thread) without the caller polling.
//
// Each Join is a consumer of its own in the group, subscribed to the topics, committing nothing
// but what GroupSession::Commit/CommitAsync is given: one commit in flight at a time, the offsets
// asked for meanwhile merged into the next, so commits land in order even when librdkafka
// retries one. Pausing a topic pauses its assigned partitions in
// librdkafka and again after each rebalance; a record of a paused topic that was already on its
// way is held back and handed out, in order, once the topic is resumed. Consumers read committed
// records only (librdkafka's default isolation.level).
//
// Each OpenTransactional is a transactional producer of its own (librdkafka's transactions),
// its offsets sent for a session's consumer so the group's generation fences zombies (KIP-447).
#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/log.h"
#include "base/mutex.h"
#include "client/kafka_client.h"
#include "herald/errors.h"
#include "herald/transport.h"
#include "sdk/check.h"
#include "sdk/commit_pipeline.h"

namespace herald::sdk {
namespace {

constexpr int kLingerMs = 5;
constexpr int kDeliveryPollMs = 100;
// How long closing the transport waits for records still in flight before failing them.
constexpr int kCloseFlushMs = 10000;

client::ClientOptions ClientOptionsFor(const KafkaOptions& options,
                                       std::map<std::string, std::string> properties) {
  client::ClientOptions out;
  out.bootstrap = options.bootstrap;
  out.client_id = options.client_id;
  out.properties = std::move(properties);
  return out;
}

Message FromClient(client::Message&& m) {
  Message out;
  out.topic = std::move(m.topic);
  out.partition = m.partition;
  out.offset = m.offset;
  out.timestamp_ms = m.timestamp_ms;
  out.key = std::move(m.key);
  out.value = std::move(m.value);
  for (auto& [name, value] : m.headers) {
    out.headers.emplace_back(std::move(name), value ? std::move(*value) : std::string());
  }
  return out;
}

// One Send call: its results, filled in by delivery reports, and `done` once all are in.
class SendCall {
 public:
  SendCall(size_t records, std::function<void(std::vector<SendResult>)> done)
      : results_(records), outstanding_(records + 1), done_(std::move(done)) {}

  // Sets result `i` (before it is finished).
  SendResult& result(size_t i) { return results_[i]; }

  // Records the outcome of record `i` and finishes it.
  void Deliver(size_t i, const client::DeliveryReport& report) {
    {
      MutexLock lock(mu_);
      SendResult& out = results_[i];
      out.position.topic = report.topic;
      out.position.partition = report.partition;
      if (report.status.ok()) {
        out.position.offset = report.offset;
      } else {
        out.error = report.status.message();
      }
    }
    FinishOne();
  }

  // One more record (or the issuing of them all) is done; the last calls `done`.
  void FinishOne() {
    MutexLock lock(mu_);
    if (--outstanding_ > 0) return;
    lock.Unlock();
    done_(std::move(results_));
  }

 private:
  Mutex mu_;
  std::vector<SendResult> results_;
  size_t outstanding_ GUARDED_BY(mu_);  // records in flight, plus one until all are issued
  std::function<void(std::vector<SendResult>)> done_;
};

// What a produced record carries to its delivery report.
struct Ticket {
  std::shared_ptr<SendCall> call;
  size_t index = 0;
};

// Sends `records` through `producer`, whose delivery handler is ServeTickets; `done` once each is
// acknowledged or failed.
void SendRecords(client::Producer& producer, std::vector<OutgoingRecord> records,
                 std::function<void(std::vector<SendResult>)> done) {
  auto call = std::make_shared<SendCall>(records.size(), std::move(done));
  for (size_t i = 0; i < records.size(); ++i) {
    OutgoingRecord& r = records[i];
    SendResult& result = call->result(i);
    result.position.topic = r.topic;
    if (r.partition && *r.partition < 0) {
      result.error = fmt::format("{} has no partition {}", r.topic, *r.partition);
      call->FinishOne();
      continue;
    }
    if (r.partition) result.position.partition = *r.partition;
    client::Record record;
    record.key = std::move(r.key);
    record.value = std::move(r.value);
    record.headers = std::move(r.headers);
    record.partition = r.partition.value_or(client::kAnyPartition);
    record.timestamp_ms = r.timestamp_ms;
    auto ticket = std::make_unique<Ticket>(Ticket{call, i});
    if (Status s = producer.Send(r.topic, record, ticket.get()); !s.ok()) {
      result.error = s.message();
      call->FinishOne();
      continue;
    }
    ticket.release();  // the delivery report owns it now
  }
  call->FinishOne();
}

// The delivery handler of a producer sending through SendRecords.
void ServeTicket(const client::DeliveryReport& report) {
  std::unique_ptr<Ticket> ticket(static_cast<Ticket*>(report.opaque));
  if (ticket) ticket->call->Deliver(ticket->index, report);
}

// A producer whose delivery reports a background thread serves, so `done` runs there (or, when
// librdkafka's queue is full, on a sending thread) without the caller polling. Closing gives
// records in flight a chance, then fails the rest so every `done` is called.
class ServedProducer {
 public:
  ServedProducer(client::Producer producer, std::string bootstrap)
      : producer_(std::move(producer)), bootstrap_(std::move(bootstrap)) {
    producer_.set_delivery_handler(ServeTicket);
    poller_ = std::thread([this] {
      while (!stopping_) producer_.Poll(kDeliveryPollMs);
    });
  }
  ~ServedProducer() {
    if (Status s = producer_.Flush(kCloseFlushMs); !s.ok()) {
      LogWarn("sdk_kafka_close", {{"bootstrap", bootstrap_}}, s.message());
      producer_.Purge();
      producer_.Flush(kCloseFlushMs).IgnoreError();
    }
    stopping_ = true;
    poller_.join();
  }
  ServedProducer(const ServedProducer&) = delete;
  ServedProducer& operator=(const ServedProducer&) = delete;

  client::Producer& get() { return producer_; }

 private:
  client::Producer producer_;
  const std::string bootstrap_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

class KafkaSession : public GroupSession {
 public:
  KafkaSession(std::string group, client::Consumer consumer)
      : group_(std::move(group)), consumer_(std::move(consumer)) {}
  ~KafkaSession() override {
    try {
      Close();
    } catch (const Error& e) {
      LogDebug("sdk_session_close_failed", {{"group", group_}}, e.what());
    }
  }

  // Subscribes to `topics`, re-pausing paused topics' partitions after each assignment.
  void Subscribe(const std::vector<std::string>& topics) {
    Check(consumer_.Subscribe(topics, {},
                              [this](bool assigned,
                                     const std::vector<client::TopicPartition>& partitions) {
                                OnRebalanced(assigned, partitions);
                              }),
          fmt::format("joining group '{}'", group_));
  }

  std::vector<Message> Poll(std::chrono::milliseconds timeout, size_t max_records) override;
  void Commit(const std::vector<RecordPosition>& next_offsets) override;
  void CommitAsync(const std::vector<RecordPosition>& next_offsets) override;
  void Pause(const std::string& topic) override;
  void Resume(const std::string& topic) override;
  // For a transaction's SendOffsets, on the thread that polls.
  client::Consumer& consumer() { return consumer_; }
  const std::string& group() const { return group_; }

  void Close() override {
    if (closed_.exchange(true)) return;
    FlushCommits();
    Check(consumer_.Close(), fmt::format("leaving group '{}'", group_));
    ThrowCommitError();
  }

 private:
  using Key = std::pair<std::string, int32_t>;

  // Runs inside consumer_.Poll (librdkafka's callback): must not throw.
  void OnRebalanced(bool assigned, const std::vector<client::TopicPartition>& partitions);
  // The assigned partitions of `topic`.
  std::vector<client::TopicPartition> AssignedOf(const std::string& topic);
  // Moves held records of unpaused topics to `out`, up to `max_records`.
  void TakeHeld(std::vector<Message>& out, size_t max_records);
  // Hands `m` out through `out`, or holds it back when its topic is paused or its partition
  // has older records held.
  void Deliver(Message m, std::vector<Message>& out);
  void ThrowRebalanceError();
  void ThrowCommitError();
  // One commit through librdkafka (CommitPipeline's Send), answered by ServeCommits.
  void SendCommit(std::vector<RecordPosition> offsets, CommitPipeline::Answered answered);
  // Until every commit asked for is answered.
  void FlushCommits();

  const std::string group_;
  Mutex mu_;
  std::set<std::string> paused_ GUARDED_BY(mu_);
  std::map<Key, std::deque<Message>> held_ GUARDED_BY(mu_);  // in offset order
  Status rebalance_error_ GUARDED_BY(mu_);  // from OnRebalanced, thrown by Poll
  std::atomic<bool> closed_{false};
  CommitPipeline commits_{[this](std::vector<RecordPosition> offsets,
                                 CommitPipeline::Answered answered) {
    SendCommit(std::move(offsets), std::move(answered));
  }};
  // Last, so it goes first: its rebalance handler uses the members above.
  client::Consumer consumer_;
};

void KafkaSession::OnRebalanced(bool assigned,
                                const std::vector<client::TopicPartition>& partitions) {
  std::vector<client::TopicPartition> to_pause;
  {
    MutexLock lock(mu_);
    for (const auto& tp : partitions) {
      if (!assigned) {
        // Given up: whoever holds it next starts from the group's commit.
        held_.erase({tp.topic, tp.partition});
      } else if (paused_.contains(tp.topic)) {
        to_pause.push_back(tp);
      }
    }
  }
  if (Status s = consumer_.Pause(to_pause); !s.ok()) {
    MutexLock lock(mu_);
    if (rebalance_error_.ok()) rebalance_error_ = s;
  }
}

void KafkaSession::ThrowRebalanceError() {
  Status s;
  {
    MutexLock lock(mu_);
    std::swap(s, rebalance_error_);
  }
  Check(s, fmt::format("pausing newly assigned partitions of group '{}'", group_));
}

void KafkaSession::ThrowCommitError() {
  if (std::string error = commits_.TakeError(); !error.empty()) {
    throw Error(fmt::format("committing offsets of group '{}': {}", group_, error));
  }
}

std::vector<client::TopicPartition> KafkaSession::AssignedOf(const std::string& topic) {
  auto assigned = Check(consumer_.Assignment(), fmt::format("assignment of group '{}'", group_));
  std::erase_if(assigned, [&](const client::TopicPartition& tp) { return tp.topic != topic; });
  return assigned;
}

void KafkaSession::TakeHeld(std::vector<Message>& out, size_t max_records) {
  MutexLock lock(mu_);
  for (auto it = held_.begin(); it != held_.end() && out.size() < max_records;) {
    if (paused_.contains(it->first.first)) {
      ++it;
      continue;
    }
    auto& queue = it->second;
    while (!queue.empty() && out.size() < max_records) {
      out.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    it = queue.empty() ? held_.erase(it) : std::next(it);
  }
}

void KafkaSession::Deliver(Message m, std::vector<Message>& out) {
  bool pause = false;
  client::TopicPartition tp{m.topic, m.partition, client::kOffsetInvalid, {}};
  {
    MutexLock lock(mu_);
    auto it = held_.find({m.topic, m.partition});
    const bool paused = paused_.contains(m.topic);
    if (!paused && it == held_.end()) {
      out.push_back(std::move(m));
      return;
    }
    // Paused while this record was on its way (or older ones still wait): keep it for later, and
    // make sure librdkafka fetches no more of the partition meanwhile.
    pause = paused;
    held_[{m.topic, m.partition}].push_back(std::move(m));
  }
  if (pause) {
    Check(consumer_.Pause({tp}), fmt::format("pausing {} partition {}", tp.topic, tp.partition));
  }
}

std::vector<Message> KafkaSession::Poll(std::chrono::milliseconds timeout, size_t max_records) {
  std::vector<Message> out;
  if (closed_ || max_records == 0) return out;
  TakeHeld(out, max_records);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < max_records) {
    // The first record is waited for until the deadline; after it, only what is ready is taken.
    int wait_ms = 0;
    if (out.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1000));
    }
    auto event = consumer_.Poll(wait_ms);
    consumer_.ServeCommits(0);
    ThrowRebalanceError();
    ThrowCommitError();
    if (!event.ok()) {
      throw Error(fmt::format("polling group '{}': {}", group_, event.status().message()));
    }
    if (event->kind == client::Consumer::Event::Kind::kMessage) {
      Deliver(FromClient(std::move(event->message)), out);
      continue;
    }
    if (event->kind == client::Consumer::Event::Kind::kPartitionEof) continue;
    // Nothing ready.
    if (!out.empty() || std::chrono::steady_clock::now() >= deadline) break;
  }
  return out;
}

void KafkaSession::Commit(const std::vector<RecordPosition>& next_offsets) {
  CommitAsync(next_offsets);
  FlushCommits();
  ThrowCommitError();
}

void KafkaSession::CommitAsync(const std::vector<RecordPosition>& next_offsets) {
  ThrowCommitError();
  commits_.Add(next_offsets);
}

void KafkaSession::SendCommit(std::vector<RecordPosition> offsets,
                              CommitPipeline::Answered answered) {
  std::vector<client::TopicPartition> request;
  for (auto& o : offsets) request.push_back({std::move(o.topic), o.partition, o.offset, {}});
  auto shared = std::make_shared<CommitPipeline::Answered>(std::move(answered));
  Status s = consumer_.CommitOffsetsAsync(request, [shared](const Status& answer) {
    (*shared)(answer.ok() ? "" : answer.message());
  });
  if (!s.ok()) (*shared)(s.message());
}

void KafkaSession::FlushCommits() {
  while (!commits_.Idle()) consumer_.ServeCommits(100);
}

void KafkaSession::Pause(const std::string& topic) {
  {
    MutexLock lock(mu_);
    paused_.insert(topic);
  }
  Check(consumer_.Pause(AssignedOf(topic)), fmt::format("pausing '{}'", topic));
}

void KafkaSession::Resume(const std::string& topic) {
  {
    MutexLock lock(mu_);
    paused_.erase(topic);
  }
  // librdkafka fetches again from after the last record Poll got, held ones included: the held
  // ones go out first (TakeHeld, and Deliver keeps later ones behind them).
  Check(consumer_.Resume(AssignedOf(topic)), fmt::format("resuming '{}'", topic));
}

// A transactional producer of its own. librdkafka's transaction calls wait up to
// kTxnCallTimeoutMs each; one that timed out (retriable) is made again, up to kTxnCallAttempts.
class KafkaTxnSession : public TransactionSession {
 public:
  KafkaTxnSession(std::string transactional_id, client::Producer producer,
                  const std::string& bootstrap)
      : id_(std::move(transactional_id)), producer_(std::move(producer), bootstrap) {
    Run([&] { return producer_.get().InitTransactions(kTxnCallTimeoutMs); });
  }
  ~KafkaTxnSession() override {
    if (!open_) return;
    try {
      Abort();
    } catch (const std::exception& e) {
      LogDebug("sdk_transaction_abort_failed", {{"transactional_id", id_}}, e.what());
    }
  }

  void Begin() override {
    if (open_) throw Error(fmt::format("transactional id '{}' has a transaction open", id_));
    Run([&] { return producer_.get().BeginTransaction(); });
    open_ = true;
  }

  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) override {
    SendRecords(producer_.get(), std::move(records), std::move(done));
  }

  void SendOffsets(GroupSession& consumer,
                   const std::vector<RecordPosition>& next_offsets) override {
    auto* session = dynamic_cast<KafkaSession*>(&consumer);
    if (session == nullptr) {
      throw Error("SendOffsets needs a group session of the same Kafka transport");
    }
    std::vector<client::TopicPartition> offsets;
    for (const auto& o : next_offsets) offsets.push_back({o.topic, o.partition, o.offset, {}});
    Run([&] {
      return producer_.get().SendOffsetsToTransaction(offsets, session->consumer(),
                                                      kTxnCallTimeoutMs);
    });
  }

  void Commit() override {
    if (!open_) return;
    Run([&] { return producer_.get().CommitTransaction(kTxnCallTimeoutMs); });
    open_ = false;
  }

  void Abort() override {
    if (!open_) return;
    Run([&] { return producer_.get().AbortTransaction(kTxnCallTimeoutMs); });
    open_ = false;
  }

 private:
  static constexpr int kTxnCallTimeoutMs = 30000;
  static constexpr int kTxnCallAttempts = 3;

  // Makes `call` until it succeeds, is not retriable or used its attempts; throws what it failed
  // with: TransactionAborted once an abortable transaction is aborted, ProducerFenced, Error.
  void Run(const std::function<client::TxnResult()>& call) {
    client::TxnResult r;
    for (int attempt = 0; attempt < kTxnCallAttempts; ++attempt) {
      r = call();
      if (!r.retriable) break;
    }
    if (r.ok()) return;
    const std::string what = fmt::format("transactional id '{}': {}", id_, r.status.message());
    if (r.fenced) throw ProducerFenced(what);
    if (r.abort_required) {
      client::TxnResult aborted = producer_.get().AbortTransaction(kTxnCallTimeoutMs);
      open_ = false;
      if (!aborted.ok()) {
        throw Error(fmt::format("{}; aborting failed too: {}", what, aborted.status.message()));
      }
      throw TransactionAborted(what);
    }
    throw Error(what);
  }

  const std::string id_;
  ServedProducer producer_;
  bool open_ = false;
};

class KafkaTransport : public Transport {
 public:
  KafkaTransport(const KafkaOptions& options, std::map<std::string, std::string> properties,
                 client::Admin admin, client::Producer producer)
      : options_(options),
        properties_(std::move(properties)),
        admin_(std::move(admin)),
        producer_(std::move(producer), options.bootstrap) {}

  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) override {
    SendRecords(producer_.get(), std::move(records), std::move(done));
  }

  std::unique_ptr<TransactionSession> OpenTransactional(const std::string& transactional_id,
                                                        std::chrono::milliseconds timeout) override;

  void EnsureTopic(const std::string& topic, int32_t partitions) override {
    MutexLock lock(admin_mu_);
    // Replication factor -1: the cluster's default.
    Status s = admin_.CreateTopic({topic, partitions, -1, {}});
    if (s.code() == StatusCode::kAlreadyExists) return;
    Check(s, fmt::format("creating topic '{}'", topic));
  }

  std::unique_ptr<GroupSession> Join(const std::string& group,
                                     const std::vector<std::string>& topics) override {
    // Like the embedded transport, a missing topic is created (with the cluster's default
    // partition count) rather than failing the first Poll.
    for (const auto& topic : topics) EnsureTopicExists(topic);
    auto properties = options_.properties;
    properties["enable.auto.commit"] = "false";  // only GroupSession::Commit commits
    client::ConsumerOptions co;
    co.group_id = group;
    co.auto_offset_reset = "earliest";
    co.report_partition_eof = false;
    auto consumer =
        Check(client::Consumer::Create(ClientOptionsFor(options_, std::move(properties)), co),
              fmt::format("creating a consumer for group '{}'", group));
    auto session = std::make_unique<KafkaSession>(group, std::move(consumer));
    session->Subscribe(topics);
    return session;
  }

 private:
  void EnsureTopicExists(const std::string& topic) {
    MutexLock lock(admin_mu_);
    auto described = admin_.client().DescribeTopic(topic);
    if (described.ok()) return;
    if (described.status().code() != StatusCode::kNotFound) {
      Check(described.status(), fmt::format("describing topic '{}'", topic));
    }
    Status s = admin_.CreateTopic({topic, -1, -1, {}});
    if (s.code() == StatusCode::kAlreadyExists) return;
    Check(s, fmt::format("creating topic '{}'", topic));
  }

  const KafkaOptions options_;
  const std::map<std::string, std::string> properties_;  // of producers
  Mutex admin_mu_;
  client::Admin admin_ GUARDED_BY(admin_mu_);
  ServedProducer producer_;
};

std::unique_ptr<TransactionSession> KafkaTransport::OpenTransactional(
    const std::string& transactional_id, std::chrono::milliseconds timeout) {
  client::ProducerOptions po;
  po.acks = "all";
  po.linger_ms = kLingerMs;
  po.idempotent = true;
  po.transactional_id = transactional_id;
  po.transaction_timeout_ms = static_cast<int>(timeout.count());
  auto producer =
      Check(client::Producer::Create(ClientOptionsFor(options_, properties_), po),
            fmt::format("creating a producer for transactional id '{}'", transactional_id));
  return std::make_unique<KafkaTxnSession>(transactional_id, std::move(producer),
                                           options_.bootstrap);
}

}  // namespace

std::shared_ptr<Transport> ConnectKafka(const KafkaOptions& options) {
  auto admin = Check(client::Admin::Create(ClientOptionsFor(options, options.properties)),
                     "creating a Kafka admin client");
  Check(admin.client().Connect(), "connecting");
  // Kafka's murmur2 for keyed records (librdkafka's default is CRC32); given properties win.
  std::map<std::string, std::string> properties = {{"partitioner", "murmur2_random"}};
  for (const auto& [key, value] : options.properties) properties[key] = value;
  client::ProducerOptions po;
  po.acks = "all";
  po.linger_ms = kLingerMs;
  po.idempotent = true;
  auto producer = Check(client::Producer::Create(ClientOptionsFor(options, properties), po),
                        "creating a Kafka producer");
  return std::make_shared<KafkaTransport>(options, std::move(properties), std::move(admin),
                                          std::move(producer));
}

}  // namespace herald::sdk
