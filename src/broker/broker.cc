#include "broker/broker.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/split.h"
#include "broker/broker_metrics.h"
#include "storage/file_system.h"
#include "storage/record_batch.h"

namespace herald::broker {
namespace {

// A random cluster id shaped like Kafka's: 16 random bytes in URL-safe base64, 22 characters.
std::string NewClusterId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 22; ++i) id.push_back(kAlphabet[rd() % 64]);
  return id;
}

// How often a partition's producer state drops expired producers (Kafka's
// producer.id.expiration.check.interval.ms is 10 minutes).
constexpr int64_t kProducerExpiryCheckMs = 10 * 60 * 1000;

AppendResult FromLog(Result<storage::AppendInfo> r) {
  AppendResult out;
  if (r.ok()) {
    out.info = *r;
  } else {
    out.status = r.status();
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Broker>> Broker::Open(storage::Engine& engine, BrokerOptions options) {
  storage::FileSystem& fs = engine.fs();
  const std::string path =
      storage::JoinPath(storage::JoinPath(engine.data_dir(), "meta"), "cluster.json");
  std::string cluster_id;
  if (fs.Exists(path)) {
    HERALD_ASSIGN_OR_RETURN(Buffer raw, storage::ReadFile(fs, path));
    try {
      cluster_id = nlohmann::json::parse(AsString(raw)).at("cluster_id").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      return Corruption("{}: {}", path, e.what());
    }
  } else {
    cluster_id = NewClusterId();
    std::string text = nlohmann::json{{"cluster_id", cluster_id}}.dump(2) + "\n";
    HERALD_RETURN_IF_ERROR(storage::WriteFileAtomic(fs, path, AsBytes(text)));
  }
  HERALD_ASSIGN_OR_RETURN(
      auto producer_ids,
      ProducerIdAllocator::Open(fs, storage::JoinPath(storage::DirName(path), "producer_ids.json"),
                                options.producer_id_block_size));
  return std::unique_ptr<Broker>(
      new Broker(engine, std::move(options), std::move(cluster_id), std::move(producer_ids)));
}

Broker::Broker(storage::Engine& engine, BrokerOptions options, std::string cluster_id,
               std::unique_ptr<ProducerIdAllocator> producer_ids)
    : engine_(engine),
      options_(std::move(options)),
      cluster_id_(std::move(cluster_id)),
      quotas_(options_.quotas),
      producer_ids_(std::move(producer_ids)),
      admin_(std::make_unique<boost::asio::thread_pool>(1)) {}

Broker::~Broker() {
  admin_->join();
}

void Broker::RunAdmin(std::function<void()> work) {
  boost::asio::post(*admin_, [work = std::move(work)] {
    try {
      work();
    } catch (const std::exception& e) {
      LogError("admin_failed", {}, e.what());  // the work's own answer is its caller's duty
    }
  });
}

Status Broker::CheckPartitionLimits(int32_t topic_total, int32_t adding) const {
  if (topic_total > options_.max_partitions_per_topic) {
    return InvalidArgument(
        "{} partitions is more than the {} a topic may have "
        "(--max-partitions-per-topic)",
        topic_total, options_.max_partitions_per_topic);
  }
  int64_t existing = 0;
  for (const auto& t : engine_.ListTopics()) existing += t.partitions;
  if (existing + adding > options_.max_partitions) {
    return InvalidArgument(
        "{} more partitions would make {}, more than the {} this broker may "
        "hold (--max-partitions)",
        adding, existing + adding, options_.max_partitions);
  }
  return Status::Ok();
}

std::vector<storage::TopicInfo> Broker::ListTopics() const {
  auto topics = engine_.ListTopics();
  std::erase_if(topics, [](const storage::TopicInfo& t) { return IsPrivateTopic(t.name); });
  return topics;
}

Result<std::string> Broker::TopicName(const Uuid& id) const {
  auto name = engine_.TopicName(id);
  if (name.ok() && IsPrivateTopic(*name)) return NotFound("no topic has this id");
  return name;
}

Result<bool> Broker::EnsureTopic(const std::string& topic, bool allow_create) {
  if (HasTopic(topic)) return false;
  HERALD_RETURN_IF_ERROR(storage::Engine::ValidateTopicName(topic));
  if (!allow_create || !options_.auto_create_topics || IsInternalTopic(topic)) {
    return NotFound("topic '{}' does not exist", topic);
  }
  MutexLock lock(create_mu_);
  if (engine_.HasTopic(topic)) return false;
  HERALD_RETURN_IF_ERROR(CheckPartitionLimits(options_.num_partitions, options_.num_partitions));
  Status created = engine_.CreateTopic(topic, options_.num_partitions);
  if (created.code() == StatusCode::kAlreadyExists) return false;  // created by someone else
  HERALD_RETURN_IF_ERROR(created);
  return true;
}

std::map<std::string, int64_t> Broker::DeadLetterDepths() const {
  std::map<std::string, int64_t> depths;
  for (const auto& topic : engine_.ListTopics()) {
    if (!topic.name.ends_with(".dlq")) continue;
    int64_t depth = 0;
    for (int32_t p = 0; p < topic.partitions; ++p) {
      auto log = engine_.GetLog(topic.name, p);
      if (log.ok()) depth += (*log)->end_offset() - (*log)->log_start_offset();
    }
    depths[topic.name] = depth;
  }
  return depths;
}

namespace {

TopicError Refuse(ErrorCode code, std::string message) { return {code, std::move(message)}; }
TopicError Refuse(const Status& s) { return {ErrorFor(s), s.message()}; }

}  // namespace

TopicError Broker::CreateTopic(const std::string& name, int32_t partitions,
                               const std::map<std::string, std::string>& configs,
                               bool validate_only) {
  if (Status s = storage::Engine::ValidateTopicName(name); !s.ok()) {
    return Refuse(ErrorCode::kInvalidTopicException, s.message());
  }
  if (IsInternalTopic(name)) {
    return Refuse(ErrorCode::kInvalidTopicException,
                  fmt::format("'{}': names starting with '__' are kept for internal topics", name));
  }
  if (partitions <= 0) {
    return Refuse(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
  }
  if (auto config = ConfigWith(configs); !config.ok()) {
    return Refuse(ErrorCode::kInvalidConfig, config.status().message());
  }
  MutexLock lock(create_mu_);
  if (engine_.HasTopic(name)) {
    return Refuse(ErrorCode::kTopicAlreadyExists, fmt::format("Topic '{}' already exists.", name));
  }
  if (Status limit = CheckPartitionLimits(partitions, partitions); !limit.ok()) {
    return Refuse(ErrorCode::kInvalidPartitions, limit.message());
  }
  if (validate_only) return {};
  if (Status s = engine_.CreateTopic(name, partitions, configs); !s.ok()) return Refuse(s);
  return {};
}

TopicError Broker::CreatePartitions(const std::string& name, int32_t count, bool validate_only) {
  MutexLock lock(create_mu_);
  auto info = engine_.DescribeTopic(name);
  if (!info.ok()) return Refuse(info.status());
  if (IsInternalTopic(name)) {
    return Refuse(ErrorCode::kTopicAuthorizationFailed,
                  fmt::format("{} is an internal topic", name));
  }
  if (count <= info->partitions) {
    return Refuse(ErrorCode::kInvalidPartitions,
                  fmt::format("Topic currently has {} partitions, which is higher than or equal "
                              "to the requested {}.",
                              info->partitions, count));
  }
  if (Status limit = CheckPartitionLimits(count, count - info->partitions); !limit.ok()) {
    return Refuse(ErrorCode::kInvalidPartitions, limit.message());
  }
  if (validate_only) return {};
  if (Status s = engine_.CreatePartitions(name, count); !s.ok()) return Refuse(s);
  return {};
}

TopicError Broker::AlterTopicConfig(const std::string& name,
                                    const std::map<std::string, std::string>& overrides,
                                    bool validate_only) {
  if (!engine_.HasTopic(name)) {
    return Refuse(ErrorCode::kUnknownTopicOrPartition,
                  fmt::format("topic '{}' does not exist", name));
  }
  if (IsInternalTopic(name)) {
    return Refuse(ErrorCode::kTopicAuthorizationFailed,
                  fmt::format("{} is an internal topic", name));
  }
  if (auto valid = storage::LogConfig::WithOverrides(storage::LogConfig{}, overrides);
      !valid.ok()) {
    return Refuse(ErrorCode::kInvalidConfig, valid.status().message());
  }
  if (validate_only) return {};
  if (Status s = engine_.AlterTopicConfig(name, overrides); !s.ok()) return Refuse(s);
  return {};
}

namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

}  // namespace

TopicError Broker::UpdateTopicConfig(const std::string& name,
                                     const std::vector<ConfigChange>& changes, bool validate_only) {
  std::set<std::string> names;
  for (const auto& c : changes) {
    if (!names.insert(c.name).second) {
      return Refuse(ErrorCode::kInvalidRequest,
                    fmt::format("config '{}' is changed more than once", c.name));
    }
    if (!c.value && c.op != ConfigChange::Op::kDelete) {
      return Refuse(ErrorCode::kInvalidRequest,
                    fmt::format("config '{}' has no value to set, append or subtract", c.name));
    }
  }
  auto info = engine_.DescribeTopic(name);
  if (!info.ok()) {
    return Refuse(ErrorCode::kUnknownTopicOrPartition,
                  fmt::format("topic '{}' does not exist", name));
  }
  std::map<std::string, std::string> overrides = info->overrides;
  const std::map<std::string, std::string> current = info->config.ToMap();
  for (const auto& c : changes) {
    switch (c.op) {
      case ConfigChange::Op::kSet:
        overrides[c.name] = *c.value;
        break;
      case ConfigChange::Op::kDelete:
        overrides.erase(c.name);
        break;
      case ConfigChange::Op::kAppend:
      case ConfigChange::Op::kSubtract: {
        if (!storage::IsListConfig(c.name)) {
          return Refuse(
              ErrorCode::kInvalidConfig,
              fmt::format("config '{}' is not a list: values cannot be {} it", c.name,
                          c.op == ConfigChange::Op::kAppend ? "appended to" : "subtracted from"));
        }
        auto it = current.find(c.name);
        std::vector<std::string> items = SplitList(it == current.end() ? "" : it->second);
        for (auto& value : SplitList(*c.value)) {
          auto at = std::find(items.begin(), items.end(), value);
          if (c.op == ConfigChange::Op::kAppend && at == items.end()) {
            items.push_back(std::move(value));
          } else if (c.op == ConfigChange::Op::kSubtract && at != items.end()) {
            items.erase(at);
          }
        }
        overrides[c.name] = JoinList(items);
        break;
      }
    }
  }
  return AlterTopicConfig(name, overrides, validate_only);
}

TopicError Broker::DeleteTopic(const std::string& name) {
  if (IsInternalTopic(name)) {
    return Refuse(ErrorCode::kTopicAuthorizationFailed,
                  fmt::format("{} is an internal topic", name));
  }
  if (Status s = engine_.DeleteTopic(name); !s.ok()) return Refuse(s);
  return {};
}

void Broker::Append(const std::string& topic, int32_t partition,
                    const storage::ValidatedBatch& batch, storage::AckLevel ack, AppendDone done) {
  auto log = GetLog(topic, partition);
  if (!log.ok()) {
    done(FromLog(log.status()));
    return;
  }
  Append(topic, partition, *log, batch, ack, std::move(done));
}

void Broker::Append(const std::string& topic, int32_t partition,
                    const std::shared_ptr<storage::Log>& log, const storage::ValidatedBatch& batch,
                    storage::AckLevel ack, AppendDone done) {
  done = [done = std::move(done), &produced = metrics::MessagesProduced(topic, partition),
          records = batch.header().record_count, topic, partition,
          started = std::chrono::steady_clock::now()](AppendResult r) {
    if (r.status.ok() && !r.duplicate) {
      produced.Inc(records);
      if (LogEnabled(LogLevel::kDebug)) {
        LogDebug("message_produced", {{"topic", topic},
                                      {"partition", partition},
                                      {"offset", r.info.base_offset},
                                      {"records", records},
                                      {"latency_ms", std::chrono::duration<double, std::milli>(
                                                         std::chrono::steady_clock::now() - started)
                                                         .count()}});
      }
    }
    done(std::move(r));
  };
  // The whole config is copied only for the topics that validate: this runs for every batch.
  const storage::Log::AppendPolicy policy = log->append_policy();
  if (validator_ && policy.schema_validation) {
    if (Status s = validator_(topic, log->config(), batch); !s.ok()) {
      LogWarn("produce_invalid_record", {{"topic", topic}, {"partition", partition}},
              s.message());
      AppendResult r;
      r.status = s;
      r.refusal = ErrorCode::kInvalidRecord;
      done(std::move(r));
      return;
    }
  }
  if (Status s = log->CheckTimestamps(batch, policy); !s.ok()) {
    AppendResult r;
    r.status = s;
    r.refusal = ErrorCode::kInvalidTimestamp;
    done(std::move(r));
    return;
  }
  // compression.type other than producer: a batch in another codec is recompressed (the log
  // writes it before Append returns, so the new bytes live only in this scope).
  Buffer recompressed;
  std::optional<storage::ValidatedBatch> rebuilt;
  if (const auto codec = policy.compression;
      codec && *codec != batch.header().compression() && !batch.header().control()) {
    auto bytes = storage::Recompress(batch.bytes(), batch.header(), *codec);
    if (!bytes.ok()) {
      done(FromLog(bytes.status()));
      return;
    }
    recompressed = std::move(bytes).value();
    auto valid = storage::ValidatedBatch::Check(recompressed);
    if (!valid.ok()) {
      done(FromLog(valid.status()));
      return;
    }
    rebuilt = *valid;
  }
  const storage::ValidatedBatch& written = rebuilt ? *rebuilt : batch;
  if (written.header().producer_id >= 0) {
    AppendWithProducerState({topic, partition}, log, written, ack, std::move(done));
    return;
  }
  // Fetches wake as soon as the batch is readable, not when it is durable.
  log->Append(written, ack, [done = std::move(done)](Result<storage::AppendInfo> r) {
    done(FromLog(std::move(r)));
  });
  NotifyAppend({topic, partition});
}

std::shared_ptr<Broker::ProducerPartition> Broker::ProducerPartitionFor(
    const TopicPartition& tp, const std::shared_ptr<storage::Log>& log) {
  MutexLock lock(producers_mu_);
  auto& slot = producer_partitions_[tp];
  if (slot == nullptr || slot->log.lock() != log) {
    slot = std::make_shared<ProducerPartition>();
    slot->log = log;
  }
  return slot;
}

Status Broker::PrepareProducerState(const TopicPartition& tp, storage::Log& log,
                                    ProducerPartition& pp) {
  const int64_t now = engine_.clock().NowMs();
  if (!pp.loaded) {
    const auto started = std::chrono::steady_clock::now();
    auto stats =
        LoadProducerState(log, now, options_.producer_id_expiration_ms, pp.state, &pp.unindexed);
    // Only the aborts the index lacks (a crash came between a marker and its entry) stay.
    std::erase_if(pp.unindexed, [&](const storage::AbortedTxn& a) {
      return a.last_offset <= log.last_aborted_marker();
    });
    if (!stats.ok()) {
      pp.state = PartitionProducerState();
      pp.unindexed.clear();
      LogError("producer_state_load_failed", {{"topic", tp.first}, {"partition", tp.second}},
               stats.status().ToString());
      return stats.status();
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    LogInfo("producer_state_loaded", {{"topic", tp.first},
                                      {"partition", tp.second},
                                      {"producers", pp.state.size()},
                                      {"segments_scanned", stats->segments_scanned},
                                      {"segments_skipped", stats->segments_skipped},
                                      {"batches_scanned", stats->batches_scanned},
                                      {"bytes_read", stats->bytes_read},
                                      {"micros", took.count()}});
    if (stats->segments_damaged > 0) {
      LogWarn("producer_state_incomplete",
              {{"topic", tp.first},
               {"partition", tp.second},
               {"segments_damaged", stats->segments_damaged}},
              "a batch header did not parse; retried batches before it may not be recognised");
    }
    pp.loaded = true;
    pp.next_expiry_ms = now + kProducerExpiryCheckMs;
  } else if (now >= pp.next_expiry_ms) {
    pp.state.ExpireBefore(now - options_.producer_id_expiration_ms);
    pp.next_expiry_ms = now + kProducerExpiryCheckMs;
  }
  // A failure is logged and tried again with the next use; meanwhile the last stable offset
  // stays before the transaction.
  IndexAborted(tp, log, pp).IgnoreError();
  PublishFirstUnstable(log, pp);
  return Status::Ok();
}

std::optional<int64_t> Broker::FirstUnstable(const ProducerPartition& pp) {
  std::optional<int64_t> first = pp.state.FirstUnstableOffset();
  // An abort whose index entry failed to write holds the partition back, as an open one does.
  for (const auto& txn : pp.unindexed)
    first = std::min(first.value_or(txn.first_offset), txn.first_offset);
  return first;
}

void Broker::PublishFirstUnstable(storage::Log& log, const ProducerPartition& pp) {
  log.SetFirstUnstableOffset(FirstUnstable(pp).value_or(-1));
}

Status Broker::IndexAborted(const TopicPartition& tp, storage::Log& log, ProducerPartition& pp) {
  while (!pp.unindexed.empty()) {
    const storage::AbortedTxn& txn = pp.unindexed.front();
    if (Status s = log.AppendAbortedTxn(txn); !s.ok()) {
      LogError("aborted_transaction_unindexed",
               {{"topic", tp.first},
                {"partition", tp.second},
                {"producer_id", txn.producer_id},
                {"marker_offset", txn.last_offset}},
               s.ToString());
      return s;
    }
    pp.unindexed.erase(pp.unindexed.begin());
  }
  return Status::Ok();
}

void Broker::WriteMarker(const TopicPartition& tp, int64_t producer_id, int16_t producer_epoch,
                         storage::ControlType type, std::function<void(Status)> done) {
  Buffer marker =
      storage::BuildTxnMarker(producer_id, producer_epoch, type, 0, engine_.clock().NowMs());
  auto valid = storage::ValidatedBatch::Check(marker);
  HERALD_ASSERT(valid.ok(), "a marker the broker built does not validate: {}",
                valid.status().ToString());
  AppendForCoordinator(tp, *valid, [done = std::move(done)](Result<int64_t> written) {
    done(written.ok() ? Status::Ok() : written.status());
  });
}

void Broker::AppendForCoordinator(const TopicPartition& tp, const storage::ValidatedBatch& batch,
                                  std::function<void(Result<int64_t>)> done) {
  auto log = engine_.GetLog(tp.first, tp.second);
  if (!log.ok()) return done(log.status());
  std::shared_ptr<ProducerPartition> pp = ProducerPartitionFor(tp, *log);
  const storage::BatchHeader& header = batch.header();
  int64_t offset = -1;
  {
    MutexLock lock(pp->mu);
    if (Status s = PrepareProducerState(tp, **log, *pp); !s.ok()) {
      lock.Unlock();
      return done(s);
    }
    if (pp->state.CheckMarker(header.producer_id, header.producer_epoch) != ErrorCode::kNone) {
      lock.Unlock();
      return done(OutOfRange(
          "INVALID_PRODUCER_EPOCH: the partition has seen a newer epoch of producer {} than {}",
          header.producer_id, header.producer_epoch));
    }
    auto written = (*log)->Write(batch);
    if (!written.ok()) {
      lock.Unlock();
      return done(written.status());
    }
    offset = written->base_offset;
    storage::BatchHeader placed = header;
    placed.base_offset = offset;
    const std::optional<CompletedTxn> completed = pp->state.Record(placed, engine_.clock().NowMs());
    Status indexed;
    // `completed` only for a marker: is it an abort?
    auto type = completed ? storage::ControlTypeOf(batch.bytes())
                          : Result<storage::ControlType>(storage::ControlType::kUnknown);
    if (type.ok() && *type == storage::ControlType::kAbort) {
      pp->unindexed.push_back({completed->producer_id, completed->first_offset,
                               completed->last_offset,
                               pp->state.FirstUnstableOffset().value_or(offset + 1)});
      indexed = IndexAborted(tp, **log, *pp);
    }
    PublishFirstUnstable(**log, *pp);
    if (!indexed.ok()) {
      lock.Unlock();
      return done(indexed);
    }
  }
  NotifyAppend(tp);
  (*log)->WhenDurable(offset, [offset, done = std::move(done)](Status s) {
    if (s.ok()) return done(offset);
    done(s);
  });
}

Result<int64_t> Broker::LastStableOffset(const std::string& topic, int32_t partition) {
  HERALD_ASSIGN_OR_RETURN(auto log, GetLog(topic, partition));
  return LastStableOffset({topic, partition}, log);
}

Result<int64_t> Broker::LastStableOffset(const TopicPartition& tp,
                                         const std::shared_ptr<storage::Log>& log) {
  std::shared_ptr<ProducerPartition> pp = ProducerPartitionFor(tp, log);
  MutexLock lock(pp->mu);
  HERALD_RETURN_IF_ERROR(PrepareProducerState(tp, *log, *pp));
  return std::min(log->end_offset(), FirstUnstable(*pp).value_or(log->end_offset()));
}

void Broker::AppendWithProducerState(const TopicPartition& tp,
                                     const std::shared_ptr<storage::Log>& log,
                                     const storage::ValidatedBatch& batch, storage::AckLevel ack,
                                     AppendDone done) {
  const storage::BatchHeader& header = batch.header();
  std::shared_ptr<ProducerPartition> pp = ProducerPartitionFor(tp, log);
  std::optional<ProducerBatch> duplicate;
  storage::AppendInfo info;
  {
    MutexLock lock(pp->mu);
    if (Status s = PrepareProducerState(tp, *log, *pp); !s.ok()) {
      lock.Unlock();
      done(FromLog(s));
      return;
    }
    ProducerCheck check = pp->state.Check(header);
    if (check.action == ProducerCheck::Action::kReject) {
      lock.Unlock();
      LogInfo("produce_sequence_rejected",
              {{"topic", tp.first},
               {"partition", tp.second},
               {"producer_id", header.producer_id},
               {"producer_epoch", header.producer_epoch},
               {"base_sequence", header.base_sequence},
               {"error", static_cast<int>(check.error)}},
              check.reason);
      AppendResult r;
      r.status = FailedPrecondition("{}", check.reason);
      r.refusal = check.error;
      done(std::move(r));
      return;
    }
    if (check.action == ProducerCheck::Action::kDuplicate) {
      duplicate = check.original;
    } else {
      // Offsets are assigned (and the batch noted) before the next batch of this partition is
      // checked; durability follows outside the lock. A later fsync failure fails the log as a
      // whole, so a noted batch that never becomes durable is never acknowledged.
      if (header.transactional()) {
        // Told before the write, so that no checkpoint taken meanwhile says no transaction is
        // open once the batch is in the log (the exact value follows Record).
        const int64_t end = log->end_offset();
        log->SetFirstUnstableOffset(std::min(FirstUnstable(*pp).value_or(end), end));
      }
      Result<storage::AppendInfo> written = log->Write(batch);
      if (!written.ok()) {
        lock.Unlock();
        done(FromLog(std::move(written)));
        return;
      }
      storage::BatchHeader appended = header;
      appended.base_offset = written->base_offset;
      // On LogAppendTime topics the log holds the broker's time, as a reload would read it.
      if (written->log_append_time_ms >= 0) appended.max_timestamp = written->log_append_time_ms;
      pp->state.Record(appended, engine_.clock().NowMs());
      if (header.transactional()) PublishFirstUnstable(*log, *pp);
      info = *written;
    }
  }
  if (duplicate.has_value()) {
    // Retries are exceptional (a lost answer, a reconnect): worth a line each.
    LogInfo("produce_duplicate",
            {{"topic", tp.first},
             {"partition", tp.second},
             {"producer_id", header.producer_id},
             {"producer_epoch", header.producer_epoch},
             {"base_sequence", header.base_sequence},
             {"base_offset", duplicate->first_offset}},
            "a retried batch already in the log: answered with its offset, not written again");
    AppendResult r;
    r.duplicate = true;
    r.info = {duplicate->first_offset, duplicate->last_offset};
    if (ack == storage::AckLevel::kDurable) {
      // The original may not be durable yet (its own durable append is still waiting, or it was
      // appended with acks=1): answer once the flusher has synced it.
      log->WhenDurable(duplicate->last_offset, [r, done](Status s) mutable {
        r.status = std::move(s);
        done(std::move(r));
      });
      return;
    }
    done(std::move(r));
    return;
  }
  NotifyAppend(tp);  // readable now, durable or not
  if (ack == storage::AckLevel::kDurable) {
    log->WhenDurable(info.last_offset, [info, done = std::move(done)](Status s) {
      done(s.ok() ? FromLog(info) : FromLog(std::move(s)));
    });
    return;
  }
  done(FromLog(info));
}

Result<ProducerIdAndEpoch> Broker::InitProducerId() {
  HERALD_ASSIGN_OR_RETURN(int64_t id, producer_ids_->Allocate());
  return ProducerIdAndEpoch{id, 0};
}

Result<std::map<int64_t, ProducerEntry>> Broker::ProducerEntries(const std::string& topic,
                                                                 int32_t partition) {
  HERALD_ASSIGN_OR_RETURN(auto log, GetLog(topic, partition));
  std::shared_ptr<ProducerPartition> pp = ProducerPartitionFor({topic, partition}, log);
  MutexLock lock(pp->mu);
  HERALD_RETURN_IF_ERROR(PrepareProducerState({topic, partition}, *log, *pp));
  return std::map<int64_t, ProducerEntry>(pp->state.entries().begin(), pp->state.entries().end());
}

Result<std::optional<ProducerEntry>> Broker::GetProducerEntry(const std::string& topic,
                                                              int32_t partition,
                                                              int64_t producer_id) {
  HERALD_ASSIGN_OR_RETURN(auto entries, ProducerEntries(topic, partition));
  auto it = entries.find(producer_id);
  if (it == entries.end()) return std::optional<ProducerEntry>();
  return std::optional<ProducerEntry>(std::move(it->second));
}

uint64_t Broker::WatchAppends(const std::vector<TopicPartition>& partitions,
                              std::function<void()> wake) {
  MutexLock lock(watch_mu_);
  uint64_t id = next_watch_id_++;
  for (const auto& tp : partitions) watchers_[tp].insert(id);
  watches_[id] = Watch{partitions, std::move(wake)};
  return id;
}

void Broker::Unwatch(uint64_t id) {
  MutexLock lock(watch_mu_);
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  for (const auto& tp : it->second.partitions) {
    auto w = watchers_.find(tp);
    if (w == watchers_.end()) continue;
    w->second.erase(id);
    if (w->second.empty()) watchers_.erase(w);
  }
  watches_.erase(it);
}

void Broker::NotifyAppend(const TopicPartition& tp) {
  std::vector<std::function<void()>> wakes;
  {
    MutexLock lock(watch_mu_);
    auto w = watchers_.find(tp);
    if (w == watchers_.end()) return;
    std::vector<uint64_t> ids(w->second.begin(), w->second.end());
    for (uint64_t id : ids) {
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;
      wakes.push_back(std::move(it->second.wake));
      for (const auto& other : it->second.partitions) {
        auto ow = watchers_.find(other);
        if (ow == watchers_.end()) continue;
        ow->second.erase(id);
        if (ow->second.empty()) watchers_.erase(ow);
      }
      watches_.erase(it);
    }
  }
  for (auto& wake : wakes) wake();
}

}  // namespace herald::broker
