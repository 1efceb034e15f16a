// The embedded transport: Herald's storage engine and broker in this process.
//
// Records are appended through broker::Broker (the same path `herald serve` takes, so producer
// metrics and checks apply) and acknowledged once fsynced. Committed offsets go to the group
// coordinator's __consumer_offsets, so `herald serve` later sees the same groups and offsets.
// The process holds the data directory alone, so a group has one member here: a session holds
// every partition of its topics, and reads committed records only (as librdkafka's consumers do):
// up to each partition's last stable offset, without the records of aborted transactions.
//
// Transactions go through the node's transaction coordinator (broker/transactions.h), as a Kafka
// client's would through `herald serve`: InitProducerId takes the transactional id, partitions and
// the group's offsets join the transaction before anything is written to them, records are
// transactional batches with the producer's sequences, and EndTxn has the markers written.
#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/backoff.h"
#include "base/log.h"
#include "base/mutex.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/group_records.h"
#include "broker/partitioner.h"
#include "broker/transactions.h"
#include "herald/errors.h"
#include "herald/transport.h"
#include "sdk/check.h"
#include "sdk/commit_pipeline.h"
#include "sdk/embedded.h"
#include "storage/aborted_txns.h"
#include "storage/engine.h"
#include "storage/record_batch.h"

namespace herald::sdk {
namespace {

class EmbeddedTransport;

// Calls `start` with a callback and waits for the value it is given (from any thread): the
// coordinators' asynchronous calls, made synchronous for the SDK's blocking API.
template <typename T, typename Start>
T Await(Start start) {
  std::promise<T> answer;
  start([&answer](T value) { answer.set_value(std::move(value)); });
  return answer.get_future().get();
}

// How long a coordinator call that meets a transaction still completing (CONCURRENT_TRANSACTIONS,
// UNSTABLE_OFFSET_COMMIT) is made again, with backoff.
constexpr auto kCoordinatorWait = std::chrono::seconds(30);

// Makes `call` until `again(result)` is false or `wait` passed; the last result.
template <typename Call, typename Again>
auto Retrying(const Call& call, const Again& again,
              std::chrono::steady_clock::duration wait = kCoordinatorWait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  Backoff backoff(std::chrono::milliseconds(5), std::chrono::milliseconds(100));
  for (;;) {
    auto result = call();
    if (!again(result) || std::chrono::steady_clock::now() >= deadline) return result;
    std::this_thread::sleep_for(backoff.Next());
  }
}

bool IsConcurrent(broker::ErrorCode e) {
  return e == broker::ErrorCode::kConcurrentTransactions;
}

// The only member of its group in this process: holds every partition of its topics.
class EmbeddedSession : public GroupSession {
 public:
  struct Partition {
    std::string topic;
    int32_t partition = 0;
    std::shared_ptr<storage::Log> log;
    int64_t position = 0;
    // Whole batches read from the log, handed out up to `position`, from `chunk_at` on: a Poll
    // reads no more than about what it hands out, into warm, reused memory (spare_chunk_).
    Buffer chunk;
    size_t chunk_at = 0;
    // The aborted transactions with records in `chunk`, whose batches are skipped.
    std::vector<storage::AbortedTxn> aborted;
  };

  EmbeddedSession(std::shared_ptr<EmbeddedTransport> transport, std::string group,
                  std::vector<Partition> partitions);
  ~EmbeddedSession() override {
    closed_ = true;
    commits_.WaitIdle();  // their callbacks use this session
  }

  const std::string& group() const { return group_; }

  std::vector<Message> Poll(std::chrono::milliseconds timeout, size_t max_records) override;
  void Commit(const std::vector<RecordPosition>& next_offsets) override;
  void CommitAsync(const std::vector<RecordPosition>& next_offsets) override;
  void Pause(const std::string& topic) override {
    MutexLock lock(mu_);
    paused_.insert(topic);
  }
  void Resume(const std::string& topic) override {
    {
      MutexLock lock(mu_);
      paused_.erase(topic);
    }
    wakeup_->Wake();  // a Poll waiting reads the topic again
  }
  void Close() override {
    closed_ = true;
    wakeup_->Wake();  // a Poll waiting returns
    commits_.WaitIdle();
    ThrowCommitError();
  }

 private:
  // One commit to the group coordinator (CommitPipeline's Send).
  void SendCommit(std::vector<RecordPosition> offsets, CommitPipeline::Answered answered);
  void ThrowCommitError();
  // Bytes read from a partition's log at a time, and how many partitions may keep a buffer of
  // them between Polls: memory stays bounded however many partitions a session holds.
  static constexpr uint64_t kReadBytes = 256 << 10;
  static constexpr std::ptrdiff_t kMaxHeldChunks = 8;
  // Reads what is there from the unpaused partitions, round robin, up to `max_records`.
  std::vector<Message> ReadAvailable(size_t max_records);
  static Message ToMessage(const Partition& p, const storage::RecordView& r);

  std::shared_ptr<EmbeddedTransport> transport_;
  const std::string group_;
  std::vector<Partition> partitions_;
  Buffer spare_chunk_;  // a read buffer no partition needs now
  size_t next_partition_ = 0;
  Mutex mu_;
  std::set<std::string> paused_ GUARDED_BY(mu_);
  // What a waiting Poll is woken by: appends (the broker's watch, whose callback may run just
  // after Unwatch returned, so it shares ownership of this) and Resume.
  struct Wakeup {
    Mutex mu;
    CondVar cv;
    uint64_t count GUARDED_BY(mu) = 0;
    void Wake() {
      {
        MutexLock lock(mu);
        ++count;
      }
      cv.NotifyAll();
    }
  };
  const std::shared_ptr<Wakeup> wakeup_ = std::make_shared<Wakeup>();
  CommitPipeline commits_{
      [this](std::vector<RecordPosition> offsets, CommitPipeline::Answered answered) {
        SendCommit(std::move(offsets), std::move(answered));
      }};
  std::atomic<bool> closed_{false};
};

// A transactional producer through the node's transaction coordinator. Coordinator calls that
// meet a transaction still completing (CONCURRENT_TRANSACTIONS) are made again (Retrying).
class EmbeddedTxnSession : public TransactionSession {
 public:
  EmbeddedTxnSession(std::shared_ptr<EmbeddedTransport> transport, std::string transactional_id,
                     std::chrono::milliseconds timeout);
  ~EmbeddedTxnSession() override;

  void Begin() override;
  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) override;
  void SendOffsets(GroupSession& consumer,
                   const std::vector<RecordPosition>& next_offsets) override;
  void Commit() override { End(true); }
  void Abort() override { End(false); }

 private:
  // Takes the transactional id (a new epoch, sequences from 0).
  void Init();
  // Throws for a coordinator's error: ProducerFenced when another producer holds the id (or
  // this one's transaction was aborted for it), Error otherwise.
  void ThrowFor(broker::ErrorCode e, std::string_view what) const;
  // Adds the partitions not yet in the transaction to it: the coordinator's answer.
  broker::ErrorCode AddPartitions(const std::vector<broker::TopicPartition>& partitions);
  void End(bool commit);

  const std::shared_ptr<EmbeddedTransport> transport_;
  const std::string id_;
  const int32_t timeout_ms_;
  int64_t producer_id_ = -1;
  int16_t epoch_ = -1;
  bool open_ = false;
  std::set<broker::TopicPartition> partitions_;  // in the open transaction
  bool offsets_added_ = false;
  std::map<broker::TopicPartition, int32_t> sequences_;  // the next, per partition
  // Set by a failed record of the open transaction: its partition's sequence has a gap, so the
  // next transaction needs a new epoch.
  std::shared_ptr<std::atomic<bool>> failed_ = std::make_shared<std::atomic<bool>>(false);
};

class EmbeddedTransport : public Transport, public std::enable_shared_from_this<EmbeddedTransport> {
 public:
  explicit EmbeddedTransport(const EmbeddedOptions& options) : options_(options) {
    storage::EngineOptions eo;
    eo.data_dir = options.data_dir;
    eo.defaults =
        Check(storage::LogConfig::WithOverrides(storage::LogConfig{}, options.topic_defaults),
              "topic defaults");
    engine_ = Check(storage::Engine::Open(eo), "opening " + options.data_dir);
    broker::BrokerOptions bo;
    bo.num_partitions = options.default_partitions;
    broker_ = Check(broker::Broker::Open(*engine_, bo), "opening the broker");
    broker::GroupOptions go;
    go.initial_rebalance_delay_ms = 0;
    go.append_transactional = broker::OffsetsAppender(*broker_);
    groups_ = Check(broker::GroupCoordinator::Open(*engine_, io_.get_executor(), go),
                    "opening the group coordinator");
    txns_ =
        std::make_unique<broker::NodeTransactions>(*engine_, *broker_, groups_, io_.get_executor());
    io_thread_ = std::thread([this] { io_.run(); });
  }

  ~EmbeddedTransport() override {
    {
      MutexLock lock(event_store_mu_);
      if (event_store_) event_store_->Close().IgnoreError();
      event_store_.reset();
    }
    SettleTransactions();
    txns_->Stop();
    groups_->Shutdown();
    work_.reset();
    io_thread_.join();
    // The engine closes first: a coordinator write still in flight (a Prepare record made
    // durable, then its markers written through the broker) completes, or fails, while the
    // broker and the group coordinator it calls are still alive.
    engine_->Close().IgnoreError();
    txns_.reset();
    groups_.reset();
    broker_.reset();
  }

  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) override {
    Append(std::move(records), std::move(done), nullptr,
           [](const broker::TopicPartition&, const std::vector<storage::RecordSpec>& specs) {
             return storage::BuildBatch(specs);
           });
  }

  // What Append asks before it writes: OK when the records may go to `partitions` (each once).
  using Prepare = std::function<Status(const std::vector<broker::TopicPartition>& partitions)>;
  // One partition's records as the batch to append.
  using Build =
      std::function<Buffer(const broker::TopicPartition&, const std::vector<storage::RecordSpec>&)>;

  // Appends `records`, one batch per partition (`build`), durably, after `prepare` (when set)
  // agreed; `done` once each is durable or failed, from any thread.
  void Append(std::vector<OutgoingRecord> records,
              std::function<void(std::vector<SendResult>)> done, const Prepare& prepare,
              const Build& build) {
    struct Pending {
      Mutex mu;
      std::vector<SendResult> results;
      size_t outstanding = 0;
      std::function<void(std::vector<SendResult>)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->results.resize(records.size());
    pending->done = std::move(done);
    // Records per (topic, partition), in the order given.
    std::map<std::pair<std::string, int32_t>, std::vector<size_t>> groups;
    const int64_t now = engine_->clock().NowMs();
    for (size_t i = 0; i < records.size(); ++i) {
      const OutgoingRecord& r = records[i];
      pending->results[i].position.topic = r.topic;
      auto partitions = PartitionCount(r.topic);
      if (!partitions.ok()) {
        pending->results[i].error = partitions.status().ToString();
        continue;
      }
      int32_t p = 0;
      if (r.partition) {
        p = *r.partition;
      } else if (r.key) {
        p = broker::PartitionForKey(AsBytes(*r.key), *partitions);
      } else {
        p = static_cast<int32_t>(next_keyless_.fetch_add(1) % static_cast<uint32_t>(*partitions));
      }
      if (p < 0 || p >= *partitions) {
        pending->results[i].error = fmt::format("{} has no partition {}", r.topic, p);
        continue;
      }
      pending->results[i].position.partition = p;
      groups[{r.topic, p}].push_back(i);
    }
    Status prepared;
    if (prepare) {
      std::vector<broker::TopicPartition> partitions;
      for (const auto& [tp, indexes] : groups) partitions.push_back(tp);
      prepared = prepare(partitions);
    }
    pending->outstanding = groups.size() + 1;  // one extra until every append is issued
    auto finish_one = [pending] {
      MutexLock lock(pending->mu);
      if (--pending->outstanding > 0) return;
      lock.Unlock();
      pending->done(std::move(pending->results));
    };
    for (auto& [tp, indexes] : groups) {
      std::vector<storage::RecordSpec> specs;
      for (size_t i : indexes) {
        OutgoingRecord& r = records[i];
        specs.push_back({std::move(r.key), std::move(r.value),
                         r.timestamp_ms > 0 ? r.timestamp_ms : now, std::move(r.headers)});
      }
      auto record = [pending, indexes = indexes, finish_one](const Status& s, int64_t base) {
        {
          MutexLock lock(pending->mu);
          for (size_t n = 0; n < indexes.size(); ++n) {
            SendResult& out = pending->results[indexes[n]];
            if (s.ok()) {
              out.position.offset = base + static_cast<int64_t>(n);
            } else {
              out.error = s.ToString();
            }
          }
        }
        finish_one();
      };
      if (!prepared.ok()) {
        record(prepared, -1);
        continue;
      }
      auto bytes = std::make_shared<Buffer>(build(tp, specs));
      auto valid = storage::ValidatedBatch::Check(*bytes);
      if (!valid.ok()) {
        record(valid.status(), -1);
        continue;
      }
      broker_->Append(
          tp.first, tp.second, *valid, storage::AckLevel::kDurable,
          [bytes, record](broker::AppendResult r) { record(r.status, r.info.base_offset); });
    }
    finish_one();
  }

  void EnsureTopic(const std::string& topic, int32_t partitions) override {
    if (engine_->HasTopic(topic)) return;
    Status s = engine_->CreateTopic(topic, partitions);
    if (s.code() == StatusCode::kAlreadyExists) return;
    Check(s, "creating topic " + topic);
  }

  std::unique_ptr<GroupSession> Join(const std::string& group,
                                     const std::vector<std::string>& topics) override {
    std::vector<EmbeddedSession::Partition> held;
    std::vector<broker::TopicPartition> asked;
    for (const auto& topic : topics) {
      const int32_t count = Check(PartitionCount(topic), "topic " + topic);
      for (int32_t p = 0; p < count; ++p) {
        auto log = Check(engine_->GetLog(topic, p), fmt::format("{} partition {}", topic, p));
        held.push_back({topic, p, std::move(log), 0});
        asked.emplace_back(topic, p);
      }
    }
    auto committed = StableOffsets(group, asked);
    for (size_t i = 0; i < held.size(); ++i) {
      EmbeddedSession::Partition& p = held[i];
      const int64_t at = committed[i].offset;
      p.position = std::clamp(at >= 0 ? at : p.log->log_start_offset(), p.log->log_start_offset(),
                              p.log->end_offset());
    }
    return std::make_unique<EmbeddedSession>(shared_from_this(), group, std::move(held));
  }

  std::unique_ptr<TransactionSession> OpenTransactional(
      const std::string& transactional_id, std::chrono::milliseconds timeout) override {
    return std::make_unique<EmbeddedTxnSession>(shared_from_this(), transactional_id, timeout);
  }

  broker::Broker& broker() { return *broker_; }
  broker::GroupCoordinator& groups() { return *groups_; }
  broker::TransactionCoordinator& transactions() { return txns_->coordinator(); }

  // The event store on this data directory, opened on first use.
  eventstore::EventStore& EventStore() {
    MutexLock lock(event_store_mu_);
    if (!event_store_) {
      event_store_ = Check(eventstore::EventStore::Open(*engine_), "opening the event store");
    }
    return *event_store_;
  }

 private:
  // Waits, up to kSettleWait, for the transactions whose outcome is decided to be complete
  // (markers and Complete records written): a reopened directory then finds them settled instead
  // of writing their markers again.
  void SettleTransactions() {
    static constexpr auto kSettleWait = std::chrono::seconds(5);
    const auto deadline = std::chrono::steady_clock::now() + kSettleWait;
    auto settling = [this] {
      auto txns = txns_->coordinator().List();
      return std::any_of(txns.begin(), txns.end(), [](const auto& entry) {
        return broker::IsPrepared(entry.second.state) ||
               entry.second.state == broker::TxnState::kPrepareEpochFence;
      });
    };
    while (settling() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // The group's committed offsets of `partitions` (in that order, -1 where none), once no
  // transaction that commits one of them is completing: as a Kafka consumer asks, with
  // require_stable, retrying UNSTABLE_OFFSET_COMMIT for as long as a transaction may stay open
  // (transaction.max.timeout.ms: the coordinator aborts it then, which settles its offsets).
  // Throws Error for any other error: a session must not start from a position it guessed.
  std::vector<broker::CommittedOffset> StableOffsets(
      const std::string& group, const std::vector<broker::TopicPartition>& partitions) {
    auto unstable = [](const std::vector<broker::CommittedOffset>& offsets) {
      return std::any_of(offsets.begin(), offsets.end(), [](const auto& o) {
        return o.error == broker::ErrorCode::kUnstableOffsetCommit;
      });
    };
    auto offsets = Retrying(
        [&] {
          return Await<std::vector<broker::CommittedOffset>>([&](auto done) {
            groups_->Fetch(group, partitions, std::move(done), /*require_stable=*/true);
          });
        },
        unstable, std::chrono::milliseconds(broker::TransactionOptions{}.max_timeout_ms));
    for (const auto& o : offsets) {
      if (o.error == broker::ErrorCode::kNone) continue;
      throw Error(
          fmt::format("group '{}': the committed offset of {} partition {} could not be "
                      "read (Kafka error {}){}",
                      group, o.topic, o.partition, broker::Code(o.error),
                      unstable(offsets) ? ": its transaction has not completed" : ""));
    }
    return offsets;
  }

  // The topic's partition count, creating it with the default count when missing.
  Result<int32_t> PartitionCount(const std::string& topic) {
    auto ensured = broker_->EnsureTopic(topic, true);
    if (!ensured.ok()) return ensured.status();
    HERALD_ASSIGN_OR_RETURN(auto info, engine_->DescribeTopic(topic));
    return info.partitions;
  }

  const EmbeddedOptions options_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<broker::Broker> broker_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::shared_ptr<broker::GroupCoordinator> groups_;
  std::unique_ptr<broker::NodeTransactions> txns_;
  std::thread io_thread_;
  std::atomic<uint32_t> next_keyless_{0};
  Mutex event_store_mu_;
  std::unique_ptr<eventstore::EventStore> event_store_ GUARDED_BY(event_store_mu_);
};

EmbeddedSession::EmbeddedSession(std::shared_ptr<EmbeddedTransport> transport, std::string group,
                                 std::vector<Partition> partitions)
    : transport_(std::move(transport)),
      group_(std::move(group)),
      partitions_(std::move(partitions)) {}

std::vector<Message> EmbeddedSession::Poll(std::chrono::milliseconds timeout, size_t max_records) {
  ThrowCommitError();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<broker::TopicPartition> watched;
  for (const auto& p : partitions_) watched.push_back({p.topic, p.partition});
  for (;;) {
    uint64_t seen = 0;
    {
      MutexLock lock(wakeup_->mu);
      seen = wakeup_->count;
    }
    {
      // Watch before reading, so an append between the read and the wait is not missed; the
      // watch ends with the scope, a read that throws included.
      struct Watch {
        broker::Broker& broker;
        const uint64_t id;
        ~Watch() { broker.Unwatch(id); }
      } watch{transport_->broker(),
              transport_->broker().WatchAppends(watched, [wakeup = wakeup_] { wakeup->Wake(); })};
      std::vector<Message> out = ReadAvailable(max_records);
      if (!out.empty() || closed_) return out;
      MutexLock lock(wakeup_->mu);
      while (wakeup_->count == seen && !closed_ && wakeup_->cv.WaitUntil(wakeup_->mu, deadline)) {
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return ReadAvailable(max_records);
  }
}

Message EmbeddedSession::ToMessage(const Partition& p, const storage::RecordView& r) {
  Message m;
  m.topic = p.topic;
  m.partition = p.partition;
  m.offset = r.offset;
  m.timestamp_ms = r.timestamp;
  if (r.key) m.key.emplace(AsString(*r.key));
  if (r.value) m.value.emplace(AsString(*r.value));
  m.headers.reserve(static_cast<size_t>(r.header_count));
  storage::ForEachHeader(r, [&](ByteView k, std::optional<ByteView> v) {
    m.headers.emplace_back(std::string(AsString(k)), v ? std::string(AsString(*v)) : std::string());
  });
  return m;
}

std::vector<Message> EmbeddedSession::ReadAvailable(size_t max_records) {
  std::vector<Message> out;
  std::set<std::string> paused;
  {
    MutexLock lock(mu_);
    paused = paused_;
  }
  for (size_t n = 0; n < partitions_.size() && out.size() < max_records; ++n) {
    Partition& p = partitions_[(next_partition_ + n) % partitions_.size()];
    if (paused.contains(p.topic)) continue;
    if (p.position < p.log->log_start_offset()) {
      p.position = p.log->log_start_offset();  // retention went past it
      p.chunk.clear();
      p.chunk_at = 0;
    }
    // Committed records only: none at or past the first of a transaction still open.
    auto stable = transport_->broker().LastStableOffset({p.topic, p.partition}, p.log);
    if (!stable.ok()) {
      throw Error(fmt::format("reading {} partition {}: {}", p.topic, p.partition,
                              stable.status().ToString()));
    }
    while (out.size() < max_records && p.position < *stable) {
      if (p.chunk_at >= p.chunk.size()) {
        auto slice = p.log->Read(p.position, kReadBytes, *stable);
        if (!slice.ok() && slice.status().code() == StatusCode::kOutOfRange &&
            p.position < p.log->log_start_offset()) {
          p.position = p.log->log_start_offset();  // retention passed it since the check above
          continue;
        }
        if (!slice.ok()) {
          throw Error(fmt::format("reading {} partition {}: {}", p.topic, p.partition,
                                  slice.status().ToString()));
        }
        if (slice->empty()) break;
        if (p.chunk.empty()) std::swap(p.chunk, spare_chunk_);
        p.chunk.clear();
        p.chunk_at = 0;
        Check(slice->AppendTo(p.chunk), "reading");
        p.aborted = p.log->AbortedTxns(p.position, *stable);
      }
      const ByteView rest = ByteView(p.chunk).subspan(p.chunk_at);
      auto header = Check(storage::ParseBatchHeader(rest), "batch");
      if (header.size() > rest.size()) {
        throw Error(fmt::format("reading {} partition {}: a batch at offset {} is cut short",
                                p.topic, p.partition, header.base_offset));
      }
      const ByteView batch = rest.subspan(0, header.size());
      const bool aborted = header.transactional() &&
                           storage::InAbortedTxn(p.aborted, header.producer_id, header.base_offset);
      if (header.next_offset() > p.position && !header.control() && !aborted) {
        Check(storage::ForEachRecord(batch,
                                     [&](const storage::RecordView& r) {
                                       if (r.offset < p.position || out.size() >= max_records)
                                         return;
                                       out.push_back(ToMessage(p, r));
                                       p.position = r.offset + 1;
                                     }),
              "records");
        if (out.size() >= max_records && p.position < header.next_offset()) break;
      }
      // The batch is handed out (a compacted batch may end before its last offset).
      p.position = std::max(p.position, header.next_offset());
      p.chunk_at += header.size();
    }
    if (p.chunk_at >= p.chunk.size() && !p.chunk.empty()) {
      // All handed out: the buffer goes back for the next partition to read into.
      p.chunk.clear();
      p.chunk_at = 0;
      if (spare_chunk_.capacity() < p.chunk.capacity()) std::swap(spare_chunk_, p.chunk);
    } else if (!p.chunk.empty()) {
      // Cut short by `max_records`: kept for the next Poll, unless too many partitions already
      // hold one (then this one reads its batches again next time).
      const auto held = std::count_if(partitions_.begin(), partitions_.end(),
                                      [](const Partition& q) { return !q.chunk.empty(); });
      if (held > kMaxHeldChunks) {
        Buffer().swap(p.chunk);
        p.chunk_at = 0;
      }
    }
  }
  next_partition_ = partitions_.empty() ? 0 : (next_partition_ + 1) % partitions_.size();
  return out;
}

void EmbeddedSession::Commit(const std::vector<RecordPosition>& next_offsets) {
  CommitAsync(next_offsets);
  commits_.WaitIdle();
  ThrowCommitError();
}

void EmbeddedSession::CommitAsync(const std::vector<RecordPosition>& next_offsets) {
  ThrowCommitError();
  commits_.Add(next_offsets);
}

void EmbeddedSession::SendCommit(std::vector<RecordPosition> offsets,
                                 CommitPipeline::Answered answered) {
  std::vector<broker::CommittedOffset> request;
  for (auto& o : offsets) {
    request.push_back({std::move(o.topic), o.partition, o.offset, {}, broker::ErrorCode::kNone});
  }
  // The coordinator handles commits in order on its executor, answering once they are durable.
  transport_->groups().Commit(
      group_, -1, "", std::move(request),
      [answered = std::move(answered)](std::vector<broker::CommittedOffset> results) {
        for (const auto& o : results) {
          if (o.error != broker::ErrorCode::kNone) {
            return answered(fmt::format("partition {} of {}: Kafka error {}", o.partition, o.topic,
                                        broker::Code(o.error)));
          }
        }
        answered("");
      });
}

void EmbeddedSession::ThrowCommitError() {
  if (std::string error = commits_.TakeError(); !error.empty()) {
    throw Error(fmt::format("committing offsets of group '{}': {}", group_, error));
  }
}

EmbeddedTxnSession::EmbeddedTxnSession(std::shared_ptr<EmbeddedTransport> transport,
                                       std::string transactional_id,
                                       std::chrono::milliseconds timeout)
    : transport_(std::move(transport)),
      id_(std::move(transactional_id)),
      timeout_ms_(static_cast<int32_t>(std::clamp<int64_t>(timeout.count(), 0, INT32_MAX))) {
  Init();
}

EmbeddedTxnSession::~EmbeddedTxnSession() {
  if (!open_) return;
  try {
    Abort();
  } catch (const std::exception& e) {
    LogDebug("sdk_transaction_abort_failed", {{"transactional_id", id_}}, e.what());
  }
}

void EmbeddedTxnSession::Init() {
  const auto expected = producer_id_ >= 0
                            ? std::optional<std::pair<int64_t, int16_t>>({producer_id_, epoch_})
                            : std::nullopt;
  const broker::TxnProducer producer = Retrying(
      [&] {
        return Await<broker::TxnProducer>([&](auto done) {
          transport_->transactions().InitProducerId(id_, timeout_ms_, expected, std::move(done));
        });
      },
      [](const broker::TxnProducer& p) { return IsConcurrent(p.error); });
  ThrowFor(producer.error, "taking the transactional id");
  producer_id_ = producer.producer_id;
  epoch_ = producer.producer_epoch;
  sequences_.clear();
}

void EmbeddedTxnSession::ThrowFor(broker::ErrorCode e, std::string_view what) const {
  if (e == broker::ErrorCode::kNone) return;
  const std::string message =
      fmt::format("transactional id '{}': {}: Kafka error {}", id_, what, broker::Code(e));
  if (e == broker::ErrorCode::kProducerFenced || e == broker::ErrorCode::kInvalidProducerEpoch ||
      e == broker::ErrorCode::kInvalidProducerIdMapping) {
    throw ProducerFenced(message);
  }
  throw Error(message);
}

void EmbeddedTxnSession::Begin() {
  if (open_) throw Error(fmt::format("transactional id '{}' has a transaction open", id_));
  open_ = true;
  partitions_.clear();
  offsets_added_ = false;
  failed_->store(false);
}

broker::ErrorCode EmbeddedTxnSession::AddPartitions(
    const std::vector<broker::TopicPartition>& partitions) {
  broker::TransactionCoordinator::Partitions added;
  for (const auto& tp : partitions) {
    if (!partitions_.contains(tp)) added[tp.first].insert(tp.second);
  }
  if (added.empty()) return broker::ErrorCode::kNone;
  const broker::ErrorCode e = Retrying(
      [&] {
        return Await<broker::ErrorCode>([&](auto done) {
          transport_->transactions().AddPartitions(id_, producer_id_, epoch_, added,
                                                   std::move(done));
        });
      },
      IsConcurrent);
  if (e != broker::ErrorCode::kNone) return e;
  for (const auto& [topic, numbers] : added) {
    for (int32_t n : numbers) partitions_.insert({topic, n});
  }
  return broker::ErrorCode::kNone;
}

void EmbeddedTxnSession::Send(std::vector<OutgoingRecord> records,
                              std::function<void(std::vector<SendResult>)> done) {
  auto failed = failed_;
  auto noted = [failed, done = std::move(done)](std::vector<SendResult> results) {
    for (const auto& r : results) {
      if (!r.ok()) failed->store(true);
    }
    done(std::move(results));
  };
  if (!open_) {
    return noted(
        Refused(records, fmt::format("transactional id '{}' has no transaction open", id_)));
  }
  transport_->Append(
      std::move(records), std::move(noted),
      [this](const std::vector<broker::TopicPartition>& partitions) {
        const broker::ErrorCode e = AddPartitions(partitions);
        if (e == broker::ErrorCode::kNone) return Status::Ok();
        return Status(StatusCode::kFailedPrecondition,
                      fmt::format("adding partitions to the transaction of '{}': Kafka error {}",
                                  id_, broker::Code(e)));
      },
      [this](const broker::TopicPartition& tp, const std::vector<storage::RecordSpec>& specs) {
        int32_t& sequence = sequences_[tp];
        Buffer batch = storage::BuildTransactionalBatch(producer_id_, epoch_, specs, sequence);
        // After INT32_MAX comes 0, as Kafka's sequences go.
        const auto next = static_cast<int64_t>(sequence) + static_cast<int64_t>(specs.size());
        sequence = static_cast<int32_t>(next > INT32_MAX ? next - INT32_MAX - 1 : next);
        return batch;
      });
}

void EmbeddedTxnSession::SendOffsets(GroupSession& consumer,
                                     const std::vector<RecordPosition>& next_offsets) {
  auto* session = dynamic_cast<EmbeddedSession*>(&consumer);
  if (session == nullptr) {
    throw Error("SendOffsets needs a group session of the same embedded transport");
  }
  if (!open_) throw Error(fmt::format("transactional id '{}' has no transaction open", id_));
  if (!offsets_added_) {
    ThrowFor(AddPartitions({{broker::kOffsetsTopic, 0}}), "adding the group's offsets");
    offsets_added_ = true;
  }
  std::vector<broker::CommittedOffset> offsets;
  for (const auto& o : next_offsets) {
    offsets.push_back({o.topic, o.partition, o.offset, {}, broker::ErrorCode::kNone});
  }
  const auto results = Await<std::vector<broker::CommittedOffset>>([&](auto done) {
    transport_->groups().TxnCommit(session->group(), producer_id_, epoch_, -1, "", std::nullopt,
                                   std::move(offsets), std::move(done));
  });
  for (const auto& o : results) {
    ThrowFor(o.error, fmt::format("sending the offset of {} partition {}", o.topic, o.partition));
  }
}

void EmbeddedTxnSession::End(bool commit) {
  if (!open_) return;
  open_ = false;
  if (!partitions_.empty() || offsets_added_) {
    const broker::ErrorCode e = Retrying(
        [&] {
          return Await<broker::ErrorCode>([&](auto done) {
            transport_->transactions().EndTxn(id_, producer_id_, epoch_, commit, std::move(done));
          });
        },
        IsConcurrent);
    if (e != broker::ErrorCode::kNone) {
      // The coordinator may still hold the transaction open: a new epoch aborts it, so that the
      // next transaction does not take this one's records in.
      try {
        Init();
      } catch (const Error&) {
        // Fenced or unavailable: the next call fails the same way.
      }
      ThrowFor(e, commit ? "committing" : "aborting");
    }
  }
  // A failed record left a gap in its partition's sequence: a new epoch starts them again.
  if (failed_->load()) Init();
}

}  // namespace

std::shared_ptr<Transport> OpenEmbedded(const EmbeddedOptions& options) {
  return std::make_shared<EmbeddedTransport>(options);
}

std::shared_ptr<eventstore::EventStore> EmbeddedEventStoreOf(
    const std::shared_ptr<Transport>& transport) {
  auto embedded = std::dynamic_pointer_cast<EmbeddedTransport>(transport);
  if (!embedded) return nullptr;
  return std::shared_ptr<eventstore::EventStore>(embedded, &embedded->EventStore());
}

}  // namespace herald::sdk
