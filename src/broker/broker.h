// Broker: the single node behind every protocol door (Kafka wire protocol, HTTP).
//
// It owns what is not storage and not protocol: the node's identity (node id, cluster id kept in
// meta/cluster.json), topic auto-creation, waking long-polling fetches when data arrives, and the
// idempotent producer (KIP-98, without transactions): producer ids (reserved in blocks in
// meta/producer_ids.json, see broker/producer_state.h) and each partition's producer state, which
// Append checks and updates under a per-partition lock held across the check and the log's offset
// assignment, so two in-flight batches of one producer cannot race. A partition's producer state
// is rebuilt lazily from its log's batch headers on the first batch with a producer id it gets
// after a start (bounded by producer_id_expiration_ms; LoadProducerState says what it reads).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "broker/config_synonyms.h"
#include "broker/error_code.h"
#include "broker/producer_state.h"
#include "broker/quotas.h"
#include "storage/engine.h"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace herald::broker {

class Authorizer;

struct BrokerOptions {
  int32_t node_id = 1;
  std::string advertised_host = "localhost";
  int32_t advertised_port = 9092;
  bool auto_create_topics = true;  // auto.create.topics.enable
  int32_t num_partitions = 1;      // num.partitions, for auto-created topics
  // The settings of server.properties that default topic configs, as written (log.retention.hours,
  // ...): DescribeConfigs reports them as the sources of topic configs (config_synonyms.h).
  std::map<std::string, std::string> topic_default_settings;
  // The serve command's other settings, as it resolved them: DescribeConfigs lists them for this
  // broker with those above (BrokerConfigs).
  std::vector<BrokerSettingValue> settings;
  // producer.id.expiration.ms: producer state not appended to for this long is forgotten, and
  // rebuilding it after a restart reads no segment whose newest batch is older than this.
  int64_t producer_id_expiration_ms = kDefaultProducerIdExpirationMs;
  int64_t producer_id_block_size = 1000;  // producer ids reserved per write of the high-water mark

  // Bounds on one request, which every door applies.
  int32_t max_partitions_per_request = 10000;  // partition entries in one request
  int32_t fetch_max_bytes = 55 << 20;          // fetch.max.bytes: the most one fetch answers
  int32_t fetch_max_wait_ms = 30000;           // the longest a fetch long-polls

  // Bounds on topics: each partition holds open files (log, index, time index), so these keep a
  // data directory within the process's file-descriptor limit.
  int32_t max_partitions_per_topic = 1000;
  int32_t max_partitions = 4000;  // in all, internal topics included

  // Byte rates per principal for producing and fetching (broker/quotas.h); none by default.
  QuotaOptions quotas;
};

using TopicPartition = std::pair<std::string, int32_t>;

// The outcome of Broker::Append for one batch.
struct AppendResult {
  // OK when the batch is in the log (or was already: a duplicate); else why it is not.
  Status status;
  // Set when the broker refused the batch, in Kafka's code (`status` then says why): the
  // producer-state checks (kFailedPrecondition), the topic's record validation
  // (INVALID_RECORD, kInvalidArgument) or its message.timestamp.difference.max.ms
  // (INVALID_TIMESTAMP, kOutOfRange); kNone otherwise.
  ErrorCode refusal = ErrorCode::kNone;
  // When OK: the batch's offsets; for a duplicate those the original batch got.
  storage::AppendInfo info;
  bool duplicate = false;  // a retried batch already in the log, not written again
};
using AppendDone = std::function<void(AppendResult)>;

// Checks the records of a batch for a topic whose config asks for schema validation
// (confluent.key/value.schema.validation): OK, or why a record is refused (kInvalidArgument). The
// schema registry provides it; it runs on the appending thread, before anything is written.
using BatchValidator = std::function<Status(const std::string& topic, const storage::LogConfig&,
                                            const storage::ValidatedBatch&)>;

struct ProducerIdAndEpoch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

// One change of IncrementalAlterConfigs (Kafka's AlterConfigOp).
struct ConfigChange {
  enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
  std::string name;
  Op op = Op::kSet;
  std::optional<std::string> value;  // null only for kDelete
};

// The outcome of a topic administration call: kNone, or Kafka's code for why not with a message
// for people. The Kafka door answers it as is; the HTTP door maps it to its own codes.
struct TopicError {
  ErrorCode code = ErrorCode::kNone;
  std::string message;
  bool ok() const { return code == ErrorCode::kNone; }
};

class Broker {
 public:
  // Loads the cluster id from the engine's data directory, creating it on first start, and the
  // producer-id high-water mark. `engine` must outlive the broker. kCorruption when a file in
  // meta/ does not parse; I/O errors.
  static Result<std::unique_ptr<Broker>> Open(storage::Engine& engine, BrokerOptions options);

  ~Broker();

  const BrokerOptions& options() const { return options_; }

  // Runs `work` on the broker's admin thread, one piece at a time in order: slow administration
  // (creating topics and partitions: files, directories, fsyncs) stays off the network threads.
  // Work submitted before the broker is destroyed runs before its destructor returns.
  void RunAdmin(std::function<void()> work);

  // Topics that clients may not produce to, delete or reconfigure (Kafka's internal topics,
  // __consumer_offsets and any later "__" topic).
  static bool IsInternalTopic(std::string_view name) { return name.starts_with("__"); }
  // Internal topics that hold secrets ("__herald_" names, as security's __herald_users): no door
  // lists, reads or describes them; their owners reach them through the engine.
  static bool IsPrivateTopic(std::string_view name) { return name.starts_with("__herald_"); }
  // The ACL authorizer every door asks (broker/authorizer.h), nullptr when authorization is off
  // (--authorizer none). Set before serving; it must outlive the broker.
  void SetAuthorizer(Authorizer* authorizer) { authorizer_ = authorizer; }
  Authorizer* authorizer() const { return authorizer_; }
  // Each principal's produce and fetch byte rates, against BrokerOptions::quotas.
  ClientQuotas& quotas() { return quotas_; }
  const std::string& cluster_id() const { return cluster_id_; }
  const std::string& data_dir() const { return engine_.data_dir(); }
  // The size of the disk holding the data directory and the bytes still usable there.
  Result<storage::DiskSpace> disk_space() const { return engine_.fs().Space(engine_.data_dir()); }
  Clock& clock() const { return engine_.clock(); }

  // Topics and partitions as every door sees them (storage::Engine's, see storage/engine.h),
  // without the private topics: to a door they do not exist.
  bool HasTopic(const std::string& name) const {
    return !IsPrivateTopic(name) && engine_.HasTopic(name);
  }
  std::vector<storage::TopicInfo> ListTopics() const;
  Result<std::string> TopicName(const Uuid& id) const;
  // The configs a topic with these overrides would have (the broker's defaults beneath them);
  // kInvalidArgument names an unknown config or a value out of range.
  Result<storage::LogConfig> ConfigWith(const std::map<std::string, std::string>& overrides) const {
    return storage::LogConfig::WithOverrides(engine_.defaults(), overrides);
  }
  Result<storage::TopicInfo> DescribeTopic(const std::string& name) const {
    if (IsPrivateTopic(name)) return NoSuchTopic(name);
    return engine_.DescribeTopic(name);
  }
  // Private topics included: an operator must see every damaged partition.
  std::vector<storage::OfflinePartition> OfflinePartitions() const {
    return engine_.OfflinePartitions();
  }
  // A partition's log, for reading it and for Append. kNotFound for an unknown partition;
  // kFailedPrecondition (with the reason) for an offline one.
  Result<std::shared_ptr<storage::Log>> GetLog(const std::string& topic, int32_t partition) const {
    if (IsPrivateTopic(topic)) return NoSuchTopic(topic);
    return engine_.GetLog(topic, partition);
  }
  // Records held by each dead-letter topic (a name ending in ".dlq"): end minus start offset,
  // summed over its partitions.
  std::map<std::string, int64_t> DeadLetterDepths() const;

  // Topic administration, the same for every door. These write and sync files: doors call them
  // through RunAdmin. With `validate_only` every check is made and nothing changes.
  // CreateTopic: kInvalidTopicException (the name, or a "__" name: those are internal),
  // kTopicAlreadyExists, kInvalidPartitions
  // (none, or past a limit), kInvalidConfig, or the engine's failure.
  TopicError CreateTopic(const std::string& name, int32_t partitions,
                         const std::map<std::string, std::string>& configs,
                         bool validate_only = false);
  // Grows a topic to `count` partitions: kUnknownTopicOrPartition, kTopicAuthorizationFailed (an
  // internal topic), kInvalidPartitions (not more than it has, or past a limit).
  TopicError CreatePartitions(const std::string& name, int32_t count, bool validate_only = false);
  // Replaces the topic's whole set of config overrides: kUnknownTopicOrPartition,
  // kTopicAuthorizationFailed, kInvalidConfig.
  TopicError AlterTopicConfig(const std::string& name,
                              const std::map<std::string, std::string>& overrides,
                              bool validate_only = false);
  // Changes some of the topic's config overrides, keeping the others (Kafka's
  // IncrementalAlterConfigs): each change sets, deletes (back to the default), appends to or
  // subtracts from a list config (values separated by commas). kInvalidRequest for a name given
  // twice or a missing value; kInvalidConfig for appending to or subtracting from a config that
  // is not a list, or for a result AlterTopicConfig refuses; its other errors.
  TopicError UpdateTopicConfig(const std::string& name, const std::vector<ConfigChange>& changes,
                               bool validate_only = false);
  // kTopicAuthorizationFailed for an internal topic, kUnknownTopicOrPartition.
  TopicError DeleteTopic(const std::string& name);

  // Makes sure `topic` exists. When it does not and `allow_create` and auto-creation are on,
  // creates it with num.partitions partitions and returns true. kNotFound when it does not exist
  // and may not be created; kInvalidArgument for an invalid name.
  Result<bool> EnsureTopic(const std::string& topic, bool allow_create);

  // Appends one checked batch to a partition (see storage::Log::Append) and wakes fetches waiting
  // on it.
  // A batch with a producer id (>= 0) is first checked against the partition's producer state
  // (rules in broker/producer_state.h): a refused batch is not written (`refusal` says
  // why); a retried duplicate is not written again and is answered with the original offsets,
  // once those are durable when `ack` is kDurable (waiting for the flusher if they are not yet).
  // Batches without a producer id skip the producer state. `done` is called exactly once, from
  // this thread or (kDurable) a flusher thread: kNotFound for an unknown partition, the log's
  // errors (kCorruption, kInvalidArgument, kNoSpace, kIoError, kFailedPrecondition), or the
  // producer state's refusal; a failure to rebuild the producer state is returned as its I/O
  // error (and rebuilding is tried again by the next batch).
  // A topic with schema validation on has its batches checked by the BatchValidator first (a
  // refused batch is answered INVALID_RECORD and nothing of it is written; without a validator
  // such topics take every batch).
  void Append(const std::string& topic, int32_t partition, const storage::ValidatedBatch& batch,
              storage::AckLevel ack, AppendDone done);
  // Append to the partition's `log` (from GetLog), for a caller that already looked it up.
  void Append(const std::string& topic, int32_t partition, const std::shared_ptr<storage::Log>& log,
              const storage::ValidatedBatch& batch, storage::AckLevel ack, AppendDone done);

  // Set once, before the broker serves.
  void SetBatchValidator(BatchValidator validator) { validator_ = std::move(validator); }

  // InitProducerId without a transactional id: a new producer id, unique across restarts, with
  // epoch 0. Errors from persisting the id high-water mark (every producer_id_block_size calls).
  Result<ProducerIdAndEpoch> InitProducerId();

  // A copy of every producer's state on a partition, by producer id (loading the partition's
  // state if needed): DescribeProducers. kNotFound for an unknown partition, kFailedPrecondition
  // for an offline one; I/O errors from loading.
  Result<std::map<int64_t, ProducerEntry>> ProducerEntries(const std::string& topic,
                                                           int32_t partition);
  // One producer's, nullopt when the partition has none for it. For tests and inspection.
  Result<std::optional<ProducerEntry>> GetProducerEntry(const std::string& topic, int32_t partition,
                                                        int64_t producer_id);

  // Writes the marker that ends `producer_id`'s transaction in a partition, as Kafka's
  // WriteTxnMarkers does for the transaction coordinator: a COMMIT or ABORT control batch at
  // `producer_epoch`, which closes the producer's open transaction there. An abort is indexed
  // (storage/aborted_txns.h) before `done` is called. `done` is called once, when the marker is
  // durable: kNotFound for an unknown partition, kOutOfRange (INVALID_PRODUCER_EPOCH)
  // when the partition has seen a newer epoch of the producer (the marker is stale), the log's
  // errors otherwise. When the marker was written but its index entry was not, the entry is
  // written again before anything else reaches the partition's producer state, and until then
  // the partition's last stable offset stays before the transaction.
  void WriteMarker(const TopicPartition& tp, int64_t producer_id, int16_t producer_epoch,
                   storage::ControlType type, std::function<void(Status)> done);
  // Appends a batch a coordinator writes for a producer: the group coordinator's record of a
  // transaction's offsets in __consumer_offsets (TxnOffsetCommit), or a marker (an abort is
  // indexed as WriteMarker says). As Kafka's appends of coordinator origin, only the producer's
  // epoch is checked, not its sequence: kOutOfRange (INVALID_PRODUCER_EPOCH) when the partition has
  // seen a newer epoch. `done` gets the batch's base offset once it is durable (called once, from
  // any thread), or errors as WriteMarker's.
  void AppendForCoordinator(const TopicPartition& tp, const storage::ValidatedBatch& batch,
                            std::function<void(Result<int64_t>)> done);

  // The partition's last stable offset: the first offset of its oldest transaction still open
  // (or aborted but not yet indexed), else its end. read_committed consumers read no further.
  // Errors as ProducerEntries'.
  Result<int64_t> LastStableOffset(const std::string& topic, int32_t partition);
  // The same for the partition's `log` (from GetLog), for a caller that already looked it up.
  Result<int64_t> LastStableOffset(const TopicPartition& tp,
                                   const std::shared_ptr<storage::Log>& log);

  // Calls `wake` once, from any thread, after data is appended to any of `partitions` (a fetch
  // long-poll). Returns an id for Unwatch; after Unwatch returns, `wake` is not called again, but
  // a call already begun may still be running (wakes run outside the broker's lock): `wake` must
  // own, or share, what it touches.
  uint64_t WatchAppends(const std::vector<TopicPartition>& partitions, std::function<void()> wake);
  void Unwatch(uint64_t id);

 private:
  // One partition's producer state, for the log it was built from.
  struct ProducerPartition {
    std::weak_ptr<storage::Log> log;  // set once: a recreated topic gets a new entry
    Mutex mu;  // held across check, Log::Write and Record
    bool loaded GUARDED_BY(mu) = false;
    PartitionProducerState state GUARDED_BY(mu);
    int64_t next_expiry_ms GUARDED_BY(mu) = 0;
    // Aborted transactions whose markers are in the log but whose index entries failed to write.
    std::vector<storage::AbortedTxn> unindexed GUARDED_BY(mu);
  };

  Broker(storage::Engine& engine, BrokerOptions options, std::string cluster_id,
         std::unique_ptr<ProducerIdAllocator> producer_ids);
  void NotifyAppend(const TopicPartition& tp);
  // OK when a topic may have `topic_total` partitions, `adding` of them new: within
  // max_partitions_per_topic and max_partitions. kInvalidArgument naming the limit otherwise.
  Status CheckPartitionLimits(int32_t topic_total, int32_t adding) const;
  static Status NoSuchTopic(std::string_view name) {
    return NotFound("topic '{}' does not exist", name);
  }
  // The producer state of `log`'s partition, created (unloaded) when missing or built for
  // another log of the same name.
  std::shared_ptr<ProducerPartition> ProducerPartitionFor(const TopicPartition& tp,
                                                          const std::shared_ptr<storage::Log>& log);
  // Loads `pp` from its log when not yet loaded and expires old producers.
  // Loads the partition's producer state on first use (finding the aborts a crash kept from the
  // index), expires idle producers, and indexes the aborts still unindexed (a failure there is
  // logged, not returned: the last stable offset holds back until it succeeds).
  Status PrepareProducerState(const TopicPartition& tp, storage::Log& log, ProducerPartition& pp)
      REQUIRES(pp.mu);
  // Writes pp.unindexed's entries into the log's aborted-transaction index, oldest first; the
  // first failure is returned (and logged) and the rest stay.
  Status IndexAborted(const TopicPartition& tp, storage::Log& log, ProducerPartition& pp)
      REQUIRES(pp.mu);
  // The first offset of the partition's oldest open transaction, or of an abort not yet indexed
  // (either holds read_committed readers back); nullopt when there is neither.
  static std::optional<int64_t> FirstUnstable(const ProducerPartition& pp) REQUIRES(pp.mu);
  // Tells the log FirstUnstable(pp), for its checkpoints (storage::Log::SetFirstUnstableOffset).
  static void PublishFirstUnstable(storage::Log& log, const ProducerPartition& pp) REQUIRES(pp.mu);
  void AppendWithProducerState(const TopicPartition& tp, const std::shared_ptr<storage::Log>& log,
                               const storage::ValidatedBatch& batch, storage::AckLevel ack,
                               AppendDone done);

  storage::Engine& engine_;
  const BrokerOptions options_;
  const std::string cluster_id_;
  Authorizer* authorizer_ = nullptr;
  ClientQuotas quotas_;
  const std::unique_ptr<ProducerIdAllocator> producer_ids_;
  BatchValidator validator_;  // set before serving, then only read

  Mutex producers_mu_;  // never held across I/O
  std::map<TopicPartition, std::shared_ptr<ProducerPartition>> producer_partitions_
      GUARDED_BY(producers_mu_);

  // One topic or partition creation at a time, so that two cannot both pass the partition limits.
  Mutex create_mu_;
  std::unique_ptr<boost::asio::thread_pool> admin_;  // one thread

  struct Watch {
    std::vector<TopicPartition> partitions;
    std::function<void()> wake;
  };
  Mutex watch_mu_;
  uint64_t next_watch_id_ GUARDED_BY(watch_mu_) = 1;
  std::map<uint64_t, Watch> watches_ GUARDED_BY(watch_mu_);
  std::map<TopicPartition, std::set<uint64_t>> watchers_ GUARDED_BY(watch_mu_);
};

}  // namespace herald::broker
