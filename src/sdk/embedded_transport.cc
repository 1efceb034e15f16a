// The embedded transport: Herald's storage engine and broker in this process.
//
// Records are appended through broker::Broker (the same path `herald serve` takes, so producer
// metrics and checks apply) and acknowledged once fsynced. Committed offsets go to the group
// coordinator's __consumer_offsets, so `herald serve` later sees the same groups and offsets.
// The process holds the data directory alone, so a group has one member here: a session holds
// every partition of its topics.
#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/mutex.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/partitioner.h"
#include "herald/errors.h"
#include "herald/transport.h"
#include "sdk/check.h"
#include "sdk/commit_pipeline.h"
#include "sdk/embedded.h"
#include "storage/engine.h"
#include "storage/record_batch.h"

namespace herald::sdk {
namespace {

class EmbeddedTransport;

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
  };

  EmbeddedSession(std::shared_ptr<EmbeddedTransport> transport, std::string group,
                  std::vector<Partition> partitions);
  ~EmbeddedSession() override {
    closed_ = true;
    commits_.WaitIdle();  // their callbacks use this session
  }

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
    cv_.NotifyAll();
  }
  void Close() override {
    closed_ = true;
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
  CondVar cv_;
  std::set<std::string> paused_ GUARDED_BY(mu_);
  uint64_t appended_ GUARDED_BY(mu_) = 0;  // bumped by the append watch
  CommitPipeline commits_{
      [this](std::vector<RecordPosition> offsets, CommitPipeline::Answered answered) {
        SendCommit(std::move(offsets), std::move(answered));
      }};
  std::atomic<bool> closed_{false};
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
    groups_ = Check(broker::GroupCoordinator::Open(*engine_, io_.get_executor(), go),
                    "opening the group coordinator");
    io_thread_ = std::thread([this] { io_.run(); });
  }

  ~EmbeddedTransport() override {
    {
      MutexLock lock(event_store_mu_);
      if (event_store_) event_store_->Close().IgnoreError();
      event_store_.reset();
    }
    groups_->Shutdown();
    work_.reset();
    io_thread_.join();
    groups_.reset();
    broker_.reset();
    engine_->Close().IgnoreError();
  }

  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) override {
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
      auto bytes = std::make_shared<Buffer>(storage::BuildBatch(specs));
      auto valid = storage::ValidatedBatch::Check(*bytes);
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
    std::promise<std::vector<broker::CommittedOffset>> committed;
    groups_->Fetch(group, std::nullopt, [&committed](std::vector<broker::CommittedOffset> offsets) {
      committed.set_value(std::move(offsets));
    });
    std::map<std::pair<std::string, int32_t>, int64_t> starts;
    for (const auto& c : committed.get_future().get()) starts[{c.topic, c.partition}] = c.offset;
    std::vector<EmbeddedSession::Partition> held;
    for (const auto& topic : topics) {
      const int32_t count = Check(PartitionCount(topic), "topic " + topic);
      for (int32_t p = 0; p < count; ++p) {
        auto log = Check(engine_->GetLog(topic, p), fmt::format("{} partition {}", topic, p));
        auto it = starts.find({topic, p});
        int64_t start =
            it != starts.end() && it->second >= 0 ? it->second : log->log_start_offset();
        start = std::clamp(start, log->log_start_offset(), log->end_offset());
        held.push_back({topic, p, std::move(log), start});
      }
    }
    return std::make_unique<EmbeddedSession>(shared_from_this(), group, std::move(held));
  }

  broker::Broker& broker() { return *broker_; }
  broker::GroupCoordinator& groups() { return *groups_; }

  // The event store on this data directory, opened on first use.
  eventstore::EventStore& EventStore() {
    MutexLock lock(event_store_mu_);
    if (!event_store_) {
      event_store_ = Check(eventstore::EventStore::Open(*engine_), "opening the event store");
    }
    return *event_store_;
  }

 private:
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
      MutexLock lock(mu_);
      seen = appended_;
    }
    // Watch before reading, so an append between the read and the wait is not missed.
    const uint64_t watch = transport_->broker().WatchAppends(watched, [this] {
      {
        MutexLock lock(mu_);
        ++appended_;
      }
      cv_.NotifyAll();
    });
    std::vector<Message> out = ReadAvailable(max_records);
    if (!out.empty() || closed_) {
      transport_->broker().Unwatch(watch);
      return out;
    }
    {
      MutexLock lock(mu_);
      while (appended_ == seen && !closed_ && cv_.WaitUntil(mu_, deadline)) {
      }
    }
    transport_->broker().Unwatch(watch);
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
    while (out.size() < max_records && p.position < p.log->end_offset()) {
      if (p.chunk_at >= p.chunk.size()) {
        auto slice = p.log->Read(p.position, kReadBytes);
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
      }
      const ByteView rest = ByteView(p.chunk).subspan(p.chunk_at);
      auto header = Check(storage::ParseBatchHeader(rest), "batch");
      if (header.size() > rest.size()) {
        throw Error(fmt::format("reading {} partition {}: a batch at offset {} is cut short",
                                p.topic, p.partition, header.base_offset));
      }
      const ByteView batch = rest.subspan(0, header.size());
      if (header.next_offset() > p.position && !header.control()) {
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
